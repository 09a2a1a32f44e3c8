package io.colloquy.platform;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Where the database is and the two roles Colloquy uses: the owner (schema, migrations) and the
 * application role (what requests run as: not owner, not superuser, no BYPASSRLS).
 */
public record DatabaseEndpoint(
        String jdbcUrl,
        String ownerUser,
        String ownerPassword,
        String appUser,
        String appPassword,
        @Nullable Embedded embedded)
        implements AutoCloseable {

    /** The embedded server's superuser and files: for operations and tests, never for requests. */
    public record Embedded(
            AutoCloseable server,
            String superuserJdbcUrl,
            String superuser,
            String superuserPassword,
            Path clusterDir) {
        @Override
        public String toString() {
            return "Embedded[" + superuserJdbcUrl + ", " + clusterDir + "]";
        }
    }

    @Override
    public void close() throws Exception {
        if (embedded != null) {
            embedded.server().close();
        }
    }

    @Override
    public String toString() {
        return "DatabaseEndpoint[" + jdbcUrl + ", owner=" + ownerUser + ", app=" + appUser + "]";
    }
}
