package io.colloquy.tenancy;

import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class TenantContextRepository {
    private static final String SET_TENANT = "SELECT colloquy.set_tenant(:project, :namespace)";
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

    void setStatementTimeout(long millis) {
        jdbc.sql(SET_STATEMENT_TIMEOUT)
                .param("millis", Long.toString(millis))
                .query((rs, n) -> 1)
                .list();
    }
}
