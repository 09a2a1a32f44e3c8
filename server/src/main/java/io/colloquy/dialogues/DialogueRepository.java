package io.colloquy.dialogues;

import io.colloquy.crypto.FieldRef;
import io.colloquy.crypto.StoredValues;
import io.colloquy.platform.Distribution;
import io.colloquy.platform.Ids;
import io.colloquy.platform.Sql;
import io.colloquy.web.ListFilters;
import io.colloquy.web.Metadata;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.json.JsonMapper;

/** Dialogues (their messages: {@link MessageRepository}). Content columns go through {@link StoredValues}; rows are filtered by RLS. */
@Repository
class DialogueRepository {
    private static final String INSERT_DIALOGUE = """
            INSERT INTO colloquy.dialogues
                (project_id, namespace, dialogue_id, title, metadata, tags, tag_digests, created_at, updated_at,
                 status, parent_id, depth, metadata_digests, dialogue_key, key_digest)
            VALUES (:project, :ns, :id, :title, :metadata, :tags, :digests, :created, :created,
                    :status, :parent, :depth, :metadataDigests, :key, :keyDigest)
            ON CONFLICT (project_id, namespace, key_digest) WHERE key_digest IS NOT NULL AND deleted_at IS NULL
            DO NOTHING
            """;
    /** Every dialogue read carries how many live threads it has. */
    private static final String SELECT_DIALOGUE = """
            SELECT d.*, (SELECT count(*) FROM colloquy.dialogues c
                          WHERE c.project_id = d.project_id AND c.namespace = d.namespace
                            AND c.parent_id = d.dialogue_id AND c.deleted_at IS NULL) AS thread_count
              FROM colloquy.dialogues d
            """;

    private static final String FIND_DIALOGUE = SELECT_DIALOGUE + """
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :id AND deleted_at IS NULL
            """;
    private static final String FIND_BY_KEY = SELECT_DIALOGUE + """
             WHERE project_id = :project AND namespace = :ns AND key_digest = :keyDigest AND deleted_at IS NULL
            """;
    private static final String FIND_DIALOGUE_FOR_UPDATE = FIND_DIALOGUE + " FOR UPDATE OF d";
    /** Citus takes row locks only in a query it routes whole to one shard: the lock first, then the same read. */
    private static final String LOCK_DIALOGUE = """
            SELECT 1 FROM colloquy.dialogues
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :id AND deleted_at IS NULL
               FOR UPDATE
            """;

    private static final String LIST_DIALOGUES = SELECT_DIALOGUE + """
             WHERE project_id = :project AND namespace = :ns AND deleted_at IS NULL
               AND (CAST(:after AS uuid) IS NULL OR dialogue_id < CAST(:after AS uuid))
               AND (CAST(:tag AS bigint) IS NULL OR tag_digests @> ARRAY[CAST(:tag AS bigint)])
               AND (CAST(:status AS text) IS NULL OR status = CAST(:status AS text))
               AND (CAST(:parent AS uuid) IS NULL OR parent_id = CAST(:parent AS uuid))
            """ + ListFilters.CONDITIONS + """
             ORDER BY dialogue_id DESC
             LIMIT :limit
            """;
    private static final String UPDATE_DIALOGUE = """
            UPDATE colloquy.dialogues
               SET title = :title, metadata = :metadata, tags = :tags, tag_digests = :digests, legal_hold = :hold,
                   updated_at = :updated, status = :status, metadata_digests = :metadataDigests,
                   dialogue_key = :key, revision = revision + 1
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :id
            """;
    private static final String ALL_DIALOGUES = """
            SELECT namespace, dialogue_id FROM colloquy.dialogues WHERE project_id = :project ORDER BY dialogue_id
            """;
    private static final String DELETE_DIALOGUE = """
            DELETE FROM colloquy.dialogues WHERE project_id = :project AND namespace = :ns AND dialogue_id = :id
            """;
    private static final String SOFT_DELETE_DIALOGUE = """
            UPDATE colloquy.dialogues SET deleted_at = :now
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :id AND deleted_at IS NULL
            """;
    /** Restores a soft-deleted dialogue whose deletion is still inside the recovery window. */
    private static final String RESTORE_DIALOGUE = """
            UPDATE colloquy.dialogues SET deleted_at = NULL
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :id
               AND deleted_at IS NOT NULL AND deleted_at > :windowStart
            """;

    private static final String COUNT = """
            SELECT count(*) AS dialogues, COALESCE(sum(message_count), 0) AS messages FROM colloquy.dialogues
             WHERE project_id = :project AND (CAST(:ns AS text) IS NULL OR namespace = CAST(:ns AS text))
            """;
    private static final String HELD = """
            SELECT EXISTS (SELECT 1 FROM colloquy.dialogues WHERE project_id = :project AND namespace = :ns AND legal_hold)
            """;
    private static final String ERASE_NAMESPACE = """
            DELETE FROM colloquy.dialogues WHERE project_id = :project AND namespace = :ns
            """;
    /**
     * Dialogues the retention purge may remove: inactive too long, or deleted longer than the recovery window;
     * never one under legal hold or with a thread (at any depth) under legal hold.
     */
    private static final String PURGEABLE = """
            SELECT dialogue_id FROM colloquy.dialogues d
             WHERE project_id = :project AND NOT legal_hold
               AND ((CAST(:inactiveBefore AS timestamptz) IS NOT NULL AND updated_at < CAST(:inactiveBefore AS timestamptz))
                    OR (deleted_at IS NOT NULL AND deleted_at < :deletedBefore))
               AND NOT EXISTS (
                    WITH RECURSIVE below AS (
                        SELECT c.namespace, c.dialogue_id, c.legal_hold FROM colloquy.dialogues c
                         WHERE c.project_id = :project AND c.namespace = d.namespace AND c.parent_id = d.dialogue_id
                        UNION ALL
                        SELECT c.namespace, c.dialogue_id, c.legal_hold FROM colloquy.dialogues c
                          JOIN below b ON c.project_id = :project AND c.namespace = b.namespace
                                      AND c.parent_id = b.dialogue_id)
                    SELECT 1 FROM below WHERE legal_hold)
             ORDER BY dialogue_id
             LIMIT :limit
            """;

    /**
     * Removes dialogues with their threads (their messages go by cascade) and returns both: every part sees the
     * same snapshot. A dialogue with a legal hold anywhere in its tree stays, with its whole tree.
     */
    private static final String PURGE = """
            WITH RECURSIVE tree AS (
                SELECT namespace, dialogue_id AS root, dialogue_id, legal_hold FROM colloquy.dialogues
                 WHERE project_id = :project AND dialogue_id = ANY(:ids)
                UNION ALL
                SELECT c.namespace, t.root, c.dialogue_id, c.legal_hold FROM colloquy.dialogues c
                  JOIN tree t ON c.project_id = :project AND c.namespace = t.namespace AND c.parent_id = t.dialogue_id),
            held AS (SELECT DISTINCT root FROM tree WHERE legal_hold),
            gone AS (
                DELETE FROM colloquy.dialogues d USING tree t
                 WHERE d.project_id = :project AND d.namespace = t.namespace AND d.dialogue_id = t.dialogue_id
                   AND t.root NOT IN (SELECT root FROM held)
                RETURNING d.namespace, d.dialogue_id)
            SELECT DISTINCT 'dlg' AS kind, dialogue_id AS id FROM gone
            UNION ALL
            SELECT 'msg', m.message_id FROM colloquy.messages m
              JOIN gone g ON m.project_id = :project AND m.namespace = g.namespace AND m.dialogue_id = g.dialogue_id
            """;
    /** Rows with a value sealed under a data key version other than :v (key rotation's re-encryption). */
    private static final String DIALOGUES_WITH_OLDER_VALUES = SELECT_DIALOGUE + """
             WHERE project_id = :project AND namespace = :ns
               AND (substring(metadata from 2 for 4) <> int4send(CAST(:v AS integer))
                    OR substring(tags from 2 for 4) <> int4send(CAST(:v AS integer))
                    OR (title IS NOT NULL AND substring(title from 2 for 4) <> int4send(CAST(:v AS integer)))
                    OR (state IS NOT NULL AND substring(state from 2 for 4) <> int4send(CAST(:v AS integer)))
                    OR (dialogue_key IS NOT NULL
                        AND substring(dialogue_key from 2 for 4) <> int4send(CAST(:v AS integer))))
             LIMIT :limit
            """;

    /** A dialogue and every thread below it (deleted ones too), with their legal holds. */
    private static final String TREE = """
            WITH RECURSIVE tree AS (
                SELECT dialogue_id, legal_hold, deleted_at FROM colloquy.dialogues
                 WHERE project_id = :project AND namespace = :ns AND dialogue_id = :id
                UNION ALL
                SELECT c.dialogue_id, c.legal_hold, c.deleted_at FROM colloquy.dialogues c
                  JOIN tree t ON c.project_id = :project AND c.namespace = :ns AND c.parent_id = t.dialogue_id)
            SELECT * FROM tree
            """;
    /** A live dialogue's depth in its tree (0: no parent), its row shared-locked so it can't go meanwhile. */
    private static final String DEPTH = """
            SELECT depth FROM colloquy.dialogues
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :id AND deleted_at IS NULL
             FOR SHARE
            """;
    /**
     * Restores a dialogue deleted inside the recovery window whose parent (if any) is live, with the threads
     * deleted with it (the same deletion time).
     */
    private static final String RESTORE_TREE = """
            WITH RECURSIVE root AS (
                SELECT r.dialogue_id, r.deleted_at FROM colloquy.dialogues r
                 WHERE r.project_id = :project AND r.namespace = :ns AND r.dialogue_id = :id
                   AND r.deleted_at IS NOT NULL AND r.deleted_at > :windowStart
                   AND (r.parent_id IS NULL OR EXISTS (
                        SELECT 1 FROM colloquy.dialogues p
                         WHERE p.project_id = :project AND p.namespace = :ns AND p.dialogue_id = r.parent_id
                           AND p.deleted_at IS NULL))),
            tree AS (
                SELECT dialogue_id FROM root
                UNION ALL
                SELECT c.dialogue_id FROM colloquy.dialogues c
                  JOIN tree t ON c.project_id = :project AND c.namespace = :ns AND c.parent_id = t.dialogue_id)
            UPDATE colloquy.dialogues d SET deleted_at = NULL FROM tree, root
             WHERE d.project_id = :project AND d.namespace = :ns AND d.dialogue_id = tree.dialogue_id
               AND d.deleted_at = root.deleted_at
            RETURNING d.dialogue_id
            """;

    private static final String SOFT_DELETE_DIALOGUES = """
            UPDATE colloquy.dialogues SET deleted_at = :now
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = ANY(:ids) AND deleted_at IS NULL
            """;
    private static final String DELETE_DIALOGUES = """
            DELETE FROM colloquy.dialogues WHERE project_id = :project AND namespace = :ns AND dialogue_id = ANY(:ids)
            """;
    private static final String FIND_STATE = """
            SELECT state, state_version FROM colloquy.dialogues
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :id AND deleted_at IS NULL
            """;
    /** Writes the state if its version is still :expected (then one more); the row's lock orders writers. */
    private static final String WRITE_STATE = """
            UPDATE colloquy.dialogues SET state = :state, state_version = state_version + :bump, updated_at = :updated
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :id AND deleted_at IS NULL
               AND state_version = :expected
            """;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final JdbcClient jdbc;
    private final boolean distributed;
    private final StoredValues values;

    DialogueRepository(JdbcClient jdbc, StoredValues values, Distribution distribution) {
        this.distributed = distribution.citus();
        this.jdbc = jdbc;
        this.values = values;
    }

    /**
     * Inserts a dialogue; false, having written nothing, when its key is held by another live dialogue of the
     * namespace (a concurrent insert of the same key waits for the first to commit, then reports false).
     */
    boolean insert(Dialogue d, long[] tagDigests, long[] metadataDigests, int depth, byte @Nullable [] keyDigest) {
        return jdbc.sql(INSERT_DIALOGUE)
                        .param("project", d.projectId())
                        .param("ns", d.namespace())
                        .param("id", d.id())
                        .param("title", d.title() == null ? null : values.seal(ref(d, "title"), d.title()))
                        .param(
                                "metadata",
                                values.seal(ref(d, "metadata"), d.metadata().json()))
                        .param("tags", values.seal(ref(d, "tags"), JSON.writeValueAsString(d.tags())))
                        .param("digests", Sql.bigints(tagDigests))
                        .param("created", Sql.timestamptz(d.createdAt()))
                        .param("status", d.status().wireName())
                        .param("parent", d.parentId())
                        .param("depth", depth)
                        .param("metadataDigests", Sql.bigints(metadataDigests))
                        .param("key", d.key() == null ? null : values.seal(ref(d, "key"), d.key()))
                        .param("keyDigest", keyDigest)
                        .update()
                == 1;
    }

    /** The live dialogue holding a key (by the key's digest). */
    Optional<Dialogue> findByKey(UUID project, String ns, byte[] keyDigest) {
        return jdbc.sql(FIND_BY_KEY)
                .param("project", project)
                .param("ns", ns)
                .param("keyDigest", keyDigest)
                .query((rs, n) -> dialogue(rs))
                .optional();
    }

    Optional<Dialogue> find(UUID project, String ns, UUID id, boolean forUpdate) {
        if (forUpdate && distributed) {
            if (jdbc.sql(LOCK_DIALOGUE)
                    .param("project", project)
                    .param("ns", ns)
                    .param("id", id)
                    .query((rs, n) -> 1)
                    .list()
                    .isEmpty()) {
                return Optional.empty();
            }
            return find(project, ns, id, false);
        }
        return jdbc.sql(forUpdate ? FIND_DIALOGUE_FOR_UPDATE : FIND_DIALOGUE)
                .param("project", project)
                .param("ns", ns)
                .param("id", id)
                .query((rs, n) -> dialogue(rs))
                .optional();
    }

    /** What a list of dialogues is narrowed to; nulls narrow nothing. */
    record Filter(
            @Nullable Long tagDigest,
            Dialogue.@Nullable Status status,
            @Nullable UUID parent,
            long @Nullable [] metadataDigests,
            io.colloquy.web.ListFilters times) {}

    List<Dialogue> list(UUID project, String ns, @Nullable UUID after, Filter filter, int limit) {
        return jdbc.sql(LIST_DIALOGUES)
                .param("project", project)
                .param("ns", ns)
                .param("after", after)
                .param("tag", filter.tagDigest())
                .param(
                        "status",
                        filter.status() == null ? null : filter.status().wireName())
                .param("parent", filter.parent())
                .params(filter.times().parameters(filter.metadataDigests()))
                .param("limit", limit)
                .query((rs, n) -> dialogue(rs))
                .list();
    }

    /** Where a dialogue is. */
    record Ref(String namespace, UUID id) {}

    /** Every dialogue of the project (for the audit events of a project deletion). */
    List<Ref> all(UUID project) {
        return jdbc.sql(ALL_DIALOGUES)
                .param("project", project)
                .query((rs, n) -> new Ref(rs.getString("namespace"), rs.getObject("dialogue_id", UUID.class)))
                .list();
    }

    void update(Dialogue d, long[] tagDigests, long[] metadataDigests) {
        jdbc.sql(UPDATE_DIALOGUE)
                .param("project", d.projectId())
                .param("ns", d.namespace())
                .param("id", d.id())
                .param("title", d.title() == null ? null : values.seal(ref(d, "title"), d.title()))
                .param("metadata", values.seal(ref(d, "metadata"), d.metadata().json()))
                .param("tags", values.seal(ref(d, "tags"), JSON.writeValueAsString(d.tags())))
                .param("digests", Sql.bigints(tagDigests))
                .param("hold", d.legalHold())
                .param("updated", Sql.timestamptz(d.updatedAt()))
                .param("status", d.status().wireName())
                .param("metadataDigests", Sql.bigints(metadataDigests))
                .param("key", d.key() == null ? null : values.seal(ref(d, "key"), d.key()))
                .update();
    }

    void delete(UUID project, String ns, UUID id) {
        jdbc.sql(DELETE_DIALOGUE)
                .param("project", project)
                .param("ns", ns)
                .param("id", id)
                .update();
    }

    /** Dialogues and messages of the project (or of one namespace), soft-deleted ones included. */
    long[] count(UUID project, @Nullable String ns) {
        return jdbc.sql(COUNT)
                .param("project", project)
                .param("ns", ns)
                .query((rs, n) -> new long[] {rs.getLong("dialogues"), rs.getLong("messages")})
                .single();
    }

    boolean anyLegalHold(UUID project, String ns) {
        return Boolean.TRUE.equals(jdbc.sql(HELD)
                .param("project", project)
                .param("ns", ns)
                .query(Boolean.class)
                .single());
    }

    void eraseNamespace(UUID project, String ns) {
        jdbc.sql(ERASE_NAMESPACE).param("project", project).param("ns", ns).update();
    }

    List<UUID> purgeable(
            UUID project, java.time.@Nullable Instant inactiveBefore, java.time.Instant deletedBefore, int limit) {
        return jdbc.sql(PURGEABLE)
                .param("project", project)
                .param("inactiveBefore", Sql.timestamptz(inactiveBefore))
                .param("deletedBefore", Sql.timestamptz(deletedBefore))
                .param("limit", limit)
                .query(UUID.class)
                .list();
    }

    /** What a purge removed for good: public ids of the dialogues and of their messages. */
    record Purged(List<String> dialogues, List<String> messages) {}

    Purged purge(UUID project, List<UUID> ids) {
        List<String> gone = new java.util.ArrayList<>();
        List<String> messages = new java.util.ArrayList<>();
        jdbc.sql(PURGE)
                .param("project", project)
                .param("ids", ids.toArray(UUID[]::new))
                .query((rs, n) -> {
                    String kind = rs.getString("kind");
                    (kind.equals("dlg") ? gone : messages).add(Ids.format(kind, rs.getObject("id", UUID.class)));
                    return 1;
                })
                .list();
        return new Purged(gone, messages);
    }

    List<Dialogue> withOlderValues(UUID project, String ns, int current, int limit) {
        return jdbc.sql(DIALOGUES_WITH_OLDER_VALUES)
                .param("project", project)
                .param("ns", ns)
                .param("v", current)
                .param("limit", limit)
                .query((rs, n) -> dialogue(rs))
                .list();
    }

    void softDelete(UUID project, String ns, UUID id, java.time.Instant now) {
        jdbc.sql(SOFT_DELETE_DIALOGUE)
                .param("project", project)
                .param("ns", ns)
                .param("id", id)
                .param("now", Sql.timestamptz(now))
                .update();
    }

    boolean restore(UUID project, String ns, UUID id, java.time.Instant windowStart) {
        return jdbc.sql(RESTORE_DIALOGUE)
                        .param("project", project)
                        .param("ns", ns)
                        .param("id", id)
                        .param("windowStart", Sql.timestamptz(windowStart))
                        .update()
                == 1;
    }

    private Dialogue dialogue(ResultSet rs) throws SQLException {
        UUID project = rs.getObject("project_id", UUID.class);
        String ns = rs.getString("namespace");
        UUID id = rs.getObject("dialogue_id", UUID.class);
        byte[] title = rs.getBytes("title");
        byte[] key = rs.getBytes("dialogue_key");
        FieldRef base = new FieldRef(project, ns, "dialogues", id, "");
        return new Dialogue(
                project,
                ns,
                id,
                title == null ? null : values.open(column(base, "title"), title),
                Metadata.parse(values.open(column(base, "metadata"), rs.getBytes("metadata"))),
                List.of(JSON.readValue(values.open(column(base, "tags"), rs.getBytes("tags")), String[].class)),
                rs.getInt("message_count"),
                rs.getLong("last_seq"),
                rs.getBoolean("legal_hold"),
                Sql.requiredInstant(rs, "created_at"),
                Sql.requiredInstant(rs, "updated_at"),
                Dialogue.Status.fromWire(rs.getString("status")).orElseThrow(),
                rs.getObject("parent_id", UUID.class),
                rs.getInt("thread_count"),
                key == null ? null : values.open(column(base, "key"), key),
                rs.getLong("revision"));
    }

    /** A node of a dialogue's tree. */
    record Node(UUID id, boolean legalHold, java.time.@Nullable Instant deletedAt) {}

    /** The dialogue and every thread below it, first the dialogue itself (empty when it isn't here). */
    List<Node> tree(UUID project, String ns, UUID id) {
        return jdbc.sql(TREE)
                .param("project", project)
                .param("ns", ns)
                .param("id", id)
                .query((rs, n) -> new Node(
                        rs.getObject("dialogue_id", UUID.class),
                        rs.getBoolean("legal_hold"),
                        Sql.instant(rs, "deleted_at")))
                .list();
    }

    /** The depth of a live dialogue, kept from being deleted until commit; empty when it isn't here. */
    Optional<Integer> depth(UUID project, String ns, UUID id) {
        return jdbc.sql(DEPTH)
                .param("project", project)
                .param("ns", ns)
                .param("id", id)
                .query(Integer.class)
                .optional();
    }

    void softDelete(UUID project, String ns, List<UUID> ids, java.time.Instant now) {
        jdbc.sql(SOFT_DELETE_DIALOGUES)
                .param("project", project)
                .param("ns", ns)
                .param("ids", ids.toArray(UUID[]::new))
                .param("now", Sql.timestamptz(now))
                .update();
    }

    void delete(UUID project, String ns, List<UUID> ids) {
        jdbc.sql(DELETE_DIALOGUES)
                .param("project", project)
                .param("ns", ns)
                .param("ids", ids.toArray(UUID[]::new))
                .update();
    }

    /** The dialogues a restore brought back (the dialogue first is not guaranteed); empty: nothing to restore. */
    List<UUID> restoreTree(UUID project, String ns, UUID id, java.time.Instant windowStart) {
        return jdbc.sql(RESTORE_TREE)
                .param("project", project)
                .param("ns", ns)
                .param("id", id)
                .param("windowStart", Sql.timestamptz(windowStart))
                .query(UUID.class)
                .list();
    }

    /** A dialogue's state (JSON text, null when never set) and its version. */
    record State(@Nullable String json, long version) {}

    Optional<State> state(UUID project, String ns, UUID id) {
        FieldRef ref = new FieldRef(project, ns, "dialogues", id, "state");
        return jdbc.sql(FIND_STATE)
                .param("project", project)
                .param("ns", ns)
                .param("id", id)
                .query((rs, n) -> {
                    byte[] sealed = rs.getBytes("state");
                    return new State(sealed == null ? null : values.open(ref, sealed), rs.getLong("state_version"));
                })
                .optional();
    }

    /**
     * Seals and writes a state if the version is still {@code expected}; {@code bump} is 1 for a change, 0 for
     * a re-encryption. False when the version moved (or the dialogue is gone).
     */
    boolean writeState(
            UUID project, String ns, UUID id, String json, long expected, int bump, java.time.Instant updated) {
        return jdbc.sql(WRITE_STATE)
                        .param("project", project)
                        .param("ns", ns)
                        .param("id", id)
                        .param("state", values.seal(new FieldRef(project, ns, "dialogues", id, "state"), json))
                        .param("bump", bump)
                        .param("expected", expected)
                        .param("updated", Sql.timestamptz(updated))
                        .update()
                == 1;
    }

    private static FieldRef ref(Dialogue d, String column) {
        return new FieldRef(d.projectId(), d.namespace(), "dialogues", d.id(), column);
    }

    private static FieldRef column(FieldRef base, String column) {
        return new FieldRef(base.projectId(), base.namespace(), base.table(), base.rowId(), column);
    }
}
