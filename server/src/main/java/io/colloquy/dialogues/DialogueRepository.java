package io.colloquy.dialogues;

import io.colloquy.crypto.FieldRef;
import io.colloquy.crypto.StoredValues;
import io.colloquy.platform.Ids;
import io.colloquy.platform.Sql;
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
                 dialogue_key, key_digest)
            VALUES (:project, :ns, :id, :title, :metadata, :tags, :digests, :created, :created, :key, :keyDigest)
            ON CONFLICT (project_id, namespace, key_digest) WHERE key_digest IS NOT NULL AND deleted_at IS NULL
            DO NOTHING
            """;
    private static final String FIND_BY_KEY = """
            SELECT * FROM colloquy.dialogues
             WHERE project_id = :project AND namespace = :ns AND key_digest = :keyDigest AND deleted_at IS NULL
            """;
    private static final String FIND_DIALOGUE = """
            SELECT * FROM colloquy.dialogues
             WHERE project_id = :project AND namespace = :ns AND dialogue_id = :id AND deleted_at IS NULL
            """;
    private static final String FIND_DIALOGUE_FOR_UPDATE = FIND_DIALOGUE + " FOR UPDATE";
    private static final String LIST_DIALOGUES = """
            SELECT * FROM colloquy.dialogues
             WHERE project_id = :project AND namespace = :ns AND deleted_at IS NULL
               AND (CAST(:after AS uuid) IS NULL OR dialogue_id < CAST(:after AS uuid))
               AND (CAST(:tag AS bigint) IS NULL OR tag_digests @> ARRAY[CAST(:tag AS bigint)])
             ORDER BY dialogue_id DESC
             LIMIT :limit
            """;
    private static final String UPDATE_DIALOGUE = """
            UPDATE colloquy.dialogues
               SET title = :title, metadata = :metadata, tags = :tags, tag_digests = :digests, legal_hold = :hold,
                   updated_at = :updated, dialogue_key = :key
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
    /** Dialogues the retention purge may remove: inactive too long, or deleted longer than the recovery window. */
    private static final String PURGEABLE = """
            SELECT dialogue_id FROM colloquy.dialogues
             WHERE project_id = :project AND NOT legal_hold
               AND ((CAST(:inactiveBefore AS timestamptz) IS NOT NULL AND updated_at < CAST(:inactiveBefore AS timestamptz))
                    OR (deleted_at IS NOT NULL AND deleted_at < :deletedBefore))
             ORDER BY dialogue_id
             LIMIT :limit
            """;

    /** Removes dialogues (their messages go by cascade) and returns both: every part sees the same snapshot. */
    private static final String PURGE = """
            WITH gone AS (
                DELETE FROM colloquy.dialogues WHERE project_id = :project AND dialogue_id = ANY(:ids) AND NOT legal_hold
                RETURNING namespace, dialogue_id)
            SELECT 'dlg' AS kind, dialogue_id AS id FROM gone
            UNION ALL
            SELECT 'msg', m.message_id FROM colloquy.messages m
              JOIN gone g ON m.project_id = :project AND m.namespace = g.namespace AND m.dialogue_id = g.dialogue_id
            """;
    /** Rows with a value sealed under a data key version other than :v (key rotation's re-encryption). */
    private static final String DIALOGUES_WITH_OLDER_VALUES = """
            SELECT * FROM colloquy.dialogues
             WHERE project_id = :project AND namespace = :ns
               AND (substring(metadata from 2 for 4) <> int4send(CAST(:v AS integer))
                    OR substring(tags from 2 for 4) <> int4send(CAST(:v AS integer))
                    OR (title IS NOT NULL AND substring(title from 2 for 4) <> int4send(CAST(:v AS integer)))
                    OR (dialogue_key IS NOT NULL
                        AND substring(dialogue_key from 2 for 4) <> int4send(CAST(:v AS integer))))
             LIMIT :limit
            """;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final JdbcClient jdbc;
    private final StoredValues values;

    DialogueRepository(JdbcClient jdbc, StoredValues values) {
        this.jdbc = jdbc;
        this.values = values;
    }

    /**
     * Inserts a dialogue; false, having written nothing, when its key is held by another live dialogue of the
     * namespace (a concurrent insert of the same key waits for the first to commit, then reports false).
     */
    boolean insert(Dialogue d, long[] tagDigests, byte @Nullable [] keyDigest) {
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
        return jdbc.sql(forUpdate ? FIND_DIALOGUE_FOR_UPDATE : FIND_DIALOGUE)
                .param("project", project)
                .param("ns", ns)
                .param("id", id)
                .query((rs, n) -> dialogue(rs))
                .optional();
    }

    List<Dialogue> list(UUID project, String ns, @Nullable UUID after, @Nullable Long tagDigest, int limit) {
        return jdbc.sql(LIST_DIALOGUES)
                .param("project", project)
                .param("ns", ns)
                .param("after", after)
                .param("tag", tagDigest)
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

    void update(Dialogue d, long[] tagDigests) {
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
                key == null ? null : values.open(column(base, "key"), key));
    }

    private static FieldRef ref(Dialogue d, String column) {
        return new FieldRef(d.projectId(), d.namespace(), "dialogues", d.id(), column);
    }

    private static FieldRef column(FieldRef base, String column) {
        return new FieldRef(base.projectId(), base.namespace(), base.table(), base.rowId(), column);
    }
}
