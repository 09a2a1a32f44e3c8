package io.colloquy.tenancy;

import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class TenantContextRepository {
    private static final String SET_TENANT = "SELECT colloquy.set_tenant(:project, :namespace)";
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
}
