package io.colloquy.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real server for the client's and the adapters' tests: {@code server/target/colloquy.jar} (built before these
 * modules by the reactor) started once per test JVM as its own process ({@code serve}, embedded PostgreSQL, data in
 * this module's {@code target/colloquy-test-data}, free ports, a known operator token and audit signing key), and
 * stopped when the JVM exits, whether the tests passed or not.
 */
public final class TestServer {
    /** The audit signing key's seed: tests sign notes with it to play a server that rewrote its history. */
    public static final byte[] AUDIT_SEED = sha256("colloquy client tests: audit signing seed");

    private static TestServer shared;

    private final Process process;
    private final URI url;
    private final int port;
    private final String operatorToken;
    private final Path log;

    private TestServer(Process process, int port, String operatorToken, Path log) {
        this.process = process;
        this.port = port;
        this.url = URI.create("http://127.0.0.1:" + port);
        this.operatorToken = operatorToken;
        this.log = log;
    }

    /** The server of this test JVM, started on first use. */
    public static synchronized TestServer shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "colloquy-test-server-stop"));
        }
        return shared;
    }

    /** Its base URL. */
    public URI url() {
        return url;
    }

    /** Its port. */
    public int port() {
        return port;
    }

    /** A new project (unlimited plan) and its first admin key. */
    public TestProject newProject() {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(url.resolve("/v1/projects"))
                                    .header("Authorization", "Bearer " + operatorToken)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(
                                            "{\"name\": \"test " + UUID.randomUUID() + "\"}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) {
                throw new IllegalStateException("project creation answered " + r.statusCode() + ": " + r.body());
            }
            JsonNode body = new ObjectMapper().readTree(r.body());
            return new TestProject(
                    body.at("/project/id").asText(), body.at("/key/key").asText());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A client of a project's admin key; {@code pinned} pins the audit key the server signs with. */
    public ColloquyClient client(TestProject project) {
        return ColloquyClient.builder()
                .url(url)
                .apiKey(project.adminKey())
                .initialBackoff(Duration.ofMillis(50))
                .build();
    }

    /** A project made for a test. */
    public record TestProject(String id, String adminKey) {}

    private static TestServer start() {
        Path jar = findJar();
        Path target = Path.of("target").toAbsolutePath();
        Path dataDir = target.resolve("colloquy-test-data");
        Path log = target.resolve("colloquy-test-server.log");
        int port = freePort();
        String token = "cq_op_" + UUID.randomUUID().toString().replace("-", "");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1",
                "-jar",
                jar.toString(),
                "serve"));
        try {
            Files.createDirectories(dataDir);
            ProcessBuilder builder =
                    new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().keySet().removeIf(name -> name.startsWith("COLLOQUY_"));
            builder.environment().put("COLLOQUY_DATA_DIR", dataDir.toString());
            builder.environment().put("COLLOQUY_PORT", Integer.toString(port));
            builder.environment().put("COLLOQUY_MANAGEMENT_PORT", "0");
            builder.environment().put("COLLOQUY_OPERATOR_TOKEN", token);
            builder.environment()
                    .put("COLLOQUY_AUDIT_SIGNING_KEY", Base64.getEncoder().encodeToString(AUDIT_SEED));
            Process process = builder.start();
            TestServer server = new TestServer(process, port, token, log);
            try {
                server.awaitReady(Duration.ofMinutes(4));
            } catch (RuntimeException | Error e) {
                server.stop();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("could not start " + jar, e);
        }
    }

    private void awaitReady(Duration timeout) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the test server exited (" + process.exitValue() + "); see " + log);
            }
            try {
                int status = http.send(
                                HttpRequest.newBuilder(url.resolve("/readyz"))
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                if (status == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("the test server was not ready within " + timeout + "; see " + log);
    }

    /** Stops the server (SIGTERM: it stops its database), killing it if it does not end within 60 s. */
    void stop() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static Path findJar() {
        String configured = System.getProperty("colloquy.test.jar");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path jar = dir.resolve("server/target/colloquy.jar");
            if (Files.isRegularFile(jar)) {
                return jar;
            }
        }
        throw new IllegalStateException(
                "server/target/colloquy.jar not found: build the server first (./mvnw -pl server package)");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
