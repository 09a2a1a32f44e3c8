package io.colloquy.keys;

import io.colloquy.platform.Sql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

@Repository
class ApiKeyRepository {
    private static final String INSERT = """
            INSERT INTO colloquy.api_keys
                (project_id, key_id, name, capabilities, secret_digest, ip_allowlist, expires_at, created_at)
            VALUES (:project, :key, :name, :capabilities, :digest, :allowlist, :expires, :created)
            """;
    private static final String FIND_FOR_AUTHENTICATION = """
            SELECT project_id, capabilities, secret_digest, ip_allowlist, expires_at, last_used_at,
                   project_plan, project_ip_allowlist
              FROM colloquy.find_api_key_with_project(:key)
            """;
    private static final String TOUCH = "SELECT colloquy.touch_api_key(:key)";
    private static final String LIST = """
            SELECT project_id, key_id, name, capabilities, ip_allowlist, expires_at, created_at, last_used_at
              FROM colloquy.api_keys
             WHERE project_id = :project AND (CAST(:after AS uuid) IS NULL OR key_id > CAST(:after AS uuid))
             ORDER BY key_id
             LIMIT :limit
            """;
    private static final String IDS = "SELECT key_id FROM colloquy.api_keys WHERE project_id = :project";
    private static final String DELETE = "DELETE FROM colloquy.api_keys WHERE project_id = :project AND key_id = :key";

    private final JdbcClient jdbc;

    ApiKeyRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(ApiKey key, byte[] digest) {
        jdbc.sql(INSERT)
                .param("project", key.projectId())
                .param("key", key.keyId())
                .param("name", key.name())
                .param(
                        "capabilities",
                        key.capabilities().stream().map(Capability::wireName).toArray(String[]::new))
                .param("digest", digest)
                .param("allowlist", key.ipAllowlist().toArray(String[]::new))
                .param("expires", Sql.timestamptz(key.expiresAt()))
                .param("created", Sql.timestamptz(key.createdAt()))
                .update();
    }

    List<UUID> ids(UUID project) {
        return jdbc.sql(IDS).param("project", project).query(UUID.class).list();
    }

    /**
     * The stored facts needed to verify a presented key and admit its request, readable by key id
     * alone (policies key_lookup): the key, and its project's plan and IP allowlist.
     */
    record Credentials(
            UUID projectId,
            List<Capability> capabilities,
            byte[] digest,
            List<String> ipAllowlist,
            @Nullable Instant expiresAt,
            @Nullable Instant lastUsedAt,
            String projectPlan,
            List<String> projectIpAllowlist) {}

    /**
     * In a transaction of its own (or the caller's): the lookup's {@code SET LOCAL app.key_id} reaches Citus's
     * workers only inside an explicit transaction, and an autocommitted lookup found no key there.
     */
    @Transactional
    Optional<Credentials> findForAuthentication(UUID keyId) {
        return jdbc.sql(FIND_FOR_AUTHENTICATION)
                .param("key", keyId)
                .query((rs, n) -> new Credentials(
                        rs.getObject("project_id", UUID.class),
                        capabilities(rs),
                        rs.getBytes("secret_digest"),
                        Sql.strings(rs, "ip_allowlist"),
                        Sql.instant(rs, "expires_at"),
                        Sql.instant(rs, "last_used_at"),
                        rs.getString("project_plan"),
                        Sql.strings(rs, "project_ip_allowlist")))
                .optional();
    }

    @Transactional
    void touch(UUID keyId) {
        jdbc.sql(TOUCH).param("key", keyId).query((rs, n) -> 1).list();
    }

    List<ApiKey> list(UUID projectId, @Nullable UUID after, int limit) {
        return jdbc.sql(LIST)
                .param("project", projectId)
                .param("after", after)
                .param("limit", limit)
                .query((rs, n) -> new ApiKey(
                        rs.getObject("project_id", UUID.class),
                        rs.getObject("key_id", UUID.class),
                        rs.getString("name"),
                        capabilities(rs),
                        Sql.strings(rs, "ip_allowlist"),
                        Sql.instant(rs, "expires_at"),
                        Sql.requiredInstant(rs, "created_at"),
                        Sql.instant(rs, "last_used_at")))
                .list();
    }

    long count(UUID projectId) {
        return jdbc.sql("SELECT count(*) FROM colloquy.api_keys WHERE project_id = :project")
                .param("project", projectId)
                .query(Long.class)
                .single();
    }

    boolean delete(UUID projectId, UUID keyId) {
        return jdbc.sql(DELETE).param("project", projectId).param("key", keyId).update() == 1;
    }

    private static List<Capability> capabilities(ResultSet rs) throws SQLException {
        return Sql.strings(rs, "capabilities").stream()
                .map(c -> Capability.fromWire(c).orElseThrow())
                .toList();
    }
}
