package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.colloquy.ColloquyApplication;
import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to a server (a child JVM with its own embedded PostgreSQL) under append load: requests in flight are
 * answered, the JVM and PostgreSQL are gone within 10 s, PostgreSQL shut down cleanly (no crash recovery on the
 * next start), and every acknowledged message is there when the cluster is started again.
 */
class GracefulShutdownIntegrationTests {
    private static final int WRITERS = 4;
    private static final Duration STOP_BOUND = Duration.ofSeconds(10);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final List<Process> children = new ArrayList<>();
    private final List<Path> dataDirs = new ArrayList<>();
    private final List<EmbeddedPostgres> servers = new ArrayList<>();

    @Test
    void sigtermUnderLoadDrainsRequestsAndStopsPostgresCleanlyWithinTenSeconds() throws Exception {
        Path dataDir = Path.of("target", "shutdown-it-" + UUID.randomUUID()).toAbsolutePath();
        dataDirs.add(dataDir);
        int port = freePort();
        Process server = startServer(dataDir, port);
        awaitTrue(Duration.ofMinutes(3), () -> status(port, "/readyz") == 200, "the server to be ready", server);
        PostgresLayout layout = layout(dataDir);
        Path clusterDir = layout.clusterDir();

        TestProjects.TestProject project = TestProjects.aProject(new TestApi(port));
        String ns = TestProjects.aNamespace();
        String dialogue = project.dialogue(ns);
        URI append = URI.create(
                "http://127.0.0.1:" + port + "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages");
        List<int[]> statuses = new CopyOnWriteArrayList<>();
        Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Long> answerNanos = new CopyOnWriteArrayList<>();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            writers.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 2_000; i++) { // ends when the server stops answering
                    long start = System.nanoTime();
                    try {
                        HttpResponse<String> r = HTTP.send(
                                HttpRequest.newBuilder(append)
                                        .timeout(Duration.ofSeconds(20))
                                        .header("Authorization", "Bearer " + project.adminKey())
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(
                                                TestApi.json("role", "user", "content", "w" + writer + " m" + i)))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        answerNanos.add(System.nanoTime() - start);
                        statuses.add(new int[] {r.statusCode()});
                        if (r.statusCode() == 201) {
                            acknowledged.add(
                                    TestApi.JSON.readTree(r.body()).at("/id").asString());
                        }
                    } catch (IOException refusedOrReset) {
                        return; // the server no longer accepts connections
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }));
        }
        awaitTrue(Duration.ofSeconds(60), () -> acknowledged.size() >= 40, "40 acknowledged appends", server);

        long sigterm = System.nanoTime();
        server.destroy(); // SIGTERM
        boolean exited = server.waitFor(STOP_BOUND.toSeconds(), TimeUnit.SECONDS);
        Duration stopped = Duration.ofNanos(System.nanoTime() - sigterm);
        assertThat(exited).as("the JVM exited within %s of SIGTERM", STOP_BOUND).isTrue();
        assertThat(postgresProcesses(clusterDir))
                .as("PostgreSQL processes left")
                .isEmpty();
        for (Thread writer : writers) {
            writer.join(Duration.ofSeconds(30));
        }
        assertThat(statuses).allSatisfy(s -> assertThat(s[0]).isIn(201, 503));
        assertThat(answerNanos).allSatisfy(n -> assertThat(n).isLessThan(STOP_BOUND.toNanos()));
        System.out.printf(
                "SIGTERM under load: stopped in %d ms; %d appends answered, %d acknowledged%n",
                stopped.toMillis(), statuses.size(), acknowledged.size());

        String serverLog = Files.readString(layout.logFile());
        assertThat(serverLog).contains("database system is shut down");

        EmbeddedPostgres again = EmbeddedPostgres.start(dataDir);
        servers.add(again);
        assertThat(Files.readString(again.logFile()))
                .as("no crash recovery after the shutdown")
                .doesNotContain("was interrupted", "automatic recovery in progress");
        Set<UUID> stored = new HashSet<>();
        try (Connection c = DriverManager.getConnection(
                        again.jdbcUrl(DatabaseConfiguration.DATABASE), again.superuser(), again.superuserPassword());
                PreparedStatement q = c.prepareStatement("SELECT message_id FROM colloquy.messages")) {
            try (ResultSet rows = q.executeQuery()) {
                while (rows.next()) {
                    stored.add(rows.getObject(1, UUID.class));
                }
            }
        }
        assertThat(stored)
                .as("every acknowledged message")
                .containsAll(acknowledged.stream().map(TestProjects::uuid).toList());
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (Process child : children) {
            if (child.isAlive()) {
                child.destroyForcibly().waitFor();
            }
        }
        for (EmbeddedPostgres server : servers) {
            server.close();
        }
        for (Path dataDir : dataDirs) {
            if (Files.isDirectory(dataDir)) {
                Path cluster = layout(dataDir).clusterDir();
                if (cluster.startsWith(PostgresLayout.SYSTEM_HOME)) {
                    PostgresBinaries.deleteRecursively(cluster.getParent());
                }
            }
            PostgresBinaries.deleteRecursively(dataDir);
            Files.deleteIfExists(dataDir.resolveSibling(dataDir.getFileName() + ".log"));
        }
    }

    private Process startServer(Path dataDir, int port) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(
                        java,
                        "-Xmx512m",
                        "-cp",
                        classpath,
                        ColloquyApplication.class.getName(),
                        "serve",
                        "--colloquy.data-dir=" + dataDir,
                        "--colloquy.operator-token=" + IntegrationTest.OPERATOR_TOKEN,
                        "--server.port=" + port,
                        "--management.server.port=0",
                        "--logging.level.io.colloquy=WARN")
                .redirectErrorStream(true)
                .redirectOutput(
                        dataDir.resolveSibling(dataDir.getFileName() + ".log").toFile())
                .start();
        children.add(child);
        return child;
    }

    /** The launcher's own layout for this data dir (in it, or under SYSTEM_HOME for a root JVM it can't reach). */
    private static PostgresLayout layout(Path dataDir) {
        return PostgresLayout.prepare(dataDir, OsUser.current());
    }

    private static List<String> postgresProcesses(Path clusterDir) {
        return ProcessHandle.allProcesses()
                .filter(p -> Processes.isAlive(p.pid()))
                .map(p -> p.info().commandLine().orElse(""))
                .filter(line -> line.contains(clusterDir.toString()))
                .toList();
    }

    private static int status(int port, String path) {
        return TestApi.statusOrMinusOne(port, path, Duration.ofSeconds(5));
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
