package io.colloquy.platform;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class ReadinessRepository {
    /** Reaches the database as the app role and sees the migrated schema's tenant function. */
    private static final String READY = "SELECT to_regprocedure('colloquy.set_tenant(uuid, text)') IS NOT NULL";

    private final JdbcClient jdbc;

    ReadinessRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    boolean ready() {
        return Boolean.TRUE.equals(jdbc.sql(READY).query(Boolean.class).single());
    }
}
