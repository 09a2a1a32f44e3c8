package io.colloquy.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.colloquy.ColloquyApplication;
import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.DatabaseEndpoint;
import io.colloquy.platform.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./colloquy evidence} against a deployment as it should be (the test server in its self-signed TLS mode, same
 * database): every claim green; then against deployments broken on purpose, each red under its own claim: plain HTTP,
 * row-level security missing on a table, an audit row tampered with between two runs, an API key kept in clear.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvidenceIntegrationTests {
    @LocalServerPort
    int port;

    @Autowired
    DatabaseEndpoint db;

    ConfigurableApplicationContext tlsServer;
    Path tlsDir;
    int tlsPort;
    TestApi api;

    @TempDir
    Path out;

    @org.springframework.beans.factory.annotation.Value("${colloquy.data-dir}")
    String testDataDir;

    /** A second server of the same deployment: same database, same keys (copied), TLS on. */
    @BeforeAll
    void startTheTlsServer() throws Exception {
        tlsDir = Path.of("target", "evidence-tls-" + UUID.randomUUID()).toAbsolutePath();
        Path secrets = Files.createDirectories(
                tlsDir.resolve("secrets"),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        for (String name : List.of("master.key", "audit-signing.key", "server.key", "erasure-journal.key")) {
            Path from = Path.of(testDataDir, "secrets", name);
            if (Files.exists(from)) {
                Files.copy(from, secrets.resolve(name), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        String url = db.jdbcUrl().replaceAll("[?&]currentSchema=[^&]*", "");
        tlsServer = new SpringApplicationBuilder(ColloquyApplication.class)
                .run(
                        "--colloquy.tls.mode=self-signed",
                        "--colloquy.data-dir=" + tlsDir,
                        "--colloquy.operator-token=" + IntegrationTest.OPERATOR_TOKEN,
                        "--colloquy.database.url=" + url,
                        "--colloquy.database.sslmode=disable",
                        "--colloquy.database.owner-user=" + db.ownerUser(),
                        "--colloquy.database.owner-password=" + db.ownerPassword(),
                        "--colloquy.database.app-user=" + db.appUser(),
                        "--colloquy.database.app-password=" + db.appPassword(),
                        "--colloquy.database.pool-size=4",
                        "--server.port=0",
                        "--management.server.port=0",
                        "--logging.level.io.colloquy=WARN");
        tlsPort = ((WebServerApplicationContext) tlsServer).getWebServer().getPort();
        api = new TestApi(port);
    }

    @AfterAll
    void stopTheTlsServer() {
        if (tlsServer != null) {
            tlsServer.close();
        }
    }

    record Run(int code, String output, JsonNode report, String html) {
        String status(String claim) {
            for (JsonNode c : report.path("claims")) {
                if (c.path("id").asString().equals(claim)) {
                    return c.path("status").asString();
                }
            }
            throw new AssertionError("no claim " + claim);
        }

        String observed(String claim) {
            StringBuilder s = new StringBuilder();
            for (JsonNode c : report.path("claims")) {
                if (c.path("id").asString().equals(claim)) {
                    c.path("checks").forEach(k -> s.append(k.path("status").asString())
                            .append(": ")
                            .append(k.path("name").asString())
                            .append(" — ")
                            .append(k.path("observed").asString())
                            .append('\n'));
                }
            }
            return s.toString();
        }

        /** The checks of every claim that failed, for assertion messages. */
        String explain() {
            StringBuilder s = new StringBuilder(output);
            for (String id : failing()) {
                s.append("\n[").append(id).append("]\n").append(observed(id));
            }
            return s.toString();
        }

        List<String> failing() {
            List<String> ids = new ArrayList<>();
            report.path("claims").forEach(c -> {
                if (c.path("status").asString().equals("fail")) {
                    ids.add(c.path("id").asString());
                }
            });
            return ids;
        }
    }

    private Run evidence(String url, String key, Path dir, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--url", url, "--key", key, "--out", dir.toString()));
        args.addAll(List.of(extra));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = new EvidenceCommand(Map.of(), Clock.systemUTC())
                .run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String output = bytes.toString(StandardCharsets.UTF_8);
        Path json = dir.resolve("evidence.json");
        assertThat(json).as(output).exists();
        return new Run(
                code,
                output,
                TestApi.JSON.readTree(Files.readString(json)),
                Files.readString(dir.resolve("evidence.html")));
    }

    private String https() {
        return "https://localhost:" + tlsPort;
    }

    private String[] full() {
        return new String[] {
            "--operator-token", IntegrationTest.OPERATOR_TOKEN,
            "--database-url", appDatabaseUrl(),
            "--ca-cert", tlsDir.resolve("tls/self-signed.crt").toString()
        };
    }

    private String appDatabaseUrl() {
        String url = db.jdbcUrl();
        return url + (url.contains("?") ? "&" : "?") + "user=" + enc(db.appUser()) + "&password="
                + enc(db.appPassword());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void aSoundDeploymentIsGreenOnEveryClaimAndASecondRunProvesTheLogConsistent() throws Exception {
        TestProject customer = TestProjects.aProject(api);
        customer.message("app", customer.dialogue("app"), "hello");
        Path dir = out.resolve("sound");

        Run first = evidence(https(), customer.adminKey(), dir, full());
        assertThat(first.failing()).as(first.explain()).isEmpty();
        for (JsonNode c : first.report().path("claims")) {
            assertThat(c.path("status").asString())
                    .as(c.path("id") + "\n" + first.output())
                    .isEqualTo("pass");
        }
        assertThat(first.code()).isZero();
        assertThat(first.report().path("receipts")).hasSize(2);
        first.report()
                .path("receipts")
                .forEach(r -> assertThat(r.path("verified").asBoolean()).isTrue());
        assertThat(first.report().path("server_key").path("public_key").asString())
                .isEqualTo(api.get(customer.adminKey(), "/v1/audit/public-key").text("/public_key"));
        String json = Files.readString(dir.resolve("evidence.json"));
        assertThat(first.report().path("report_sha256").asString()).isEqualTo(Report.sha256Of(json));
        assertThat(first.html())
                .contains(Report.sha256Of(json))
                .doesNotContain("<script")
                .doesNotContain("http://")
                .doesNotContain("src=");
        assertThat(dir.resolve(EvidenceCommand.STATE)).exists();

        customer.message("app", customer.dialogue("app"), "more history");
        Run second = evidence(https(), customer.adminKey(), dir, full());
        assertThat(second.failing()).as(second.explain()).isEmpty();
        assertThat(second.observed("audit")).contains("pass: Consistency with the checkpoint of an earlier run");
    }

    @Test
    void theReportOpensInHeadlessChromiumAndItsScreenshotIsKeptInTheDocs() throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        assumeTrue(
                Files.isExecutable(chromium),
                "Debian's chromium is not installed here (CI installs it): the report's screenshot is not taken");
        TestProject customer = TestProjects.aProject(api);
        customer.message("app", customer.dialogue("app"), "hello");
        Run run = evidence(https(), customer.adminKey(), out.resolve("screenshot"), full());
        assertThat(run.failing()).as(run.explain()).isEmpty();
        screenshot(chromium, out.resolve("screenshot").resolve("evidence.html"));
    }

    @Test
    void plainHttpIsRedUnderTransportOnly() throws Exception {
        TestProject customer = TestProjects.aProject(api);
        Run run = evidence("http://127.0.0.1:" + port, customer.adminKey(), out.resolve("http"));
        assertThat(run.failing()).as(run.explain()).containsExactly("transport");
        assertThat(run.observed("transport")).contains("fail: HTTPS — Plain HTTP");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.status("isolation")).isEqualTo("not checked");
        assertThat(run.observed("isolation")).contains("no --operator-token");
    }

    @Test
    void aTenantTableWithoutRowLevelSecurityIsRedUnderDatabaseIsolation() throws Exception {
        TestProject customer = TestProjects.aProject(api);
        try (Connection owner = TestDatabases.owner(db);
                Statement s = owner.createStatement()) {
            s.execute("CREATE TABLE colloquy.evidence_test_no_rls (project_id uuid NOT NULL, note text)");
            s.execute("INSERT INTO colloquy.evidence_test_no_rls VALUES ('" + TestProjects.uuid(customer.id())
                    + "', 'visible to every tenant')");
            s.execute("GRANT SELECT ON colloquy.evidence_test_no_rls TO " + db.appUser());
        }
        try {
            Run run = evidence(https(), customer.adminKey(), out.resolve("rls"), full());
            assertThat(run.failing()).as(run.explain()).containsExactly("database-isolation");
            assertThat(run.observed("database-isolation"))
                    .contains("colloquy.evidence_test_no_rls (not enabled, not forced, no policy)")
                    .contains("colloquy.evidence_test_no_rls: 1 rows");
        } finally {
            try (Connection owner = TestDatabases.owner(db);
                    Statement s = owner.createStatement()) {
                s.execute("DROP TABLE colloquy.evidence_test_no_rls");
            }
        }
    }

    @Test
    void anApiKeyKeptInClearIsRedUnderKeyStorage() throws Exception {
        TestProject customer = TestProjects.aProject(api);
        try (Connection owner = TestDatabases.owner(db);
                Statement s = owner.createStatement()) {
            s.execute("CREATE TABLE colloquy.evidence_test_key_copies (copied text)");
            s.execute("GRANT SELECT ON colloquy.evidence_test_key_copies TO " + db.appUser());
            try (PreparedStatement p =
                    owner.prepareStatement("INSERT INTO colloquy.evidence_test_key_copies VALUES (?)")) {
                p.setString(1, "debug: " + customer.adminKey());
                p.execute();
            }
        }
        try {
            Run run = evidence(https(), customer.adminKey(), out.resolve("keys"), full());
            assertThat(run.failing()).as(run.explain()).containsExactly("key-storage");
            assertThat(run.observed("key-storage")).contains("Found in clear in: colloquy.evidence_test_key_copies");
        } finally {
            try (Connection owner = TestDatabases.owner(db);
                    Statement s = owner.createStatement()) {
                s.execute("DROP TABLE colloquy.evidence_test_key_copies");
            }
        }
    }

    @Test
    void anAuditRowTamperedWithBetweenRunsIsRedUnderAudit() throws Exception {
        TestProject customer = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String d = customer.dialogue(ns);
        for (int i = 0; i < 5; i++) {
            customer.message(ns, d, "message " + i);
        }
        Path dir = out.resolve("tamper");
        Run before = evidence(
                https(),
                customer.adminKey(),
                dir,
                "--ca-cert",
                tlsDir.resolve("tls/self-signed.crt").toString());
        assertThat(before.failing()).as(before.explain()).isEmpty();

        try (Connection su = TestDatabases.superuser(db)) {
            try (Statement s = su.createStatement()) {
                s.execute("SET session_replication_role = replica"); // the append-only triggers off: an attacker
            }
            try (PreparedStatement p = su.prepareStatement(
                    "UPDATE colloquy.audit_events SET leaf_hash = ? WHERE project_id = ? AND seq = 3")) {
                p.setBytes(1, new byte[32]);
                p.setObject(2, TestProjects.uuid(customer.id()));
                assertThat(p.executeUpdate()).isOne();
            }
        }
        Run after = evidence(
                https(),
                customer.adminKey(),
                dir,
                "--ca-cert",
                tlsDir.resolve("tls/self-signed.crt").toString());
        assertThat(after.failing()).as(after.explain()).containsExactly("audit");
        assertThat(after.observed("audit")).contains("fail: Your project's log").contains("seq 3");
        assertThat(after.code()).isEqualTo(1);
    }

    /** Opens the report in headless Chromium and keeps a screenshot in docs/evidence/. */
    private static void screenshot(Path chromium, Path html) throws Exception {
        Path png = Path.of("..", "docs", "evidence", "evidence-report.png")
                .toAbsolutePath()
                .normalize();
        Files.createDirectories(png.getParent());
        Path profile = Files.createTempDirectory("evidence-chromium");
        Path shot = profile.resolve("shot.png");
        Process p = new ProcessBuilder(
                        chromium.toString(),
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--hide-scrollbars",
                        "--user-data-dir=" + profile,
                        "--window-size=1100,2400",
                        "--screenshot=" + shot,
                        html.toUri().toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(shot).exists();
        byte[] bytes = Files.readAllBytes(shot);
        assertThat(new String(bytes, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
        assertThat(bytes.length).isGreaterThan(20_000);
        Files.copy(shot, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
