package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.colloquy.ColloquyApplication;
import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import java.io.IOException;
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
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * A server of its own (own data dir, own PostgreSQL: the shared test database is not touched) loses its database
 * under append load: the embedded postmaster is killed with SIGKILL, or an "external" PostgreSQL (a separately
 * launched cluster reached through {@code colloquy.database.url}) is shut down and restarted. Every request is
 * answered quickly (2xx, or 503 SERVICE_UNAVAILABLE with Retry-After), service returns within seconds of the
 * database, and every acknowledged message is still there.
 */
class DatabaseOutageIntegrationTests {
    private static final int WRITERS = 4;
    private static final int MAX_APPENDS_PER_WRITER = 200;
    private static final Duration ANSWER_BOUND = Duration.ofMillis(2500);
    private static final Duration BACK_AFTER_DATABASE = Duration.ofSeconds(5);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final List<ConfigurableApplicationContext> servers = new ArrayList<>();
    private final List<EmbeddedPostgres> externals = new ArrayList<>();
    private final List<Path> dataDirs = new ArrayList<>();

    @Test
    void embeddedPostgresKilledUnderLoadIsRestartedAndRequestsFailFastWith503Meanwhile() throws Exception {
        ConfigurableApplicationContext server = startServer(newDataDir());
        DatabaseEndpoint.Embedded pg = server.getBean(DatabaseEndpoint.class).embedded();
        assertThat(pg).isNotNull();
        Outage outage = underAppendLoad(server, pg.superuserJdbcUrl(), pg.superuser(), pg.superuserPassword(), () -> {
            long postmaster = postmasterPid(pg.clusterDir());
            ProcessHandle.of(postmaster).orElseThrow().destroyForcibly(); // SIGKILL
        });
        outage.assertHandledWell();
    }

    @Test
    void externalPostgresRestartedUnderLoadIsRejoinedAndRequestsFailFastWith503Meanwhile() throws Exception {
        EmbeddedPostgres external = EmbeddedPostgres.start(newDataDir());
        externals.add(external);
        String ownerPassword = UUID.randomUUID().toString();
        String appPassword = UUID.randomUUID().toString();
        DatabaseConfiguration.createRolesAndDatabase(
                external, "colloquy_owner", ownerPassword, "colloquy_app", appPassword);
        ConfigurableApplicationContext server = startServer(
                newDataDir(),
                "--colloquy.database.url=" + external.jdbcUrl(DatabaseConfiguration.DATABASE),
                "--colloquy.database.sslmode=disable", // a cluster of its own, on loopback
                "--colloquy.database.owner-password=" + ownerPassword,
                "--colloquy.database.app-password=" + appPassword);
        Outage outage = underAppendLoad(
                server,
                external.jdbcUrl(DatabaseConfiguration.DATABASE),
                external.superuser(),
                external.superuserPassword(),
                () -> {
                    // what "pg_ctl restart -m fast" does first: a fast shutdown (sessions terminated, 57P01);
                    // the cluster's own launcher then starts it again, as systemd would
                    long postmaster = postmasterPid(external.clusterDir());
                    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(postmaster)).start();
                    assertThat(kill.waitFor()).isZero();
                });
        outage.assertHandledWell();
    }

    @Test
    void livenessFailsOnlyOnceTheEmbeddedClusterCannotBeRecovered() throws Exception {
        ConfigurableApplicationContext server = startServer(newDataDir());
        DatabaseEndpoint.Embedded pg = server.getBean(DatabaseEndpoint.class).embedded();
        assertThat(pg).isNotNull();
        int port = ((WebServerApplicationContext) server).getWebServer().getPort();
        assertThat(status(port, "/healthz")).isEqualTo(200);

        // the cluster loses what makes it a cluster, then its postmaster: no restart can succeed
        Files.move(pg.clusterDir().resolve("PG_VERSION"), pg.clusterDir().resolve("PG_VERSION.gone"));
        ProcessHandle.of(postmasterPid(pg.clusterDir())).orElseThrow().destroyForcibly();

        awaitTrue(Duration.ofSeconds(60), () -> status(port, "/healthz") == 503, "/healthz to fail");
        assertThat(status(port, "/readyz")).isEqualTo(503);
        // a key lookup needs the database
        String someKey = "cq_key_" + "0".repeat(32) + "_" + "A".repeat(43);
        TestApi.Response refused = new TestApi(port).get(someKey, "/v1/project");
        assertThat(refused.status()).as(refused.body()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isNotNull();
        assertThat(refused.errorCode()).isEqualTo("SERVICE_UNAVAILABLE");
    }

    @AfterEach
    void stopEverything() throws IOException {
        for (ConfigurableApplicationContext server : servers.reversed()) {
            server.close();
        }
        for (EmbeddedPostgres external : externals) {
            external.close();
        }
        for (Path dataDir : dataDirs) {
            PostgresBinaries.deleteRecursively(dataDir);
        }
    }

    /** What happened around the outage: every answer, and when the database and the service came back. */
    private record Outage(
            List<Answer> answers,
            List<Integer> readiness,
            List<Integer> liveness,
            long databaseBackNanos,
            long serviceBackNanos,
            Set<UUID> acknowledged,
            Set<UUID> stored) {

        void assertHandledWell() {
            assertThat(answers).isNotEmpty();
            for (Answer answer : answers) {
                assertThat(answer.nanos())
                        .as("answered within %s: %s", ANSWER_BOUND, answer)
                        .isLessThanOrEqualTo(ANSWER_BOUND.toNanos());
                if (answer.status() != 201) {
                    assertThat(answer.status()).as(answer.toString()).isEqualTo(503);
                    assertThat(answer.body().at("/error/code").asString()).isEqualTo("SERVICE_UNAVAILABLE");
                    assertThat(answer.body().at("/error/type").asString()).isEqualTo("api_error");
                    assertThat(answer.body().at("/error/message").asString()).isNotBlank();
                    assertThat(answer.body().at("/error/request_id").asString()).startsWith("req_");
                    assertThat(answer.retryAfter()).as(answer.toString()).isNotNull();
                    assertThat(Integer.parseInt(answer.retryAfter())).isPositive();
                }
            }
            assertThat(answers).as("the outage was felt").anyMatch(a -> a.status() == 503);
            assertThat(readiness).as("/readyz during the outage").contains(503).endsWith(200);
            assertThat(liveness).as("/healthz during the outage").containsOnly(200);
            assertThat(Duration.ofNanos(serviceBackNanos - databaseBackNanos))
                    .as("service back after the database")
                    .isLessThanOrEqualTo(BACK_AFTER_DATABASE);
            assertThat(stored).as("every acknowledged message is stored").containsAll(acknowledged);
        }
    }

    private record Answer(int status, long startNanos, long nanos, JsonNode body, String retryAfter, UUID messageId) {}

    private Outage underAppendLoad(
            ConfigurableApplicationContext server,
            String superuserUrl,
            String superuser,
            String superuserPassword,
            ThrowingRunnable takeDatabaseAway)
            throws Exception {
        int port = ((WebServerApplicationContext) server).getWebServer().getPort();
        TestProjects.TestProject project = TestProjects.aProject(new TestApi(port));
        String ns = TestProjects.aNamespace();
        String dialogue = project.dialogue(ns);
        URI append = URI.create(
                "http://127.0.0.1:" + port + "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages");

        List<Answer> answers = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            writers.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < MAX_APPENDS_PER_WRITER && !stop.get(); i++) {
                    Answer answer = append(append, project.adminKey(), "writer " + writer + " message " + i);
                    answers.add(answer);
                    if (answer.status() != 201) {
                        sleepQuietly(100); // a client backing off (less than Retry-After, to see the return)
                    }
                }
            }));
        }
        List<Integer> readiness = new CopyOnWriteArrayList<>();
        List<Integer> liveness = new CopyOnWriteArrayList<>();
        awaitTrue(Duration.ofSeconds(60), () -> acknowledged(answers) >= 20, "20 appends acknowledged before");

        long takenAt = System.nanoTime();
        takeDatabaseAway.run();
        Thread probes = Thread.ofVirtual().start(() -> {
            while (!stop.get()) {
                readiness.add(status(port, "/readyz"));
                liveness.add(status(port, "/healthz"));
                sleepQuietly(50);
            }
        });
        awaitTrue(
                Duration.ofSeconds(60),
                () -> !reachable(superuserUrl, superuser, superuserPassword),
                "the database to be gone");
        awaitTrue(
                Duration.ofSeconds(90),
                () -> reachable(superuserUrl, superuser, superuserPassword),
                "the database to be back");
        long databaseBack = System.nanoTime();
        awaitTrue(
                Duration.ofSeconds(30),
                () -> answers.stream().anyMatch(a -> a.status() == 201 && a.startNanos() > databaseBack),
                "an append acknowledged after the database is back");
        awaitTrue(Duration.ofSeconds(30), () -> readiness.contains(503) && readiness.getLast() == 200, "ready");
        stop.set(true);
        for (Thread writer : writers) {
            writer.join(Duration.ofSeconds(30));
        }
        probes.join(Duration.ofSeconds(10));
        assertThat(takenAt).isLessThan(databaseBack);

        long serviceBack = answers.stream()
                .filter(a -> a.status() == 201 && a.startNanos() > databaseBack)
                .mapToLong(a -> a.startNanos() + a.nanos())
                .min()
                .orElseThrow();
        Set<UUID> acknowledged = new HashSet<>();
        answers.stream().filter(a -> a.status() == 201).forEach(a -> acknowledged.add(a.messageId()));
        return new Outage(
                List.copyOf(answers),
                List.copyOf(readiness),
                List.copyOf(liveness),
                databaseBack,
                serviceBack,
                acknowledged,
                storedMessages(superuserUrl, superuser, superuserPassword, TestProjects.uuid(project.id())));
    }

    private static Answer append(URI uri, String key, String content) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(15))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestApi.json("role", "user", "content", content)))
                .build();
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            long nanos = System.nanoTime() - start;
            JsonNode body = TestApi.JSON.readTree(response.body());
            UUID id = response.statusCode() == 201
                    ? TestProjects.uuid(body.at("/id").asString())
                    : null;
            return new Answer(
                    response.statusCode(),
                    start,
                    nanos,
                    body,
                    response.headers().firstValue("Retry-After").orElse(null),
                    id);
        } catch (IOException e) {
            return new Answer(-1, start, System.nanoTime() - start, TestApi.JSON.createObjectNode(), null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int status(int port, String path) {
        return TestApi.statusOrMinusOne(port, path, Duration.ofSeconds(10));
    }

    private static long acknowledged(List<Answer> answers) {
        return answers.stream().filter(a -> a.status() == 201).count();
    }

    private static boolean reachable(String url, String user, String password) {
        try (Connection connection = DriverManager.getConnection(url, user, password)) {
            return connection.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    private static Set<UUID> storedMessages(String url, String user, String password, UUID projectId)
            throws SQLException {
        Set<UUID> ids = new HashSet<>();
        try (Connection connection = DriverManager.getConnection(url, user, password);
                PreparedStatement query =
                        connection.prepareStatement("SELECT message_id FROM colloquy.messages WHERE project_id = ?")) {
            query.setObject(1, projectId);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getObject(1, UUID.class));
                }
            }
        }
        return ids;
    }

    private ConfigurableApplicationContext startServer(Path dataDir, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--spring.profiles.active=test",
                "--colloquy.data-dir=" + dataDir,
                "--colloquy.operator-token=" + IntegrationTest.OPERATOR_TOKEN,
                "--colloquy.database.pool-size=8",
                // the outage is what is measured: no embedding of every appended message competing for the CPU with
                // the /readyz probes that must catch the 503 of a short outage
                "--colloquy.embeddings.enabled=false",
                "--server.port=0",
                "--management.server.port=0"));
        args.addAll(List.of(more));
        ConfigurableApplicationContext server =
                new SpringApplicationBuilder(ColloquyApplication.class).run(args.toArray(String[]::new));
        servers.add(server);
        return server;
    }

    private Path newDataDir() throws IOException {
        Path dir = Path.of("target", "outage-it-" + UUID.randomUUID()).toAbsolutePath();
        Files.createDirectories(dir.getParent());
        dataDirs.add(dir);
        return dir;
    }

    private static long postmasterPid(Path clusterDir) throws IOException {
        return Long.parseLong(Files.readAllLines(clusterDir.resolve("postmaster.pid"))
                .getFirst()
                .strip());
    }

    private static void awaitTrue(Duration timeout, BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout + " waiting for: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
