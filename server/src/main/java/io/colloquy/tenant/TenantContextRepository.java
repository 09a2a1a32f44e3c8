package io.colloquy.tenant;

import io.colloquy.keys.ApiKeyService;
import io.colloquy.keys.Capability;
import io.colloquy.platform.Sql;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class TenantContextRepository {
    private static final String SET_TENANT = "SELECT colloquy.set_tenant(:project, :namespace)";
    private static final String BEGIN_REQUEST = """
            SELECT project_id, capabilities, ip_allowlist, expires_at, project_plan, project_ip_allowlist
              FROM colloquy.begin_request(:key, :digest, :namespace)
            """;
    private static final String SET_STATEMENT_TIMEOUT = "SELECT set_config('statement_timeout', :millis, true)";
    private final JdbcClient jdbc;

    TenantContextRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void set(UUID projectId, String namespace) {
        jdbc.sql(SET_TENANT)
                .param("project", projectId)
                .param("namespace", namespace)
                .query((rs, n) -> 1)
                .list();
    }

    /**
     * Checks a presented key and, when its secret matches, sets the tenant context to its own project and
     * {@code namespace}: one round trip, the transaction's first statement. Empty: no such key (unknown,
     * revoked, wrong secret), and nothing was set.
     */
    Optional<ApiKeyService.KeyFacts> beginRequest(UUID keyId, byte[] digest, String namespace) {
        return jdbc.sql(BEGIN_REQUEST)
                .param("key", keyId)
                .param("digest", digest)
                .param("namespace", namespace)
                .query((rs, n) -> new ApiKeyService.KeyFacts(
                        rs.getObject("project_id", UUID.class),
                        Sql.strings(rs, "capabilities").stream()
                                .map(c -> Capability.fromWire(c).orElseThrow())
                                .toList(),
                        Sql.strings(rs, "ip_allowlist"),
                        Sql.instant(rs, "expires_at"),
                        rs.getString("project_plan"),
                        Sql.strings(rs, "project_ip_allowlist")))
                .optional();
    }

    void setStatementTimeout(long millis) {
        jdbc.sql(SET_STATEMENT_TIMEOUT)
                .param("millis", Long.toString(millis))
                .query((rs, n) -> 1)
                .list();
    }
}
