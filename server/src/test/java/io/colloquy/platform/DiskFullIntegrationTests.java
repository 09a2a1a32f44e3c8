package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.colloquy.ColloquyApplication;
import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The data directory's filesystem fills up (a small tmpfs mounted for the test, root only): writes are refused with
 * 503 SERVICE_UNAVAILABLE, reads keep working, nothing acknowledged is lost, and writes succeed again once space
 * returns. Everything mounted is unmounted again, whatever happens.
 */
class DiskFullIntegrationTests {
    private static final String TMPFS_SIZE = "256m";

    private final List<ConfigurableApplicationContext> servers = new ArrayList<>();
    private final List<Path> mounts = new ArrayList<>();

    @Test
    void fullDiskRefusesWritesWith503KeepsReadsAndRecoversWhenSpaceReturns() throws Exception {
        assumeTrue(OsUser.current().root(), "mounting a small tmpfs for the data directory needs root");
        // under the system's temporary directory, not target/: the checkout may sit below a directory the
        // unprivileged PostgreSQL user cannot traverse (the launcher would then move the cluster elsewhere)
        Path mount = Files.createTempDirectory("colloquy-disk-full-it-");
        mounts.add(mount);
        Process mounting = new ProcessBuilder(
                        "mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE + ",mode=0755", "tmpfs", mount.toString())
                .redirectErrorStream(true)
                .start();
        String mountOutput = new String(mounting.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(mounting.waitFor() == 0, "cannot mount a tmpfs here (" + mountOutput.strip() + ")");

        Path dataDir = mount.resolve("data");
        ConfigurableApplicationContext server = new SpringApplicationBuilder(ColloquyApplication.class)
                .run(
                        "--spring.profiles.active=test",
                        "--colloquy.data-dir=" + dataDir,
                        "--colloquy.operator-token=" + IntegrationTest.OPERATOR_TOKEN,
                        "--colloquy.database.pool-size=4",
                        "--server.port=0",
                        "--management.server.port=0");
        servers.add(server);
        DatabaseEndpoint.Embedded pg = server.getBean(DatabaseEndpoint.class).embedded();
        assertThat(pg).isNotNull();
        assertThat(pg.clusterDir()).startsWith(mount);
        int port = ((WebServerApplicationContext) server).getWebServer().getPort();
        TestApi api = new TestApi(port);
        TestProjects.TestProject project = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String dialogue = project.dialogue(ns);
        String messages = "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages";
        Set<UUID> acknowledged = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            acknowledged.add(appended(api.post(project.adminKey(), messages, bigMessage())));
        }
        try (Connection c = DriverManager.getConnection(pg.superuserJdbcUrl(), pg.superuser(), pg.superuserPassword());
                Statement s = c.createStatement()) {
            // start a fresh WAL segment (16 MB, allocated when the checkpoint record goes into it) so that WAL
            // needs no new space while the disk is full: only table files grow, which PostgreSQL refuses with
            // SQLSTATE 53100. (A full disk at a segment switch stops PostgreSQL; the launcher then restarts it
            // once space returns.)
            s.execute("CHECKPOINT");
            s.execute("SELECT pg_switch_wal()");
            s.execute("CHECKPOINT");
        }

        Path ballast = mount.resolve("ballast");
        fill(ballast);
        int refused = 0;
        for (int i = 0; i < 40 && refused < 3; i++) {
            TestApi.Response write = api.post(project.adminKey(), messages, bigMessage());
            if (write.status() == 201) {
                acknowledged.add(appended(write)); // a page that still had room
                continue;
            }
            assertThat(write.status()).as(write.body()).isEqualTo(503);
            assertThat(write.errorCode()).isEqualTo("SERVICE_UNAVAILABLE");
            assertThat(write.text("/error/type")).isEqualTo("api_error");
            assertThat(write.header("Retry-After")).isNotNull();
            refused++;
            TestApi.Response read = api.get(project.adminKey(), messages + "?limit=100");
            assertThat(read.status()).as("reads keep working: " + read.body()).isEqualTo(200);
        }
        assertThat(refused).as("writes refused while the disk is full").isEqualTo(3);

        Files.delete(ballast);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        TestApi.Response write;
        while ((write = api.post(project.adminKey(), messages, bigMessage())).status() != 201) {
            assertThat(write.status()).as(write.body()).isEqualTo(503);
            if (System.nanoTime() > deadline) {
                fail("writes did not succeed again within 30 s of space returning");
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        acknowledged.add(appended(write));

        Set<UUID> stored = new HashSet<>();
        try (Connection c = DriverManager.getConnection(pg.superuserJdbcUrl(), pg.superuser(), pg.superuserPassword());
                PreparedStatement q = c.prepareStatement("SELECT message_id FROM colloquy.messages")) {
            try (ResultSet rows = q.executeQuery()) {
                while (rows.next()) {
                    stored.add(rows.getObject(1, UUID.class));
                }
            }
        }
        assertThat(stored).containsAll(acknowledged);
    }

    @AfterEach
    void stopAndUnmount() throws Exception {
        for (ConfigurableApplicationContext server : servers) {
            server.close();
        }
        for (Path mount : mounts) {
            Process umount = new ProcessBuilder("umount", mount.toString())
                    .redirectErrorStream(true)
                    .start();
            umount.getInputStream().transferTo(OutputStream.nullOutputStream());
            if (umount.waitFor() != 0 && isMounted(mount)) {
                new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor();
            }
            assertThat(isMounted(mount)).as("%s unmounted", mount).isFalse();
            PostgresBinaries.deleteRecursively(mount);
        }
    }

    private static boolean isMounted(Path mount) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .anyMatch(line -> line.split(" ")[1].equals(mount.toString()));
    }

    /** Writes zeros until the filesystem is full. */
    private static void fill(Path ballast) {
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(ballast)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).containsIgnoringCase("space");
        }
    }

    private static UUID appended(TestApi.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return TestProjects.uuid(r.text("/id"));
    }

    /** About 16 KB that compress to nothing (encrypted anyway): each one needs new table pages. */
    private static String bigMessage() {
        byte[] random = new byte[8 * 1024];
        new SecureRandom().nextBytes(random);
        return TestApi.json("role", "user", "content", HexFormat.of().formatHex(random));
    }
}
