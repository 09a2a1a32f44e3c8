package io.colloquy.platform;

import java.nio.file.Path;
import java.sql.SQLException;

/**
 * The embedded PostgreSQL of a data directory for commands that must see it before it is migrated (a restore): started
 * (or attached to) with its roles and database, and migrated only as far as asked. Close the endpoint to stop it.
 */
public final class EmbeddedDatabase {
    private EmbeddedDatabase() {}

    /** Starts the data directory's cluster (creating it on first use) with the roles and database, unmigrated. */
    public static DatabaseEndpoint open(Path dataDir, String ownerUser, String appUser) throws SQLException {
        return DatabaseConfiguration.embedded(dataDir, ownerUser, appUser);
    }

    /** Runs the migrations up to {@code version} (a Flyway version such as {@code 38}, or {@code latest}). */
    public static void migrate(DatabaseEndpoint endpoint, String version) {
        DatabaseConfiguration.migrate(endpoint, version);
    }
}
