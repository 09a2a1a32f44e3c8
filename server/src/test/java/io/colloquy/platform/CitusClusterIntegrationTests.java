package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The schema on a real Citus cluster (a coordinator and two workers, {@link CitusCluster}): the migrations
 * distribute every table by its project colocated with {@code projects} (or make it a reference table), and the
 * workers themselves enforce the tenant isolation on their shards. Runs in the {@code citus} profile's test
 * execution (.ci/run); skipped with a message where Citus is not installed, failed in CI.
 */
class CitusClusterIntegrationTests {
    static CitusCluster cluster;
    static DatabaseEndpoint endpoint;

    @BeforeAll
    static void migrate() throws SQLException {
        cluster = CitusCluster.require();
        endpoint = new DatabaseEndpoint(
                cluster.coordinatorUrl() + "&currentSchema=colloquy",
                CitusCluster.OWNER,
                cluster.ownerPassword(),
                CitusCluster.APP,
                cluster.appPassword(),
                null);
        DatabaseConfiguration.migrate(endpoint);
    }

    @Test
    void distributesEveryTableByItsProjectColocatedWithProjects() throws SQLException {
        Map<String, String> kinds = new LinkedHashMap<>();
        try (Connection c = cluster.owner(0);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("""
                        SELECT c.relname,
                               CASE WHEN d.logicalrelid IS NULL THEN 'local'
                                    WHEN d.partmethod = 'n' THEN 'reference'
                                    WHEN d.colocationid = (SELECT colocationid FROM pg_dist_partition
                                                            WHERE logicalrelid = 'colloquy.projects'::regclass)
                                         THEN 'colocated'
                                    ELSE 'distributed apart' END
                          FROM pg_class c
                          JOIN pg_namespace n ON n.oid = c.relnamespace
                          LEFT JOIN pg_dist_partition d ON d.logicalrelid = c.oid
                         WHERE n.nspname = 'colloquy' AND c.relkind IN ('r', 'p')
                           AND c.relname <> 'flyway_schema_history'
                         ORDER BY 1""")) {
            while (r.next()) {
                kinds.put(r.getString(1), r.getString(2));
            }
        }
        assertThat(kinds).isNotEmpty().doesNotContainValue("local").doesNotContainValue("distributed apart");
        List<String> projectTables = columnOwners(List.of("project_id", "project_ref", "subject_project"));
        for (String table : projectTables) {
            assertThat(kinds.get(table)).as(table).startsWith("colocated");
        }
        assertThat(CitusReadiness.problems(cluster.app(0))).isEmpty();
    }

    @Test
    void aWorkerShowsTheAppRoleNoRowWithoutTenantAndOnlyItsProjectWithOne() throws SQLException {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        insertProject(a);
        insertProject(b);
        int seenWithout = 0;
        List<String> seenAsA = new ArrayList<>();
        int shardsVisited = 0;
        for (int node = 1; node <= 2; node++) {
            for (String shard : shardsOn(node, "projects")) {
                shardsVisited++;
                try (Connection c = cluster.app(node);
                        Statement s = c.createStatement()) {
                    seenWithout += count(s, "SELECT count(*) FROM colloquy." + shard);
                    c.setAutoCommit(false);
                    s.execute("SET LOCAL app.project_id = '" + a + "'");
                    try (ResultSet r = s.executeQuery("SELECT project_id FROM colloquy." + shard)) {
                        while (r.next()) {
                            seenAsA.add(r.getString(1));
                        }
                    }
                    c.rollback();
                }
            }
        }
        assertThat(shardsVisited).isGreaterThan(1);
        assertThat(seenWithout).isZero();
        assertThat(seenAsA).containsExactly(a.toString());
    }

    @Test
    void aWorkerRefusesTheAppRoleARowOfAnotherProject() throws SQLException {
        UUID a = UUID.randomUUID();
        String shard = shardsOn(1, "projects").getFirst();
        try (Connection c = cluster.app(1);
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET LOCAL app.project_id = '" + a + "'");
            assertThatThrownBy(() -> s.execute("INSERT INTO colloquy." + shard
                            + " (project_id, name, plan, created_at, updated_at) VALUES ('" + UUID.randomUUID()
                            + "', 'x', 'free', now(), now())"))
                    .hasMessageContaining("row-level security");
            c.rollback();
        }
    }

    @Test
    void readinessRefusesWhenSetCommandsAreNotPropagated() throws SQLException {
        try (Connection su = cluster.superuser(0);
                Statement s = su.createStatement()) {
            s.execute(
                    "ALTER ROLE " + CitusCluster.APP + " IN DATABASE colloquy SET citus.propagate_set_commands = none");
            try {
                assertThatThrownBy(() -> CitusReadiness.require(endpoint))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("citus.propagate_set_commands is 'none', must be 'local'")
                        .hasMessageContaining("Refusing to start");
            } finally {
                s.execute(
                        "ALTER ROLE " + CitusCluster.APP + " IN DATABASE colloquy RESET citus.propagate_set_commands");
            }
        }
        CitusReadiness.require(endpoint);
    }

    private void insertProject(UUID project) throws SQLException {
        try (Connection c = cluster.app(0);
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SELECT colloquy.set_tenant('" + project + "', '*')");
            s.execute("INSERT INTO colloquy.projects (project_id, name, plan, created_at, updated_at) VALUES ('"
                    + project + "', 'citus', 'free', now(), now())");
            c.commit();
        }
    }

    private List<String> shardsOn(int node, String table) throws SQLException {
        List<String> shards = new ArrayList<>();
        try (Connection c = cluster.superuser(0);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("""
                        SELECT '%1$s_' || p.shardid FROM pg_dist_placement p
                          JOIN pg_dist_shard sh ON sh.shardid = p.shardid
                          JOIN pg_dist_node n ON n.groupid = p.groupid
                         WHERE sh.logicalrelid = 'colloquy.%1$s'::regclass AND n.nodeport = %2$d
                         ORDER BY 1""".formatted(table, port(node)))) {
            while (r.next()) {
                shards.add(r.getString(1));
            }
        }
        return shards;
    }

    private int port(int node) {
        String url = cluster.jdbcUrl(node, "x");
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1, url.indexOf('/', url.lastIndexOf(':'))));
    }

    private List<String> columnOwners(List<String> columns) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Connection c = cluster.owner(0);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("""
                        SELECT DISTINCT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                          JOIN pg_attribute a ON a.attrelid = c.oid AND NOT a.attisdropped
                         WHERE n.nspname = 'colloquy' AND c.relkind IN ('r', 'p') AND a.attname IN ('%s')
                         ORDER BY 1""".formatted(String.join("', '", columns)))) {
            while (r.next()) {
                tables.add(r.getString(1));
            }
        }
        return tables;
    }

    private static int count(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getInt(1);
        }
    }
}
