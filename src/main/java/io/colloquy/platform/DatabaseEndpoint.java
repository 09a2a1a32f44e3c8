package io.colloquy.platform;

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
        @Nullable AutoCloseable server)
        implements AutoCloseable {

    @Override
    public void close() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Override
    public String toString() {
        return "DatabaseEndpoint[" + jdbcUrl + ", owner=" + ownerUser + ", app=" + appUser + "]";
    }
}
