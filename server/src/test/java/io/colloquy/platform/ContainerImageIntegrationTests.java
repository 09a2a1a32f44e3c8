package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The container image built by {@code -Pimage} ({@code target/colloquy-image.tar}, OCI, by Jib without a
 * daemon): non-root, no shell, configured by environment only; then run. There is no container runtime on
 * the test machine, so the image's layers are unpacked into a root file system and its entrypoint runs
 * there as its user ({@code chroot --userspec}, root only), against the test run's PostgreSQL, until
 * {@code /readyz} answers 200 and the image's own health probe says healthy. Runs only with
 * {@code ./mvnw -Pimage test -Dtest=ContainerImageIntegrationTests} (the profile builds the tarball first).
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerImageIntegrationTests {
    private static final Path TARBALL = Path.of("target", "colloquy-image.tar");

    @Autowired
    DatabaseEndpoint testRunDatabase;

    private Path work;
    private JsonNode config;
    private List<String> layerDigests;

    @BeforeAll
    void readTheImage() throws Exception {
        assertThat(TARBALL).as("built by -Pimage").isRegularFile();
        work = Files.createTempDirectory(Path.of("target"), "image-it-");
        Path oci = Files.createDirectory(work.resolve("oci"));
        run(List.of("tar", "-xf", TARBALL.toAbsolutePath().toString(), "-C", oci.toString()), Duration.ofMinutes(1));
        JsonNode index = TestApi.JSON.readTree(Files.readString(oci.resolve("index.json")));
        JsonNode manifest = blob(oci, index.at("/manifests/0/digest").asString());
        config = blob(oci, manifest.at("/config/digest").asString());
        layerDigests = new ArrayList<>();
        manifest.get("layers").forEach(l -> layerDigests.add(l.get("digest").asString()));
        Path rootfs = Files.createDirectory(work.resolve("rootfs"));
        for (String digest : layerDigests) {
            run(
                    List.of("tar", "-xzf", blobPath(oci, digest).toString(), "-C", rootfs.toString()),
                    Duration.ofMinutes(1));
        }
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (work != null) {
            PostgresBinaries.deleteRecursively(work);
        }
    }

    @Test
    void theImageRunsAsANonRootUserWithoutAShellConfiguredByEnvironment() {
        assertThat(config.at("/config/User").asString()).isEqualTo("65532:65532");
        assertThat(config.at("/config/Entrypoint/0").asString()).isEqualTo("/opt/java/bin/java");
        List<String> env = new ArrayList<>();
        config.at("/config/Env").forEach(e -> env.add(e.asString()));
        assertThat(env).contains("COLLOQUY_DATA_DIR=/data", "COLLOQUY_ADDRESS=0.0.0.0");
        Path rootfs = work.resolve("rootfs");
        assertThat(rootfs.resolve("bin/sh")).doesNotExist();
        assertThat(rootfs.resolve("usr/bin")).doesNotExist();
        assertThat(rootfs.resolve("opt/java/bin/java")).isExecutable();
        assertThat(rootfs.resolve("app/classes/io/colloquy/ColloquyApplication.class"))
                .isRegularFile();
    }

    @Test
    void theImageServesAndItsHealthProbeSaysReady() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "running the image's files needs chroot (root)");
        Path rootfs = work.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("proc"));
        run(List.of("mount", "--bind", "/proc", rootfs.resolve("proc").toString()), Duration.ofSeconds(10));
        Process server = null;
        try {
            int port = freePort();
            Map<String, String> env = new HashMap<>();
            config.at("/config/Env").forEach(e -> {
                String[] kv = e.asString().split("=", 2);
                env.put(kv[0], kv[1]);
            });
            env.put("COLLOQUY_PORT", Integer.toString(port));
            env.put("COLLOQUY_MANAGEMENT_PORT", Integer.toString(freePort()));
            env.put("COLLOQUY_OPERATOR_TOKEN", IntegrationTest.OPERATOR_TOKEN);
            env.put("COLLOQUY_DATABASE_URL", testRunDatabase.jdbcUrl().replaceAll("[?&]currentSchema=[^&]*", ""));
            env.put("COLLOQUY_DATABASE_SSLMODE", "disable"); // the test run's own cluster, on loopback
            env.put("COLLOQUY_DATABASE_OWNER_PASSWORD", testRunDatabase.ownerPassword());
            env.put("COLLOQUY_DATABASE_APP_PASSWORD", testRunDatabase.appPassword());
            env.put("COLLOQUY_DATABASE_POOLSIZE", "4");
            env.put("COLLOQUY_MASTER_KEY", java.util.Base64.getEncoder().encodeToString(new byte[32]));
            List<String> command = new ArrayList<>(List.of("chroot", "--userspec=65532:65532", rootfs.toString()));
            config.at("/config/Entrypoint").forEach(a -> command.add(a.asString()));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(work.resolve("server.log").toFile());
            builder.environment().clear();
            builder.environment().putAll(env);
            server = builder.start();
            Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
            while (TestApi.statusOrMinusOne(port, "/readyz", Duration.ofSeconds(2)) != 200) {
                assertThat(server.isAlive())
                        .as(() -> "the image's server died: " + tail(work.resolve("server.log")))
                        .isTrue();
                assertThat(Instant.now())
                        .as(() -> tail(work.resolve("server.log")))
                        .isBefore(deadline);
                Thread.sleep(250);
            }
            List<String> probe = new ArrayList<>(List.of(
                    "chroot",
                    "--userspec=65532:65532",
                    rootfs.toString(),
                    "/opt/java/bin/java",
                    "-cp",
                    "@/app/jib-classpath-file",
                    "io.colloquy.platform.HealthProbe"));
            ProcessBuilder probeBuilder = new ProcessBuilder(probe).redirectErrorStream(true);
            probeBuilder.environment().clear();
            probeBuilder.environment().put("COLLOQUY_PORT", Integer.toString(port));
            Process p = probeBuilder.start();
            p.getInputStream().readAllBytes();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("the health probe's exit status").isZero();
        } finally {
            if (server != null) {
                server.destroy();
                if (!server.waitFor(20, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            }
            run(List.of("umount", rootfs.resolve("proc").toString()), Duration.ofSeconds(10));
        }
    }

    private static JsonNode blob(Path oci, String digest) throws IOException {
        return TestApi.JSON.readTree(Files.readString(blobPath(oci, digest)));
    }

    private static Path blobPath(Path oci, String digest) {
        return oci.resolve("blobs").resolve(digest.replace(':', '/'));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void run(List<String> command, Duration timeout) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }
}
