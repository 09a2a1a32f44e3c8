package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colloquy.ColloquyApplication;
import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An external PostgreSQL with TLS on (a cluster of its own, launched like the embedded one, {@code ssl=on} with a
 * certificate for {@code localhost} from a CA made by the test with openssl): verify-full by default, so the right
 * CA and host connect (a whole server starts and serves over it), another CA or another host name is refused, a
 * plain connection works only when asked for explicitly and is logged as a warning, and a server without TLS is
 * refused with a message that says what to change.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class ExternalDatabaseTlsIntegrationTests {
    @Autowired
    DatabaseEndpoint testRunDatabase;

    private final List<Path> dirs = new ArrayList<>();
    private EmbeddedPostgres pg;
    private Path rightCa;
    private Path otherCa;
    private final String ownerPassword = UUID.randomUUID().toString();
    private final String appPassword = UUID.randomUUID().toString();

    @BeforeAll
    void startPostgresWithTls() throws Exception {
        Path certs = newDir("db-tls-certs-");
        rightCa = certificateAuthority(certs, "right-ca");
        otherCa = certificateAuthority(certs, "other-ca");
        openssl(
                certs,
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost");
        Files.writeString(certs.resolve("server.ext"), "subjectAltName=DNS:localhost\n");
        openssl(
                certs,
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "right-ca.crt",
                "-CAkey",
                "right-ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-out",
                "server.crt",
                "-extfile",
                "server.ext");

        pg = EmbeddedPostgres.start(newDir("db-tls-it-"));
        Path clusterDir = pg.clusterDir();
        Path cert = Files.copy(certs.resolve("server.crt"), clusterDir.resolve("test-server.crt"));
        Path key = Files.copy(certs.resolve("server.key"), clusterDir.resolve("test-server.key"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        OsUser.current().handToServiceAccount(cert);
        OsUser.current().handToServiceAccount(key);
        try (Connection c =
                        DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.superuser(), pg.superuserPassword());
                Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET ssl_cert_file = '" + cert + "'");
            s.execute("ALTER SYSTEM SET ssl_key_file = '" + key + "'");
            s.execute("ALTER SYSTEM SET ssl = on");
            s.execute("SELECT pg_reload_conf()");
        }
        awaitTlsOffered();
        DatabaseConfiguration.createRolesAndDatabase(pg, "colloquy_owner", ownerPassword, "colloquy_app", appPassword);
    }

    @AfterAll
    void stop() throws IOException {
        if (pg != null) {
            pg.close();
        }
        for (Path dir : dirs) {
            PostgresBinaries.deleteRecursively(dir);
        }
    }

    @Test
    void verifiesCertificateAndHostByDefaultAndAServerRunsOverIt() throws Exception {
        ConfigurableApplicationContext server = new SpringApplicationBuilder(ColloquyApplication.class)
                .run(
                        "--spring.profiles.active=test",
                        "--colloquy.data-dir=" + newDir("db-tls-server-"),
                        "--colloquy.operator-token=" + IntegrationTest.OPERATOR_TOKEN,
                        "--colloquy.database.url=" + url("localhost"),
                        "--colloquy.database.sslrootcert=" + rightCa,
                        "--colloquy.database.owner-password=" + ownerPassword,
                        "--colloquy.database.app-password=" + appPassword,
                        "--colloquy.database.pool-size=4",
                        "--server.port=0",
                        "--management.server.port=0");
        try {
            DatabaseEndpoint endpoint = server.getBean(DatabaseEndpoint.class);
            assertThat(endpoint.jdbcUrl()).contains("sslmode=verify-full");
            int port = ((WebServerApplicationContext) server).getWebServer().getPort();
            TestProjects.TestProject project = TestProjects.aProject(new TestApi(port));
            String ns = TestProjects.aNamespace();
            String dialogue = project.dialogue(ns);
            project.message(ns, dialogue, "stored over a verified connection");
            try (Connection c = DriverManager.getConnection(
                            pg.jdbcUrl("postgres"), pg.superuser(), pg.superuserPassword());
                    Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("""
                            SELECT count(*), count(*) FILTER (WHERE s.ssl)
                              FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
                             WHERE a.usename = 'colloquy_app'""")) {
                r.next();
                assertThat(r.getInt(1)).as("the app role's pooled sessions").isPositive();
                assertThat(r.getInt(2)).as("of them over TLS").isEqualTo(r.getInt(1));
            }
        } finally {
            server.close();
        }
    }

    @Test
    void refusesACertificateFromAnotherCa() {
        assertThatThrownBy(() -> connect(url("localhost"), "", otherCa.toString()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Refusing the external database at localhost:" + pg.port())
                .hasMessageContaining("not signed by a trusted CA");
    }

    @Test
    void refusesACertificateForAnotherHostName() {
        // the certificate names localhost only; 127.0.0.1 is the same server under a name it does not hold
        assertThatThrownBy(() -> connect(url("127.0.0.1"), "", rightCa.toString()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not for the host name");
    }

    @Test
    void connectsInPlainOnlyWhenAskedExplicitlyAndWarns(CapturedOutput output) throws Exception {
        DatabaseEndpoint endpoint = connect(url("localhost"), "disable", "");
        assertThat(output.getAll()).contains("allows PLAIN connections (sslmode=disable)");
        try (Connection c =
                        DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.appUser(), endpoint.appPassword());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            r.next();
            assertThat(r.getBoolean(1)).as("this session uses TLS").isFalse();
        }
    }

    @Test
    void refusesADatabaseWithoutTlsUnlessPlainIsAskedForWithAClearMessage() {
        // the test run's own PostgreSQL has no TLS at all
        String plainOnly = testRunDatabase.jdbcUrl().replaceAll("[?&]currentSchema=[^&]*", "");
        ColloquySettings.Database db = new ColloquySettings.Database(
                plainOnly,
                testRunDatabase.ownerUser(),
                testRunDatabase.ownerPassword(),
                testRunDatabase.appUser(),
                testRunDatabase.appPassword(),
                2,
                null,
                "",
                rightCa.toString());
        assertThatThrownBy(() -> DatabaseConfiguration.external(db))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not offer TLS")
                .hasMessageContaining("COLLOQUY_DATABASE_SSLMODE=disable");
    }

    private DatabaseEndpoint connect(String url, String sslmode, String rootCert) throws SQLException {
        return DatabaseConfiguration.external(new ColloquySettings.Database(
                url, "colloquy_owner", ownerPassword, "colloquy_app", appPassword, 2, null, sslmode, rootCert));
    }

    private String url(String host) {
        return "jdbc:postgresql://" + host + ":" + pg.port() + "/" + DatabaseConfiguration.DATABASE;
    }

    /** Reloading the configuration is asynchronous: a new session sees TLS once the postmaster has reloaded. */
    private void awaitTlsOffered() throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (true) {
            try (Connection c = DriverManager.getConnection(
                            pg.jdbcUrl("postgres") + "?sslmode=require", pg.superuser(), pg.superuserPassword());
                    Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                r.next();
                if (r.getBoolean(1)) {
                    return;
                }
            } catch (SQLException notYet) {
                if (Instant.now().isAfter(deadline)) {
                    throw notYet;
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("PostgreSQL did not turn TLS on");
            }
            Thread.sleep(50);
        }
    }

    private static Path certificateAuthority(Path dir, String name) throws Exception {
        openssl(
                dir,
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                name + ".key",
                "-out",
                name + ".crt",
                "-days",
                "2",
                "-subj",
                "/CN=Colloquy test " + name,
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign");
        return dir.resolve(name + ".crt");
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }

    private Path newDir(String prefix) throws IOException {
        Path dir = Path.of("target", prefix + UUID.randomUUID()).toAbsolutePath();
        Files.createDirectories(dir);
        dirs.add(dir);
        return dir;
    }
}
