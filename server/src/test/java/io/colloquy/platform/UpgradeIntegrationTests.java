package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.ColloquyApplication;
import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.audit.AuditVerifyCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starting this release on a data directory of the previous one migrates it in place. The previous release's schema
 * is V30 (the last migration before V34, V37 and V38 landed). The test builds such a data directory: a fresh embedded
 * cluster migrated only to V30, filled by SQL (COPY) with the rows of a real installation — projects, keys, sealed
 * messages and memories, the audit log and its Merkle nodes, written by a server through the API — then starts the
 * current server on it: the remaining migrations apply, everything reads, and the audit log verifies against the
 * checkpoint the old data's server signed.
 */
class UpgradeIntegrationTests {
    static final String PREVIOUS_RELEASE_SCHEMA = "30";

    private final Path root =
            Path.of("target", "upgrade-it-" + UUID.randomUUID()).toAbsolutePath();
    private final Path keys = root.resolve("master-keys");

    @AfterEach
    void cleanUp() throws Exception {
        if (Files.exists(root)) {
            try (var paths = Files.walk(root)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void aDataDirectoryOfThePreviousReleaseMigratesInPlaceAndEverythingReadsAndVerifies() throws Exception {
        Path written = root.resolve("written");
        TestProject project;
        String dialogue;
        String checkpoint;
        String publicKey;
        try (ConfigurableApplicationContext server = start(written)) {
            TestApi api = new TestApi(port(server));
            project = TestProjects.aProject(api);
            dialogue = project.dialogue("support");
            project.message("support", dialogue, "the printer is on fire");
            project.message("support", dialogue, "have you tried turning it off");
            project.memory("support", "prefers short answers");
            awaitSequenced(server.getBean(DatabaseEndpoint.class));
            TestApi.Response kept = api.get(project.adminKey(), "/v1/audit/checkpoint");
            assertThat(kept.status()).isEqualTo(200);
            checkpoint = kept.body();
            publicKey = api.get(project.adminKey(), "/v1/audit/public-key").text("/public_key");
        }

        Path previous = root.resolve("previous-release");
        try (DatabaseEndpoint old = EmbeddedDatabase.open(previous, "colloquy_owner", "colloquy_app");
                DatabaseEndpoint from = EmbeddedDatabase.open(written, "colloquy_owner", "colloquy_app")) {
            EmbeddedDatabase.migrate(old, PREVIOUS_RELEASE_SCHEMA);
            copyRows(from, old);
            assertThat(schemaVersions(old)).last().isEqualTo(PREVIOUS_RELEASE_SCHEMA);
        }
        for (String secret : List.of("server.key", "audit-signing.key")) {
            Files.copy(
                    written.resolve("secrets").resolve(secret),
                    previous.resolve("secrets").resolve(secret));
        }

        try (ConfigurableApplicationContext upgraded = start(previous)) {
            DatabaseEndpoint db = upgraded.getBean(DatabaseEndpoint.class);
            assertThat(schemaVersions(db)).contains(PREVIOUS_RELEASE_SCHEMA, "34", "37", "38");
            TestApi api = new TestApi(port(upgraded));
            assertThat(api.get(project.adminKey(), "/v1/namespaces/support/dialogues/" + dialogue + "/messages")
                            .body())
                    .contains("the printer is on fire")
                    .contains("have you tried turning it off");
            assertThat(api.get(project.adminKey(), "/v1/namespaces/support/memories")
                            .body())
                    .contains("prefers short answers");
            assertThat(api.get(project.adminKey(), "/v1/namespaces/support/search?q=printer")
                            .body())
                    .contains("the printer is on fire");
            new TestProject(api, project.id(), project.adminKey(), project.adminKeyId())
                    .message("support", dialogue, "written after the upgrade");

            Path kept = root.resolve("checkpoint.json");
            Files.writeString(kept, checkpoint);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int exit = new AuditVerifyCommand()
                    .run(
                            List.of(
                                    "--url",
                                    "http://127.0.0.1:" + port(upgraded),
                                    "--key",
                                    project.adminKey(),
                                    "--public-key",
                                    publicKey,
                                    "--checkpoint",
                                    kept.toString()),
                            new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(exit).as(out.toString(StandardCharsets.UTF_8)).isZero();
        }
    }

    /** Waits (with a deadline) until the audit sequencer has placed every event of the written data. */
    private static void awaitSequenced(DatabaseEndpoint db) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (count(db, "SELECT count(*) FROM colloquy.audit_outbox") > 0) {
            assertThat(System.nanoTime()).as("audit events sequenced in time").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Every row of the written database into the older schema (its own column lists), as SQL, triggers off. */
    private static void copyRows(DatabaseEndpoint from, DatabaseEndpoint to) throws Exception {
        try (Connection source = TestDatabases.superuser(from);
                Connection target = TestDatabases.superuser(to)) {
            target.setAutoCommit(false);
            try (Statement s = target.createStatement()) {
                s.execute("SET LOCAL session_replication_role = replica");
            }
            List<String[]> tables = new ArrayList<>();
            try (Statement s = target.createStatement();
                    ResultSet r = s.executeQuery("""
                            SELECT c.relname, string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum)
                              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                             WHERE n.nspname = 'colloquy' AND c.relkind = 'r' AND c.relname <> 'flyway_schema_history'
                             GROUP BY c.relname""")) {
                while (r.next()) {
                    tables.add(new String[] {r.getString(1), r.getString(2)});
                }
            }
            CopyManager out = new CopyManager(source.unwrap(BaseConnection.class));
            CopyManager in = new CopyManager(target.unwrap(BaseConnection.class));
            try (Statement s = target.createStatement()) {
                s.execute("TRUNCATE "
                        + String.join(
                                ", ",
                                tables.stream().map(t -> "colloquy." + t[0]).toList()));
            }
            for (String[] t : tables) {
                ByteArrayOutputStream rows = new ByteArrayOutputStream();
                out.copyOut("COPY colloquy." + t[0] + " (" + t[1] + ") TO STDOUT", rows);
                in.copyIn(
                        "COPY colloquy." + t[0] + " (" + t[1] + ") FROM STDIN",
                        new java.io.ByteArrayInputStream(rows.toByteArray()));
            }
            try (Statement s = source.createStatement();
                    ResultSet r = s.executeQuery(
                            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'colloquy'"
                                    + " AND last_value IS NOT NULL");
                    Statement set = target.createStatement()) {
                while (r.next()) {
                    set.execute("SELECT setval('colloquy." + r.getString(1) + "', " + r.getLong(2) + ")");
                }
            }
            target.commit();
        }
    }

    private static List<String> schemaVersions(DatabaseEndpoint db) throws Exception {
        List<String> versions = new ArrayList<>();
        try (Connection c = TestDatabases.superuser(db);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT version FROM colloquy.flyway_schema_history"
                        + " WHERE success AND version IS NOT NULL ORDER BY installed_rank")) {
            while (r.next()) {
                versions.add(r.getString(1));
            }
        }
        return versions;
    }

    private static long count(DatabaseEndpoint db, String sql) throws Exception {
        try (Connection c = TestDatabases.superuser(db);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private ConfigurableApplicationContext start(Path dataDir) {
        return new SpringApplicationBuilder(ColloquyApplication.class)
                .run(
                        "--spring.profiles.active=test",
                        "--colloquy.data-dir=" + dataDir,
                        "--colloquy.operator-token=" + IntegrationTest.OPERATOR_TOKEN,
                        "--colloquy.crypto.master-key-dir=" + keys,
                        "--colloquy.database.pool-size=4",
                        "--server.port=0",
                        "--management.server.port=0");
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }
}
