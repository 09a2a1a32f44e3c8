package io.colloquy.audit;

import io.colloquy.crypto.FieldRef;
import io.colloquy.crypto.IntegrityError;
import io.colloquy.crypto.KeyGone;
import io.colloquy.crypto.StoredValues;
import io.colloquy.platform.Sql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The outbox, the log, the Merkle nodes and stream tokens; every statement runs under the tenant context. */
@Repository
class AuditRepository {
    private static final int INSERT_CHUNK = 500;
    private static final String OUTBOX_COLUMNS = """
            INSERT INTO colloquy.audit_outbox
                (project_id, event_id, at, namespace, entity_type, entity_id, action, actor_type, actor_id,
                 parent_id, idempotency_key, data, data_hash)
            VALUES
            """;
    private static final String OUTBOX_ROW = """
            (CAST(? AS uuid), CAST(? AS uuid), CAST(? AS timestamptz), CAST(? AS text), CAST(? AS text), \
            CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS uuid), CAST(? AS text), \
            CAST(? AS bytea), CAST(? AS bytea))""";
    private static final String OUTBOX_BATCH = """
            SELECT project_id, ord, event_id, at, namespace, entity_type, entity_id, action, actor_type, actor_id,
                   parent_id, idempotency_key, data_hash
              FROM colloquy.audit_outbox
             WHERE project_id = :project AND ord < :below
             ORDER BY ord
             LIMIT :limit
            """;
    /**
     * Moves outbox rows into the log with their seq and leaf hash and stores the new subtree hashes, through
     * the one path the app role has into the log (V24__audit_append_only_through_sequencer.sql); the data
     * never leaves the database.
     */
    private static final String APPEND = """
            SELECT colloquy.audit_append(:project, CAST(:ords AS bigint[]), CAST(:seqs AS bigint[]),
                   CAST(:leaves AS text[]), CAST(:levels AS int[]), CAST(:idxs AS bigint[]), CAST(:hashes AS text[]))
            """;

    private static final String NODES = """
            SELECT n.level, n.idx, n.hash
              FROM colloquy.audit_nodes n
              JOIN unnest(CAST(:levels AS int[]), CAST(:idxs AS bigint[])) AS w(level, idx)
                ON n.level = w.level AND n.idx = w.idx
             WHERE n.project_id = :project
            """;
    private static final String TREE_SIZE = """
            SELECT COALESCE(MAX(idx) + 1, 0) FROM colloquy.audit_nodes WHERE project_id = :project AND level = 0
            """;
    private static final String MAX_SEQ = """
            SELECT COALESCE(MAX(seq), 0) FROM colloquy.audit_events WHERE project_id = :project
            """;
    /** Events of some entity types in one namespace after a seq, and those not sequenced yet (outbox). */
    private static final String COUNT_AFTER = """
            SELECT (SELECT count(*) FROM colloquy.audit_events
                     WHERE project_id = :project AND seq > :after AND namespace = :ns AND entity_type = ANY(:types))
                 + (SELECT count(*) FROM colloquy.audit_outbox
                     WHERE project_id = :project AND namespace = :ns AND entity_type = ANY(:types))
            """;

    private static final String EVENTS = """
            SELECT * FROM colloquy.audit_events
             WHERE project_id = :project AND seq > :after AND seq <= :upto
               AND (CAST(:ns AS text) IS NULL OR namespace = CAST(:ns AS text))
               AND (CAST(:type AS text) IS NULL OR entity_type = CAST(:type AS text))
               AND (CAST(:action AS text) IS NULL OR action = CAST(:action AS text))
             ORDER BY seq
             LIMIT :limit
            """;
    private static final String LEAF = """
            SELECT hash FROM colloquy.audit_nodes WHERE project_id = :project AND level = 0 AND idx = :idx
            """;
    private static final String INSERT_TOKEN = """
            INSERT INTO colloquy.audit_stream_tokens (project_id, token_digest, key_id, expires_at)
            VALUES (:project, :digest, :key, :expires)
            """;
    private static final String PURGE_TOKENS = """
            DELETE FROM colloquy.audit_stream_tokens WHERE project_id = :project AND expires_at < :now
            """;
    private static final String REDEEM_TOKEN = """
            DELETE FROM colloquy.audit_stream_tokens
             WHERE project_id = :project AND token_digest = :digest AND expires_at > :now
            RETURNING key_id
            """;

    private static final HexFormat HEX = HexFormat.of();
    private final JdbcClient jdbc;
    private final StoredValues values;

    AuditRepository(JdbcClient jdbc, StoredValues values) {
        this.jdbc = jdbc;
        this.values = values;
    }

    /** An event waiting in the outbox ({@code seq} 0) and its sealed data. */
    record Pending(AuditEvent event, byte @Nullable [] data) {}

    /** Filters of the event list; null matches everything. */
    record Filter(
            @Nullable String namespace,
            @Nullable String entityType,
            @Nullable String action) {
        static final Filter NONE = new Filter(null, null, null);
    }

    void insertOutbox(List<Pending> rows) {
        for (int from = 0; from < rows.size(); from += INSERT_CHUNK) {
            List<Pending> chunk = rows.subList(from, Math.min(rows.size(), from + INSERT_CHUNK));
            StringBuilder sql = new StringBuilder(OUTBOX_COLUMNS);
            List<Object> params = new ArrayList<>(chunk.size() * 13);
            for (int i = 0; i < chunk.size(); i++) {
                sql.append(i == 0 ? "" : ",").append("(?,?,?,?,?,?,?,?,?,?,?,?,?)");
                addOutboxRow(params, chunk.get(i));
            }
            jdbc.sql(sql.toString()).params(params).update();
        }
    }

    /** The 13 values of one outbox row, in the order of {@code OUTBOX_COLUMNS}. */
    private static void addOutboxRow(List<Object> params, Pending row) {
        AuditEvent e = row.event();
        params.add(e.projectId());
        params.add(e.eventId());
        params.add(Sql.timestamptz(e.at()));
        params.add(e.namespace());
        params.add(e.entityType());
        params.add(e.entityId());
        params.add(e.action());
        params.add(e.actorType());
        params.add(e.actorId());
        params.add(e.parentId());
        params.add(e.idempotencyKey());
        params.add(row.data());
        params.add(e.dataHash());
    }

    /**
     * The outbox insert of {@code rows} as a data-modifying {@code WITH} item of a caller's statement: its rows
     * are written only if the statement's item {@code guard} returns a row, and only after that item has run
     * (so a change that locks what it changes in {@code guard} draws its events' places after the lock, as
     * {@link #insertOutbox} does when it runs after the change). Every value is cast, since a {@code VALUES}
     * list does not take its types from the table.
     */
    static AuditLog.Outbox outboxItem(String name, String guard, List<Pending> rows) {
        StringBuilder sql = new StringBuilder(name)
                .append(" AS (")
                .append(OUTBOX_COLUMNS.replace("VALUES", "SELECT v.* FROM (VALUES"));
        StringBuilder insert = new StringBuilder(OUTBOX_COLUMNS);
        List<Object> params = new ArrayList<>(rows.size() * 13);
        List<UUID> ids = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            sql.append(i == 0 ? "" : ",").append(OUTBOX_ROW);
            insert.append(i == 0 ? "" : ",").append(OUTBOX_ROW);
            addOutboxRow(params, rows.get(i));
            ids.add(rows.get(i).event().eventId());
        }
        sql.append(") AS v WHERE EXISTS (SELECT 1 FROM ").append(guard).append("))");
        return new AuditLog.Outbox(sql.toString(), insert.toString(), params, ids);
    }

    /** An outbox row ready to be sequenced: its place in the order and its fields (not its data). */
    record Waiting(long ord, AuditEvent event) {}

    List<Waiting> outboxBatch(UUID project, long below, int limit) {
        return jdbc.sql(OUTBOX_BATCH)
                .param("project", project)
                .param("below", below)
                .param("limit", limit)
                .query((rs, n) -> new Waiting(rs.getLong("ord"), event(rs, 0)))
                .list();
    }

    /** Appends the given outbox rows to the log with their seqs and leaves, and the new nodes; returns how many moved. */
    int append(UUID project, long[] ords, long[] seqs, List<byte[]> leaves, Map<Merkle.Coord, byte[]> nodes) {
        List<Map.Entry<Merkle.Coord, byte[]>> all = new ArrayList<>(nodes.entrySet());
        all.sort(java.util.Comparator.comparingInt(
                (Map.Entry<Merkle.Coord, byte[]> e) -> e.getKey().level()));
        return jdbc.sql(APPEND)
                .param("project", project)
                .param("ords", Sql.bigints(ords))
                .param("seqs", Sql.bigints(seqs))
                .param("leaves", leaves.stream().map(HEX::formatHex).toArray(String[]::new))
                .param("levels", all.stream().map(e -> e.getKey().level()).toArray(Integer[]::new))
                .param("idxs", all.stream().map(e -> e.getKey().index()).toArray(Long[]::new))
                .param(
                        "hashes",
                        all.stream().map(e -> HEX.formatHex(e.getValue())).toArray(String[]::new))
                .query(Integer.class)
                .single();
    }

    /** The stored hashes of the given complete subtrees, in one read. */
    Map<Merkle.Coord, byte[]> nodes(UUID project, Collection<Merkle.Coord> coords) {
        Map<Merkle.Coord, byte[]> out = new HashMap<>();
        if (coords.isEmpty()) {
            return out;
        }
        jdbc.sql(NODES)
                .param("project", project)
                .param("levels", coords.stream().map(c -> c.level()).toArray(Integer[]::new))
                .param("idxs", coords.stream().map(Merkle.Coord::index).toArray(Long[]::new))
                .query((rs, n) -> out.put(new Merkle.Coord(rs.getInt("level"), rs.getLong("idx")), rs.getBytes("hash")))
                .list();
        return out;
    }

    /** Events (and waiting outbox rows) of one namespace ("" = project-level) whose data is sealed under another key version. */
    record Sealed(long seq, UUID eventId, byte[] data) {}

    List<Sealed> dataUnderOlderKeys(UUID project, String ns, int current, int limit) {
        return jdbc.sql("""
                        SELECT seq, event_id, data FROM colloquy.audit_events
                         WHERE project_id = :project AND data IS NOT NULL
                           AND COALESCE(namespace, '') = :ns
                           AND substring(data from 2 for 4) <> int4send(CAST(:v AS integer))
                         ORDER BY seq
                         LIMIT :limit
                        """)
                .param("project", project)
                .param("ns", ns)
                .param("v", current)
                .param("limit", limit)
                .query((rs, n) -> new Sealed(rs.getLong(1), rs.getObject(2, UUID.class), rs.getBytes(3)))
                .list();
    }

    long outboxDataUnderOlderKeys(UUID project, String ns, int current) {
        return jdbc.sql("""
                        SELECT count(*) FROM colloquy.audit_outbox
                         WHERE project_id = :project AND data IS NOT NULL AND COALESCE(namespace, '') = :ns
                           AND substring(data from 2 for 4) <> int4send(CAST(:v AS integer))
                        """)
                .param("project", project)
                .param("ns", ns)
                .param("v", current)
                .query(Long.class)
                .single();
    }

    void resealData(UUID project, long seq, byte[] data) {
        jdbc.sql("SELECT colloquy.reseal_audit_data(:project, :seq, :data)")
                .param("project", project)
                .param("seq", seq)
                .param("data", data)
                .query((rs, n) -> 1)
                .list();
    }

    /** Drops the data of every event about these entities (see V23__erase_audit_data.sql). */
    void eraseData(UUID project, Collection<String> entityIds) {
        jdbc.sql("SELECT colloquy.erase_audit_data(:project, :ids)")
                .param("project", project)
                .param("ids", entityIds.toArray(String[]::new))
                .query((rs, n) -> 1)
                .list();
    }

    /** Removes the log of a project that has just been deleted (see V21__project_log_erasure.sql). */
    void eraseProjectLog(UUID project) {
        jdbc.sql("SELECT colloquy.erase_project_log(:project)")
                .param("project", project)
                .query((rs, n) -> 1)
                .list();
    }

    long treeSize(UUID project) {
        return jdbc.sql(TREE_SIZE).param("project", project).query(Long.class).single();
    }

    /** The highest seq in the events table (equal to the tree size unless someone wrote around the sequencer). */
    long countAfter(UUID project, long after, String ns, java.util.List<String> types) {
        return jdbc.sql(COUNT_AFTER)
                .param("project", project)
                .param("after", after)
                .param("ns", ns)
                .param("types", types.toArray(String[]::new))
                .query(Long.class)
                .single();
    }

    long maxSeq(UUID project) {
        return jdbc.sql(MAX_SEQ).param("project", project).query(Long.class).single();
    }

    Optional<byte[]> leaf(UUID project, long index) {
        return jdbc.sql(LEAF)
                .param("project", project)
                .param("idx", index)
                .query((rs, n) -> rs.getBytes(1))
                .optional();
    }

    /**
     * The event's data and salt: none when there is no data, it was erased, or its namespace was erased
     * (crypto-shredded: the data_hash still commits to it); a marker object when the stored bytes fail
     * their integrity check, so the event is shown (and verification names it) instead of the whole log
     * failing.
     */
    private SaltedData.@Nullable Opened data(AuditEvent e, byte @Nullable [] sealed) {
        if (sealed == null) {
            return null;
        }
        try {
            return SaltedData.open(values.open(
                    new FieldRef(
                            e.projectId(),
                            e.namespace() == null ? "" : e.namespace(),
                            AuditLog.DATA_TABLE,
                            e.eventId(),
                            "data"),
                    sealed));
        } catch (KeyGone shredded) {
            return null;
        } catch (IntegrityError unreadable) {
            return new SaltedData.Opened(null, "{\"unreadable\":\"the stored data failed its integrity check\"}");
        }
    }

    /** A stored event and its JSON view. */
    record Stored(AuditEvent event, AuditEvent.View view) {}

    List<Stored> events(UUID project, long afterSeq, long uptoSeq, Filter filter, int limit) {
        return jdbc.sql(EVENTS)
                .param("project", project)
                .param("after", afterSeq)
                .param("upto", uptoSeq)
                .param("ns", filter.namespace())
                .param("type", filter.entityType())
                .param("action", filter.action())
                .param("limit", limit)
                .query((rs, n) -> {
                    AuditEvent e = event(rs, rs.getLong("seq"));
                    SaltedData.Opened data = data(e, rs.getBytes("data"));
                    return new Stored(
                            e,
                            e.view(
                                    data == null ? null : data.json(),
                                    data == null ? null : data.salt(),
                                    rs.getBytes("leaf_hash")));
                })
                .list();
    }

    void insertToken(UUID project, byte[] digest, UUID keyId, Instant expires) {
        jdbc.sql(INSERT_TOKEN)
                .param("project", project)
                .param("digest", digest)
                .param("key", keyId)
                .param("expires", Sql.timestamptz(expires))
                .update();
    }

    void purgeTokens(UUID project, Instant now) {
        jdbc.sql(PURGE_TOKENS)
                .param("project", project)
                .param("now", Sql.timestamptz(now))
                .update();
    }

    Optional<UUID> redeemToken(UUID project, byte[] digest, Instant now) {
        return jdbc.sql(REDEEM_TOKEN)
                .param("project", project)
                .param("digest", digest)
                .param("now", Sql.timestamptz(now))
                .query((rs, n) -> rs.getObject(1, UUID.class))
                .optional();
    }

    private static AuditEvent event(ResultSet rs, long seq) throws SQLException {
        return new AuditEvent(
                rs.getObject("project_id", UUID.class),
                seq,
                rs.getObject("event_id", UUID.class),
                Sql.requiredInstant(rs, "at"),
                rs.getString("namespace"),
                rs.getString("entity_type"),
                rs.getString("entity_id"),
                rs.getString("action"),
                rs.getString("actor_type"),
                rs.getString("actor_id"),
                rs.getObject("parent_id", UUID.class),
                rs.getString("idempotency_key"),
                rs.getBytes("data_hash"));
    }
}
