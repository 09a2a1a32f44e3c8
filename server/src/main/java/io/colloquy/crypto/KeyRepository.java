package io.colloquy.crypto;

import io.colloquy.platform.Sql;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Wrapped project keys, the project's encryption state, and wrapped per-namespace keys. */
@Repository
class KeyRepository {
    private static final String STATE = """
            SELECT current_version, customer_key, check_value, revoked_at, rotated_at
              FROM colloquy.project_encryption WHERE project_id = :project
            """;
    private static final String INSERT_STATE = """
            INSERT INTO colloquy.project_encryption (project_id, current_version, customer_key, check_value, rotated_at)
            VALUES (:project, :version, :customer, :check, :now)
            ON CONFLICT (project_id) DO NOTHING
            """;
    private static final String UPDATE_STATE = """
            UPDATE colloquy.project_encryption
               SET current_version = :version, customer_key = :customer, check_value = :check, revoked_at = :revoked,
                   rotated_at = :rotated
             WHERE project_id = :project
            """;
    private static final String PROJECT_KEY = """
            SELECT wrapped, kek_id FROM colloquy.project_keys WHERE project_id = :project AND version = :version
            """;
    private static final String ALL_PROJECT_KEYS = """
            SELECT version, wrapped, kek_id FROM colloquy.project_keys WHERE project_id = :project ORDER BY version
            """;
    private static final String REWRAP_PROJECT_KEY = """
            UPDATE colloquy.project_keys SET wrapped = :wrapped, kek_id = :kek WHERE project_id = :project AND version = :version
            """;
    private static final String INSERT_PROJECT_KEY = """
            INSERT INTO colloquy.project_keys (project_id, version, wrapped, kek_id, created_at)
            VALUES (:project, :version, :wrapped, :kek, :now)
            ON CONFLICT (project_id, version) DO NOTHING
            """;
    private static final String DELETE_PROJECT_KEYS_EXCEPT = """
            DELETE FROM colloquy.project_keys WHERE project_id = :project AND version <> :keep
            """;
    private static final String DELETE_PROJECT_KEYS = "DELETE FROM colloquy.project_keys WHERE project_id = :project";
    private static final String CURRENT_DATA_KEY = """
            SELECT version, wrapped, project_key_version FROM colloquy.data_keys
             WHERE project_id = :project AND namespace = :ns AND purpose = :purpose
             ORDER BY version DESC LIMIT 1
            """;
    private static final String DATA_KEY = """
            SELECT version, wrapped, project_key_version FROM colloquy.data_keys
             WHERE project_id = :project AND namespace = :ns AND purpose = :purpose AND version = :version
            """;
    private static final String INSERT_DATA_KEY = """
            INSERT INTO colloquy.data_keys (project_id, namespace, purpose, version, wrapped, project_key_version, created_at)
            VALUES (:project, :ns, :purpose, :version, :wrapped, :pkv, :now)
            ON CONFLICT (project_id, namespace, purpose, version) DO NOTHING
            """;
    private static final String ALL_DATA_KEYS = """
            SELECT namespace, purpose, version, wrapped, project_key_version FROM colloquy.data_keys
             WHERE project_id = :project ORDER BY namespace, purpose, version
            """;
    private static final String REWRAP_DATA_KEY = """
            UPDATE colloquy.data_keys SET wrapped = :wrapped, project_key_version = :pkv
             WHERE project_id = :project AND namespace = :ns AND purpose = :purpose AND version = :version
            """;
    private static final String DELETE_OLD_DATA_KEYS = """
            DELETE FROM colloquy.data_keys
             WHERE project_id = :project AND namespace = :ns AND purpose = 'data' AND version < :current
            """;
    private static final String KEY_IDS = """
            SELECT purpose || ':' || version || ':' || (extract(epoch FROM created_at) * 1000000)::bigint AS id
              FROM colloquy.data_keys WHERE project_id = :project AND namespace = :ns
            """;
    private static final String DELETE_NAMESPACE_KEYS = """
            DELETE FROM colloquy.data_keys WHERE project_id = :project AND namespace = :ns
            """;

    /** Advisory lock keys (class, object): "keys" + project hash; see {@link #lockChanges}. */
    private static final int KEYS_CLASS = 0x6b657973;

    private static final String LOCK_CHANGES = "SELECT pg_advisory_xact_lock(:cls, hashtext(CAST(:project AS text)))";
    private static final String LOCK_CREATION =
            "SELECT pg_advisory_xact_lock_shared(:cls, hashtext(CAST(:project AS text)))";

    private final JdbcClient jdbc;

    KeyRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Serializes changes of the project's keys until the transaction ends, across every instance on the
     * database: rotation, BYOK supply and revocation, shredding, master key rewrapping and re-encryption
     * cleanup each hold it exclusively.
     */
    void lockChanges(UUID project) {
        lock(LOCK_CHANGES, project);
    }

    /**
     * Held (shared) by a transaction that creates a key on first use: it waits for a change in progress,
     * and a change waits for it, so no key is ever wrapped under a project key version a change removes.
     */
    void lockCreation(UUID project) {
        lock(LOCK_CREATION, project);
    }

    private void lock(String sql, UUID project) {
        jdbc.sql(sql)
                .param("cls", KEYS_CLASS)
                .param("project", project)
                .query((rs, n) -> 1)
                .list();
    }

    record State(
            int currentVersion,
            boolean customerKey,
            byte @Nullable [] checkValue,
            @Nullable Instant revokedAt,
            Instant rotatedAt) {}

    record WrappedDataKey(String namespace, String purpose, int version, byte[] wrapped, int projectKeyVersion) {}

    Optional<State> state(UUID project) {
        return jdbc.sql(STATE)
                .param("project", project)
                .query((rs, n) -> new State(
                        rs.getInt("current_version"),
                        rs.getBoolean("customer_key"),
                        rs.getBytes("check_value"),
                        Sql.instant(rs, "revoked_at"),
                        Sql.requiredInstant(rs, "rotated_at")))
                .optional();
    }

    void insertState(UUID project, int version, boolean customer, byte @Nullable [] check, Instant now) {
        jdbc.sql(INSERT_STATE)
                .param("project", project)
                .param("version", version)
                .param("customer", customer)
                .param("check", check)
                .param("now", Sql.timestamptz(now))
                .update();
    }

    void updateState(UUID project, State s) {
        jdbc.sql(UPDATE_STATE)
                .param("project", project)
                .param("version", s.currentVersion())
                .param("customer", s.customerKey())
                .param("check", s.checkValue())
                .param("revoked", Sql.timestamptz(s.revokedAt()))
                .param("rotated", Sql.timestamptz(s.rotatedAt()))
                .update();
    }

    /** A project key as stored: its version, the wrapped bytes and the id of the KEK that wrapped it. */
    record WrappedProjectKey(int version, byte[] wrapped, String kekId) {}

    Optional<WrappedProjectKey> projectKey(UUID project, int version) {
        return jdbc.sql(PROJECT_KEY)
                .param("project", project)
                .param("version", version)
                .query((rs, n) -> new WrappedProjectKey(version, rs.getBytes(1), rs.getString(2)))
                .optional();
    }

    List<WrappedProjectKey> allProjectKeys(UUID project) {
        return jdbc.sql(ALL_PROJECT_KEYS)
                .param("project", project)
                .query((rs, n) -> new WrappedProjectKey(rs.getInt(1), rs.getBytes(2), rs.getString(3)))
                .list();
    }

    void rewrapProjectKey(UUID project, int version, byte[] wrapped, String kekId) {
        jdbc.sql(REWRAP_PROJECT_KEY)
                .param("project", project)
                .param("version", version)
                .param("wrapped", wrapped)
                .param("kek", kekId)
                .update();
    }

    void insertProjectKey(UUID project, int version, byte[] wrapped, String kek, Instant now) {
        jdbc.sql(INSERT_PROJECT_KEY)
                .param("project", project)
                .param("version", version)
                .param("wrapped", wrapped)
                .param("kek", kek)
                .param("now", Sql.timestamptz(now))
                .update();
    }

    void deleteProjectKeysExcept(UUID project, int keep) {
        jdbc.sql(DELETE_PROJECT_KEYS_EXCEPT)
                .param("project", project)
                .param("keep", keep)
                .update();
    }

    void deleteProjectKeys(UUID project) {
        jdbc.sql(DELETE_PROJECT_KEYS).param("project", project).update();
    }

    Optional<WrappedDataKey> currentDataKey(UUID project, String ns, String purpose) {
        return jdbc.sql(CURRENT_DATA_KEY)
                .param("project", project)
                .param("ns", ns)
                .param("purpose", purpose)
                .query((rs, n) -> new WrappedDataKey(ns, purpose, rs.getInt(1), rs.getBytes(2), rs.getInt(3)))
                .optional();
    }

    Optional<WrappedDataKey> dataKey(UUID project, String ns, String purpose, int version) {
        return jdbc.sql(DATA_KEY)
                .param("project", project)
                .param("ns", ns)
                .param("purpose", purpose)
                .param("version", version)
                .query((rs, n) -> new WrappedDataKey(ns, purpose, rs.getInt(1), rs.getBytes(2), rs.getInt(3)))
                .optional();
    }

    void insertDataKey(UUID project, WrappedDataKey k, Instant now) {
        jdbc.sql(INSERT_DATA_KEY)
                .param("project", project)
                .param("ns", k.namespace())
                .param("purpose", k.purpose())
                .param("version", k.version())
                .param("wrapped", k.wrapped())
                .param("pkv", k.projectKeyVersion())
                .param("now", Sql.timestamptz(now))
                .update();
    }

    List<WrappedDataKey> allDataKeys(UUID project) {
        return jdbc.sql(ALL_DATA_KEYS)
                .param("project", project)
                .query((rs, n) -> new WrappedDataKey(
                        rs.getString(1), rs.getString(2), rs.getInt(3), rs.getBytes(4), rs.getInt(5)))
                .list();
    }

    void rewrap(UUID project, WrappedDataKey k) {
        jdbc.sql(REWRAP_DATA_KEY)
                .param("project", project)
                .param("ns", k.namespace())
                .param("purpose", k.purpose())
                .param("version", k.version())
                .param("wrapped", k.wrapped())
                .param("pkv", k.projectKeyVersion())
                .update();
    }

    Optional<Instant> dataKeyCreatedAt(UUID project, String ns, int version) {
        return jdbc.sql("""
                        SELECT created_at FROM colloquy.data_keys
                         WHERE project_id = :project AND namespace = :ns AND purpose = 'data' AND version = :version
                        """)
                .param("project", project)
                .param("ns", ns)
                .param("version", version)
                .query((rs, n) -> Sql.requiredInstant(rs, "created_at"))
                .optional();
    }

    int deleteOldDataKeys(UUID project, String ns, int current) {
        return jdbc.sql(DELETE_OLD_DATA_KEYS)
                .param("project", project)
                .param("ns", ns)
                .param("current", current)
                .update();
    }

    /**
     * The namespace's keys as the erasure journal names them: {@code purpose:version:created_at in epoch
     * microseconds}. Stable across rewraps (a rotation changes the wrapped bytes, never the key or its time).
     */
    List<String> namespaceKeyIds(UUID project, String ns) {
        return jdbc.sql(KEY_IDS + " ORDER BY 1")
                .param("project", project)
                .param("ns", ns)
                .query((rs, n) -> rs.getString(1))
                .list();
    }

    /** Whether any of these keys (named as {@link #namespaceKeyIds} names them) is still stored. */
    boolean anyNamespaceKeyLeft(UUID project, String ns, List<String> ids) {
        return !ids.isEmpty()
                && jdbc.sql("SELECT EXISTS (SELECT 1 FROM (" + KEY_IDS + ") k WHERE k.id = ANY(:ids))")
                        .param("project", project)
                        .param("ns", ns)
                        .param("ids", ids.toArray(String[]::new))
                        .query(Boolean.class)
                        .single();
    }

    /** Whether the project still has a project key or key state (a deleted project has neither). */
    boolean anyProjectKeyLeft(UUID project) {
        return jdbc.sql("""
                        SELECT EXISTS (SELECT 1 FROM colloquy.project_keys WHERE project_id = :project)
                            OR EXISTS (SELECT 1 FROM colloquy.project_encryption WHERE project_id = :project)
                        """).param("project", project).query(Boolean.class).single();
    }

    void deleteNamespaceKeys(UUID project, String ns) {
        jdbc.sql(DELETE_NAMESPACE_KEYS)
                .param("project", project)
                .param("ns", ns)
                .update();
    }
}
