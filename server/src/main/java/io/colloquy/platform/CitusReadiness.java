package io.colloquy.platform;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * On Citus, the settings and the distribution Colloquy's guarantees rest on, checked at start as the app role
 * (docs/scale-out.md). Without {@code citus.propagate_set_commands = 'local'} the tenant context never reaches
 * the workers and every read returns nothing; a table left local on the coordinator is invisible to the rules
 * the rest of the schema follows. Either refuses the start with what to do, rather than serving empty answers.
 * Plain PostgreSQL (no citus extension in the database) passes without a question.
 */
final class CitusReadiness {
    private CitusReadiness() {}

    static void require(DatabaseEndpoint endpoint) throws SQLException {
        try (Connection c =
                DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.appUser(), endpoint.appPassword())) {
            List<String> problems = problems(c);
            if (!problems.isEmpty()) {
                throw new IllegalStateException("The database has the citus extension but is not ready for Colloquy: "
                        + String.join("; ", problems) + " (docs/scale-out.md). Refusing to start.");
            }
        }
    }

    /** What is wrong with this Citus database for the app role's sessions; empty on plain PostgreSQL. */
    static List<String> problems(Connection c) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT 1 FROM pg_extension WHERE extname = 'citus'")) {
                if (!r.next()) {
                    return problems;
                }
            }
            try (ResultSet r = s.executeQuery("SELECT current_setting('citus.propagate_set_commands')")) {
                r.next();
                if (!"local".equals(r.getString(1))) {
                    problems.add("citus.propagate_set_commands is '" + r.getString(1)
                            + "', must be 'local' (ALTER DATABASE ... SET citus.propagate_set_commands = local;"
                            + " the tenant context would not reach the workers)");
                }
            }
            try (ResultSet r = s.executeQuery("""
                    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'colloquy' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                       AND c.relname <> 'flyway_schema_history'
                       AND NOT EXISTS (SELECT 1 FROM pg_dist_partition d WHERE d.logicalrelid = c.oid)
                     ORDER BY c.relname""")) {
                List<String> local = new ArrayList<>();
                while (r.next()) {
                    local.add(r.getString(1));
                }
                if (!local.isEmpty()) {
                    problems.add("tables neither distributed nor reference tables: " + String.join(", ", local)
                            + " (run the migrations as the owner: SELECT colloquy.distribute_tables())");
                }
            }
            try (ResultSet r =
                    s.executeQuery("SELECT count(*) FROM pg_dist_node WHERE noderole = 'primary' AND isactive")) {
                r.next();
                if (r.getLong(1) == 0) {
                    problems.add("no active node in pg_dist_node (citus_set_coordinator_host and citus_add_node)");
                }
            }
        }
        return problems;
    }
}
