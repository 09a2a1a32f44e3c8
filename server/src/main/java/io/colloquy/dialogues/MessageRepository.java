package io.colloquy.dialogues;

import io.colloquy.audit.AuditLog;
import io.colloquy.crypto.BlindIndex;
import io.colloquy.crypto.FieldRef;
import io.colloquy.crypto.StoredValues;
import io.colloquy.platform.Distribution;
import io.colloquy.platform.Sql;
import io.colloquy.screening.Screening;
import io.colloquy.web.Metadata;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Messages of dialogues, and the reservation of their seqs. Content columns go through {@link StoredValues};
 * rows are filtered by RLS.
 */
@Repository
class MessageRepository {
    private static final String MESSAGE_IDS = """
            SELECT message_id FROM colloquy.messages
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :dialogue
             ORDER BY seq
            """;

    private static final String MESSAGES_WITH_OLDER_VALUES = """
            SELECT * FROM colloquy.messages
             WHERE project_id = :project AND namespace = :ns
               AND (substring(content from 2 for 4) <> int4send(CAST(:v AS integer))
                    OR substring(metadata from 2 for 4) <> int4send(CAST(:v AS integer)))
             LIMIT :limit
            """;

    private static final String RESEAL_MESSAGE = """
            UPDATE colloquy.messages SET content = :content, metadata = :metadata
             WHERE project_id = :project AND namespace = :ns AND message_id = :id
            """;

    /** An edit: new content (and its search tokens) and metadata, and when. */
    private static final String EDIT_MESSAGE = """
            WITH edited AS (
                UPDATE colloquy.messages SET content = :content, metadata = :metadata, search_tokens = :tokens,
                       updated_at = :updated, injection_score = :score, injection_labels = :labels
                 WHERE project_id = :project AND namespace = :ns AND message_id = :id
                RETURNING dialogue_id)
            UPDATE colloquy.dialogues d SET revision = revision + 1
              FROM edited e
             WHERE d.project_id = :project AND d.namespace = :ns AND d.dialogue_id = e.dialogue_id
            """;

    /** The {@code WITH} item of {@link #append}'s statement that returns a row once the seqs are reserved. */
    static final String RESERVED = "reserved";

    private static final String LAST_SEQ = """
            SELECT last_seq FROM colloquy.dialogues
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :id AND deleted_at IS NULL
            """;
    private static final String LAST_SEQ_LOCKED = LAST_SEQ + " FOR UPDATE";
    private static final String REVISION = """
            SELECT revision FROM colloquy.dialogues
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :id AND deleted_at IS NULL
            """;
    /**
     * The first part of an append: reserves the seqs after the expected last one (the row lock orders
     * concurrent appends to one dialogue) and, only if it did, inserts the messages numbered with them.
     */
    private static final String RESERVE = """
            UPDATE colloquy.dialogues
               SET last_seq = last_seq + ?, message_count = message_count + ?, updated_at = ?
             WHERE project_id = ? AND namespace = ? AND dialogue_id = ? AND deleted_at IS NULL AND last_seq = ?
            RETURNING last_seq""";

    private static final String INSERT_MESSAGES = """
            INSERT INTO colloquy.messages
                (project_id, namespace, dialogue_id, message_id, seq, role, content, metadata, search_tokens, created_at,
                 injection_score, injection_labels)
            """;
    private static final String APPEND =
            "WITH reserved AS (\n" + RESERVE + "),\nappended AS (\n" + INSERT_MESSAGES + "SELECT v.* FROM (VALUES\n";

    private static final String APPEND_ROW = """
            (CAST(? AS uuid), CAST(? AS text), CAST(? AS uuid), CAST(? AS uuid), CAST(? AS bigint), CAST(? AS text), \
            CAST(? AS bytea), CAST(? AS bytea), CAST(? AS bigint[]), CAST(? AS timestamptz), CAST(? AS numeric), \
            CAST(? AS text[]))""";
    private static final String APPEND_ROWS_END = """
            ) AS v WHERE EXISTS (SELECT 1 FROM reserved)
                RETURNING 1),
            """;

    /**
     * A page of a dialogue's messages, and whether the dialogue is there, in one statement: no row when it is
     * not, one row of nulls when it has no messages after {@code :after}; every row carries the dialogue's revision.
     */
    private static final String LIST_MESSAGES = """
            SELECT m.*, d.revision AS dialogue_revision FROM colloquy.dialogues d
              LEFT JOIN LATERAL (
                SELECT * FROM colloquy.messages
                 WHERE project_id = d.project_id AND namespace = d.namespace AND dialogue_id = d.dialogue_id
                   AND seq > :after
                 ORDER BY seq
                 LIMIT :limit) m ON true
             WHERE d.project_id = :project AND d.namespace = :ns AND d.dialogue_id = :dialogue AND d.deleted_at IS NULL
             ORDER BY m.seq
            """;

    private static final String PAGE_OF_MESSAGES = """
            SELECT * FROM colloquy.messages
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :dialogue AND seq > :after
             ORDER BY seq
             LIMIT :limit
            """;

    private static final String FIND_MESSAGE = """
            SELECT * FROM colloquy.messages
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :dialogue AND message_id = :id
            """;

    private static final String DELETE_MESSAGE = """
            WITH gone AS (
                DELETE FROM colloquy.messages
                 WHERE project_id = :project AND namespace = :ns AND dialogue_id = :dialogue AND message_id = :id
                RETURNING 1)
            UPDATE colloquy.dialogues
               SET message_count = message_count - (SELECT count(*) FROM gone), updated_at = :now,
                   revision = revision + 1
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :dialogue
               AND EXISTS (SELECT 1 FROM gone)
            """;

    /** Candidates for a keyword search: messages holding every query token, newest first, capped. */
    private static final String SEARCH_MESSAGES = """
            SELECT m.* FROM colloquy.messages m
              JOIN colloquy.dialogues d
                ON d.project_id = m.project_id AND d.namespace = m.namespace AND d.dialogue_id = m.dialogue_id
             WHERE m.project_id = :project AND m.namespace = :ns AND m.search_tokens @> :tokens AND d.deleted_at IS NULL
               AND (CAST(:tag AS bigint) IS NULL OR d.tag_digests @> ARRAY[CAST(:tag AS bigint)])
               AND (CAST(:createdAfter AS timestamptz) IS NULL OR m.created_at > CAST(:createdAfter AS timestamptz))
               AND (CAST(:createdBefore AS timestamptz) IS NULL OR m.created_at < CAST(:createdBefore AS timestamptz))
               AND (CAST(:updatedAfter AS timestamptz) IS NULL
                    OR COALESCE(m.updated_at, m.created_at) > CAST(:updatedAfter AS timestamptz))
               AND (CAST(:updatedBefore AS timestamptz) IS NULL
                    OR COALESCE(m.updated_at, m.created_at) < CAST(:updatedBefore AS timestamptz))
             ORDER BY m.message_id DESC
             LIMIT :limit
            """;

    /** Messages by id (semantic search's candidates; the embedding worker's items), with keyword search's filters. */
    private static final String BY_IDS = """
            SELECT m.* FROM colloquy.messages m
              JOIN colloquy.dialogues d
                ON d.project_id = m.project_id AND d.namespace = m.namespace AND d.dialogue_id = m.dialogue_id
             WHERE m.project_id = :project AND m.namespace = :ns AND m.message_id = ANY(:ids)
               AND (d.deleted_at IS NULL OR CAST(:withDeleted AS boolean))
               AND (CAST(:tag AS bigint) IS NULL OR d.tag_digests @> ARRAY[CAST(:tag AS bigint)])
               AND (CAST(:createdAfter AS timestamptz) IS NULL OR m.created_at > CAST(:createdAfter AS timestamptz))
               AND (CAST(:createdBefore AS timestamptz) IS NULL OR m.created_at < CAST(:createdBefore AS timestamptz))
               AND (CAST(:updatedAfter AS timestamptz) IS NULL
                    OR COALESCE(m.updated_at, m.created_at) > CAST(:updatedAfter AS timestamptz))
               AND (CAST(:updatedBefore AS timestamptz) IS NULL
                    OR COALESCE(m.updated_at, m.created_at) < CAST(:updatedBefore AS timestamptz))
            """;

    private final JdbcClient jdbc;
    private final boolean distributed;
    private final StoredValues values;
    private final BlindIndex index;

    MessageRepository(JdbcClient jdbc, StoredValues values, BlindIndex index, Distribution distribution) {
        this.distributed = distribution.citus();
        this.jdbc = jdbc;
        this.values = values;
        this.index = index;
    }

    List<UUID> messageIds(UUID project, String ns, UUID dialogue) {
        return jdbc.sql(MESSAGE_IDS)
                .param("project", project)
                .param("ns", ns)
                .param("dialogue", dialogue)
                .query(UUID.class)
                .list();
    }

    List<Message> messagesWithOlderValues(UUID project, String ns, int current, int limit) {
        return jdbc.sql(MESSAGES_WITH_OLDER_VALUES)
                .param("project", project)
                .param("ns", ns)
                .param("v", current)
                .param("limit", limit)
                .query((rs, n) -> message(rs))
                .list();
    }

    /** Seals a message's content and metadata again, under the namespace's current data key. */
    void reseal(Message m) {
        jdbc.sql(RESEAL_MESSAGE)
                .param("project", m.projectId())
                .param("ns", m.namespace())
                .param("id", m.id())
                .param("content", values.seal(ref(m, "content"), m.content()))
                .param("metadata", values.seal(ref(m, "metadata"), m.metadata().json()))
                .update();
    }

    void edit(Message m) {
        jdbc.sql(EDIT_MESSAGE)
                .param("project", m.projectId())
                .param("ns", m.namespace())
                .param("id", m.id())
                .param("content", values.seal(ref(m, "content"), m.content()))
                .param("metadata", values.seal(ref(m, "metadata"), m.metadata().json()))
                .param("tokens", Sql.bigints(index.index(m.projectId(), m.namespace(), m.content())))
                .param("updated", Sql.timestamptz(m.updatedAt()))
                .param("score", score(m))
                .param("labels", labels(m))
                .update();
    }

    /**
     * The dialogue's last seq, or empty when it does not exist here; {@code lock} locks its row until commit
     * (no other append to it can come in between).
     */
    OptionalLong lastSeq(UUID project, String ns, UUID dialogue, boolean lock) {
        List<Long> last = jdbc.sql(lock ? LAST_SEQ_LOCKED : LAST_SEQ)
                .param("project", project)
                .param("ns", ns)
                .param("id", dialogue)
                .query((rs, i) -> rs.getLong(1))
                .list();
        return last.isEmpty() ? OptionalLong.empty() : OptionalLong.of(last.getFirst());
    }

    /**
     * Appends messages numbered right after {@code expectedLast} and their audit events in ONE statement
     * (one round trip: the dialogue's row lock, taken by it, is held only from here to the commit). Returns
     * false, having written nothing, when the dialogue's last seq is no longer {@code expectedLast} (another
     * append came first) or the dialogue is gone.
     */
    boolean append(List<Message> messages, long expectedLast, Instant now, AuditLog.Outbox events) {
        Message first = messages.getFirst();
        StringBuilder sql = new StringBuilder(APPEND);
        List<Object> params =
                new ArrayList<>(7 + messages.size() * 12 + events.params().size());
        params.add(messages.size());
        params.add(messages.size());
        params.add(Sql.timestamptz(now));
        params.add(first.projectId());
        params.add(first.namespace());
        params.add(first.dialogueId());
        params.add(expectedLast);
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (m.seq() != expectedLast + 1 + i) {
                throw new IllegalArgumentException("messages must be numbered right after " + expectedLast);
            }
            sql.append(i == 0 ? "" : ",").append(APPEND_ROW);
            params.add(m.projectId());
            params.add(m.namespace());
            params.add(m.dialogueId());
            params.add(m.id());
            params.add(m.seq());
            params.add(m.role().wireName());
            params.add(values.seal(ref(m, "content"), m.content()));
            params.add(values.seal(ref(m, "metadata"), m.metadata().json()));
            params.add(Sql.bigints(index.index(m.projectId(), m.namespace(), m.content())));
            params.add(Sql.timestamptz(m.createdAt()));
            params.add(score(m));
            params.add(labels(m));
        }
        if (distributed) {
            return appendInSteps(sql.toString(), params, events);
        }
        sql.append(APPEND_ROWS_END).append(events.withItem()).append("\nSELECT count(*) FROM reserved");
        params.addAll(events.params());
        return jdbc.sql(sql.toString()).params(params).query(Long.class).single() == 1;
    }

    /**
     * The same append as three statements of the caller's transaction, in the same order (reserve the seqs under
     * the dialogue's row lock, insert the messages, then their events, whose places are drawn after the lock):
     * Citus runs each on the project's worker, where the one-statement form would be refused.
     */
    private boolean appendInSteps(String oneStatement, List<Object> params, AuditLog.Outbox events) {
        if (jdbc.sql(RESERVE)
                .params(params.subList(0, 7))
                .query(Long.class)
                .list()
                .isEmpty()) {
            return false;
        }
        String rows = oneStatement.substring(APPEND.length());
        jdbc.sql(INSERT_MESSAGES + "VALUES\n" + rows)
                .params(params.subList(7, params.size()))
                .update();
        jdbc.sql(events.insert()).params(events.params()).update();
        return true;
    }

    /** Messages of a dialogue read in one snapshot with the dialogue's revision at that moment. */
    record Rows(List<Message> messages, long revision) {}

    /** Up to {@code limit} messages after {@code afterSeq} in seq order; empty when the dialogue is not here. */
    Optional<Rows> messages(UUID project, String ns, UUID dialogue, long afterSeq, int limit) {
        if (distributed) {
            return messagesInSteps(project, ns, dialogue, afterSeq, limit);
        }
        long[] revision = {-1};
        List<Message> rows = jdbc.sql(LIST_MESSAGES)
                .param("project", project)
                .param("ns", ns)
                .param("dialogue", dialogue)
                .param("after", afterSeq)
                .param("limit", limit)
                .query((rs, n) -> {
                    revision[0] = rs.getLong("dialogue_revision");
                    return rs.getObject("message_id") == null ? null : message(rs);
                })
                .list();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        // a row of nulls: no messages
        return Optional.of(new Rows(rows.getFirst() == null ? List.of() : rows, revision[0]));
    }

    /**
     * The same page on Citus, which refuses the outer join of {@link #LIST_MESSAGES}: the dialogue's revision, then
     * its page. In that order: a change between the two makes the revision look older than the page, which a client
     * takes as "changed" and reads again; never a page older than its revision.
     */
    private Optional<Rows> messagesInSteps(UUID project, String ns, UUID dialogue, long afterSeq, int limit) {
        List<Long> revision = jdbc.sql(REVISION)
                .param("project", project)
                .param("ns", ns)
                .param("id", dialogue)
                .query(Long.class)
                .list();
        if (revision.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Rows(
                jdbc.sql(PAGE_OF_MESSAGES)
                        .param("project", project)
                        .param("ns", ns)
                        .param("dialogue", dialogue)
                        .param("after", afterSeq)
                        .param("limit", limit)
                        .query((rs, n) -> message(rs))
                        .list(),
                revision.getFirst()));
    }

    Optional<Message> message(UUID project, String ns, UUID dialogue, UUID id) {
        return jdbc.sql(FIND_MESSAGE)
                .param("project", project)
                .param("ns", ns)
                .param("dialogue", dialogue)
                .param("id", id)
                .query((rs, n) -> message(rs))
                .optional();
    }

    boolean deleteMessage(UUID project, String ns, UUID dialogue, UUID id, java.time.Instant now) {
        return jdbc.sql(DELETE_MESSAGE)
                        .param("project", project)
                        .param("ns", ns)
                        .param("dialogue", dialogue)
                        .param("id", id)
                        .param("now", Sql.timestamptz(now))
                        .update()
                == 1;
    }

    /** Messages holding every token, of dialogues with the tag (null: any), inside the time ranges. */
    List<Message> search(
            UUID project,
            String ns,
            long[] tokens,
            @org.jspecify.annotations.Nullable Long tag,
            io.colloquy.web.ListFilters times,
            int limit) {
        return jdbc.sql(SEARCH_MESSAGES)
                .param("project", project)
                .param("ns", ns)
                .param("tokens", Sql.bigints(tokens))
                .param("tag", tag)
                .param("createdAfter", Sql.timestamptz(times.createdAfter()))
                .param("createdBefore", Sql.timestamptz(times.createdBefore()))
                .param("updatedAfter", Sql.timestamptz(times.updatedAfter()))
                .param("updatedBefore", Sql.timestamptz(times.updatedBefore()))
                .param("limit", limit)
                .query((rs, n) -> message(rs))
                .list();
    }

    List<Message> byIds(
            UUID project,
            String ns,
            List<UUID> ids,
            boolean withDeleted,
            @org.jspecify.annotations.Nullable Long tag,
            io.colloquy.web.ListFilters times) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.sql(BY_IDS)
                .param("project", project)
                .param("ns", ns)
                .param("ids", ids.toArray(UUID[]::new))
                .param("withDeleted", withDeleted)
                .param("tag", tag)
                .param("createdAfter", Sql.timestamptz(times.createdAfter()))
                .param("createdBefore", Sql.timestamptz(times.createdBefore()))
                .param("updatedAfter", Sql.timestamptz(times.updatedAfter()))
                .param("updatedBefore", Sql.timestamptz(times.updatedBefore()))
                .query((rs, n) -> message(rs))
                .list();
    }

    private Message message(ResultSet rs) throws SQLException {
        UUID project = rs.getObject("project_id", UUID.class);
        String ns = rs.getString("namespace");
        UUID id = rs.getObject("message_id", UUID.class);
        FieldRef base = new FieldRef(project, ns, "messages", id, "");
        return new Message(
                project,
                ns,
                rs.getObject("dialogue_id", UUID.class),
                id,
                rs.getLong("seq"),
                Message.Role.ofWire(rs.getString("role")),
                values.open(column(base, "content"), rs.getBytes("content")),
                Metadata.parse(values.open(column(base, "metadata"), rs.getBytes("metadata"))),
                Sql.requiredInstant(rs, "created_at"),
                Sql.instant(rs, "updated_at"),
                rs.getBigDecimal("injection_score") == null
                        ? null
                        : new Screening(
                                rs.getBigDecimal("injection_score").doubleValue(),
                                Sql.strings(rs, "injection_labels")));
    }

    private static java.math.@org.jspecify.annotations.Nullable BigDecimal score(Message m) {
        return m.screening() == null
                ? null
                : java.math.BigDecimal.valueOf(m.screening().score());
    }

    private static String @org.jspecify.annotations.Nullable [] labels(Message m) {
        return m.screening() == null ? null : m.screening().labels().toArray(String[]::new);
    }

    private static FieldRef ref(Message m, String column) {
        return new FieldRef(m.projectId(), m.namespace(), "messages", m.id(), column);
    }

    private static FieldRef column(FieldRef base, String column) {
        return new FieldRef(base.projectId(), base.namespace(), base.table(), base.rowId(), column);
    }
}
