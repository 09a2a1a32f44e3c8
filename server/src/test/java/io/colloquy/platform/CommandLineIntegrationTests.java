package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.colloquy.ColloquyApplication;
import io.colloquy.TestApi;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./colloquy project create} as real processes: through the running server of the data directory (found by
 * its discovery file) when there is one, in a context of its own when there is none; the same lines either way.
 */
class CommandLineIntegrationTests {
    private static final String LINE_1 = "Project created: prj_[0-9a-f]{32} \\(name: %s, plan: %s\\)";
    private static final String LINE_2 = "Admin API key (shown only now; store it safely):";
    private static final String KEY = "cq_[A-Za-z0-9_-]+";
    private static Path dataDir;

    @BeforeAll
    static void dataDirectory() {
        dataDir = Path.of("target", "cli-it-" + UUID.randomUUID()).toAbsolutePath();
    }

    @AfterAll
    static void removeDataDirectory() throws IOException {
        if (Files.isDirectory(dataDir)) {
            Path cluster = PostgresLayout.prepare(dataDir, OsUser.current()).clusterDir();
            if (cluster.startsWith(PostgresLayout.SYSTEM_HOME)) {
                PostgresBinaries.deleteRecursively(cluster.getParent());
            }
        }
        PostgresBinaries.deleteRecursively(dataDir);
        Files.deleteIfExists(dataDir.resolveSibling(dataDir.getFileName() + ".log"));
    }

    @Test
    void projectCreateGoesThroughTheRunningServerAndPrintsTheSameLines() throws Exception {
        int port = freePort();
        Process server = start(
                dataDir.resolveSibling(dataDir.getFileName() + ".log"),
                Map.of(
                        "COLLOQUY_DATA_DIR", dataDir.toString(),
                        "COLLOQUY_PORT", Integer.toString(port),
                        "COLLOQUY_MANAGEMENT_PORT", "0"),
                "serve");
        Path discovery = dataDir.resolve(ServerDiscovery.FILE_NAME);
        try {
            awaitTrue(
                    Duration.ofMinutes(3),
                    () -> Files.exists(discovery)
                            && TestApi.statusOrMinusOne(port, "/readyz", Duration.ofSeconds(2)) == 200,
                    "the server to be ready and to write " + discovery,
                    server);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(discovery)))
                    .isEqualTo("rw-------");
            String operatorToken =
                    Files.readString(dataDir.resolve("secrets/operator-token")).strip();
            assertThat(Files.readString(discovery))
                    .contains("url=http\\://127.0.0.1\\:" + port)
                    .doesNotContain(operatorToken);

            // a CLI that started a context of its own would fail on this database: only the server can answer
            Cli cli = cli(
                    Map.of(
                            "COLLOQUY_DATA_DIR", dataDir.toString(),
                            "COLLOQUY_DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/nowhere",
                            "COLLOQUY_DATABASE_OWNER_PASSWORD", "x",
                            "COLLOQUY_DATABASE_APP_PASSWORD", "x"),
                    "project",
                    "create",
                    "over http",
                    "--plan",
                    "free");

            assertThat(cli.exit()).as(cli.output()).isZero();
            assertThat(cli.lines()).hasSize(3);
            assertThat(cli.lines().get(0)).matches(LINE_1.formatted("over http", "free"));
            assertThat(cli.lines().get(1)).isEqualTo(LINE_2);
            assertThat(cli.lines().get(2)).matches(KEY);
            TestApi.Response project = new TestApi(port).get(cli.lines().get(2), "/v1/project");
            assertThat(project.status()).isEqualTo(200);
            assertThat(project.text("/name")).isEqualTo("over http");
            assertThat(cli.lines().get(0)).contains(project.text("/id"));
        } finally {
            server.destroy(); // SIGTERM: a clean stop removes the discovery file
            assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(discovery).doesNotExist();
    }

    @Test
    void projectCreateWithoutARunningServerStartsItsOwnContext() throws Exception {
        Cli cli = cli(Map.of("COLLOQUY_DATA_DIR", dataDir.toString()), "project", "create", "own context");

        assertThat(cli.exit()).as(cli.output()).isZero();
        assertThat(cli.lines()).hasSize(3);
        assertThat(cli.lines().get(0)).matches(LINE_1.formatted("own context", "unlimited"));
        assertThat(cli.lines().get(1)).isEqualTo(LINE_2);
        assertThat(cli.lines().get(2)).matches(KEY);
    }

    private record Cli(int exit, String output, List<String> lines) {}

    /** {@code ./colloquy ARGS} in a JVM of its own: its exit code, its whole output and the command's own lines. */
    private static Cli cli(Map<String, String> environment, String... args) throws Exception {
        Path log = Files.createTempFile("cli-it", ".log");
        try {
            Process cli = start(log, environment, args);
            cli.getOutputStream().close();
            if (!cli.waitFor(3, TimeUnit.MINUTES)) {
                cli.destroyForcibly();
                fail("the CLI did not finish in 3 minutes: " + Files.readString(log));
            }
            String all = Files.readString(log, StandardCharsets.UTF_8);
            List<String> lines = new ArrayList<>(all.lines()
                    .filter(l -> l.startsWith("Project created: ") || l.equals(LINE_2) || l.startsWith("cq_"))
                    .toList());
            return new Cli(cli.exitValue(), all, lines);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static Process start(Path log, Map<String, String> environment, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command =
                new ArrayList<>(List.of(java, "-Xmx512m", "-cp", classpath, ColloquyApplication.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("COLLOQUY_"));
        builder.environment().putAll(environment);
        return builder.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void awaitTrue(Duration timeout, BooleanSupplier condition, String what, Process server)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline || !server.isAlive()) {
                fail("gave up waiting for: " + what + (server.isAlive() ? "" : " (the server exited)"));
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }
}
