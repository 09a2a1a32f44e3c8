package io.colloquy.platform;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** Connections for tests that play a database superuser (an attacker with full database access). */
public final class TestDatabases {
    private TestDatabases() {}

    public static Connection superuser(DatabaseEndpoint db) throws SQLException {
        DatabaseEndpoint.Embedded pg = db.embedded();
        if (pg == null && CitusTestDatabase.active()) {
            return CitusCluster.require().superuser(0);
        }
        if (pg == null) {
            throw new IllegalStateException("superuser access needs the embedded PostgreSQL");
        }
        return DriverManager.getConnection(pg.superuserJdbcUrl(), pg.superuser(), pg.superuserPassword());
    }

    public static Connection owner(DatabaseEndpoint db) throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.ownerUser(), db.ownerPassword());
    }

    public static Connection app(DatabaseEndpoint db) throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.appUser(), db.appPassword());
    }
}
