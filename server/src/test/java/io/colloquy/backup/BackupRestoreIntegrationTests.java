package io.colloquy.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colloquy.ColloquyApplication;
import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.crypto.FieldRef;
import io.colloquy.crypto.KeyGone;
import io.colloquy.crypto.StoredValues;
import io.colloquy.platform.CliCommand;
import io.colloquy.platform.DatabaseEndpoint;
import io.colloquy.platform.TestDatabases;
import io.colloquy.tenant.TenantTransactions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Backup and restore on real embedded PostgreSQL clusters of their own (one per data directory), with the master key
 * in a directory outside every data directory, as an operator keeps it. One backup is taken at the start; every test
 * restores it (or a damaged copy) into a data directory of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupRestoreIntegrationTests {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int HEADER = 16 + 2 + 8 + 32;

    private final Path root =
            Path.of("target", "backup-it-" + UUID.randomUUID()).toAbsolutePath();
    private final Path keys = root.resolve("master-keys");
    private final Path backupKey = root.resolve("backup-keys").resolve("backup.key");
    private final Path archive = root.resolve("colloquy.backup");
    private ConfigurableApplicationContext source;
    private TestApi api;
    private TestProject a;
    private TestProject b;
    private String erasedDialogue;
    private String keptDialogue;
    private final List<Object[]> erasedCiphertext = new ArrayList<>();

    @BeforeAll
    void writeTwoProjectsAndBackThemUp() throws Exception {
        Files.createDirectories(backupKey.getParent());
        source = start(root.resolve("source"));
        api = new TestApi(port(source));
        a = TestProjects.aProject(api);
        b = TestProjects.aProject(api);
        erasedDialogue = a.dialogue("n1");
        a.message("n1", erasedDialogue, "erased with namespace n1");
        a.memory("n1", "a memory erased with n1");
        keptDialogue = a.dialogue("n2");
        a.message("n2", keptDialogue, "kept in namespace n2");
        for (int i = 0; i < 40; i++) { // ~1.3 MB that does not compress: the archive has several chunks
            a.message("n2", keptDialogue, HexFormat.of().formatHex(random(16_000)));
        }
        b.message("n1", b.dialogue("n1"), "deleted with project B");
        erasedCiphertext.addAll(ciphertext(TestProjects.uuid(a.id()), "n1"));
        erasedCiphertext.addAll(ciphertext(TestProjects.uuid(b.id()), "n1"));
        assertThat(erasedCiphertext).hasSize(3);

        Run backup = run(source, "backup", archive.toString(), "--key-file", backupKey.toString());
        assertThat(backup.exit()).as(backup.output()).isZero();
        assertThat(backup.output()).contains("Backup written to");
        assertThat(Files.getPosixFilePermissions(backupKey)).hasToString("[OWNER_READ, OWNER_WRITE]");
        assertThat(Files.getPosixFilePermissions(archive)).hasToString("[OWNER_READ, OWNER_WRITE]");
        assertThat(new String(Files.readAllBytes(archive), StandardCharsets.ISO_8859_1))
                .doesNotContain("kept in namespace n2")
                .doesNotContain(TestProjects.uuid(a.id()).toString());
    }

    @AfterAll
    void stop() throws Exception {
        if (source != null) {
            source.close();
        }
        deleteRecursively(root);
    }

    @Test
    void erasedNamespaceAndDeletedProjectStayGoneAfterRestoringABackupTakenBeforeThem() throws Exception {
        assertThat(api.delete(a.adminKey(), "/v1/namespaces/n1").status()).isEqualTo(200);
        assertThat(api.delete(b.adminKey(), "/v1/project").status()).isEqualTo(200);

        Path target = root.resolve("restored");
        RestoreLoad.load(
                archive, key(target), target, "colloquy_owner", "colloquy_app", new BackupCommand.Progress(null));
        try (ConfigurableApplicationContext restored = start(target)) {
            Run verification = run(restored, "restore", archive.toString(), "--key-file", backupKey.toString());
            assertThat(verification.exit()).as(verification.output()).isZero();
            assertThat(verification.output())
                    .contains("project " + TestProjects.uuid(b.id()) + ": deleted after the backup, deleted again")
                    .contains("Restore complete: 1 of 2 project audit logs verify");

            TestApi restoredApi = new TestApi(port(restored));
            assertThat(restoredApi
                            .get(a.adminKey(), "/v1/namespaces/n1/dialogues/" + erasedDialogue)
                            .status())
                    .isEqualTo(404);
            assertThat(restoredApi
                            .get(a.adminKey(), "/v1/namespaces/n1/memories")
                            .body())
                    .doesNotContain("erased with n1");
            assertThat(restoredApi
                            .get(a.adminKey(), "/v1/namespaces/n2/dialogues/" + keptDialogue + "/messages?limit=1")
                            .body())
                    .contains("kept in namespace n2");
            assertThat(restoredApi.get(b.adminKey(), "/v1/project").status()).isEqualTo(401);

            DatabaseEndpoint db = restored.getBean(DatabaseEndpoint.class);
            UUID projectA = TestProjects.uuid(a.id());
            UUID projectB = TestProjects.uuid(b.id());
            assertThat(count(
                            db,
                            "SELECT count(*) FROM colloquy.data_keys WHERE project_id = ? AND namespace = 'n1'",
                            projectA))
                    .isZero();
            assertThat(count(
                            db,
                            "SELECT count(*) FROM colloquy.messages WHERE project_id = ? AND namespace = 'n1'",
                            projectA))
                    .isZero();
            assertThat(count(db, "SELECT count(*) FROM colloquy.project_keys WHERE project_id = ?", projectB))
                    .isZero();
            assertThat(count(db, "SELECT count(*) FROM colloquy.projects WHERE project_id = ?", projectB))
                    .isZero();
            // the ciphertext itself, as a copy of the old database would hold it: its keys are shredded
            TenantTransactions tenants = restored.getBean(TenantTransactions.class);
            StoredValues values = restored.getBean(StoredValues.class);
            for (Object[] row : erasedCiphertext) {
                FieldRef ref = (FieldRef) row[0];
                assertThatThrownBy(() -> tenants.inProject(ref.projectId(), () -> values.open(ref, (byte[]) row[1])))
                        .isInstanceOf(KeyGone.class);
            }
        }
        // started again on the same data: nothing left to re-apply, nothing else erased
        try (ConfigurableApplicationContext again = start(target)) {
            TestApi againApi = new TestApi(port(again));
            assertThat(againApi.get(a.adminKey(), "/v1/namespaces/n2/dialogues/" + keptDialogue + "/messages?limit=1")
                            .body())
                    .contains("kept in namespace n2");
        }
    }

    @Test
    void refusesAnArchiveWithOneByteChangedAndWritesNothing() throws Exception {
        byte[] bytes = Files.readAllBytes(archive);
        bytes[bytes.length / 2] ^= 0x40;
        assertRefusedAndNothingWritten(bytes, "does not authenticate");
    }

    @Test
    void refusesATruncatedArchiveAndWritesNothing() throws Exception {
        byte[] bytes = Files.readAllBytes(archive);
        int second = HEADER + 4 + ByteBuffer.wrap(bytes, HEADER, 4).getInt();
        assertRefusedAndNothingWritten(java.util.Arrays.copyOf(bytes, second), "truncated");
        assertRefusedAndNothingWritten(java.util.Arrays.copyOf(bytes, bytes.length - 100), "truncated");
    }

    @Test
    void refusesAnArchiveWithTwoChunksSwappedAndWritesNothing() throws Exception {
        byte[] bytes = Files.readAllBytes(archive);
        int first = HEADER;
        int second = first + 4 + ByteBuffer.wrap(bytes, first, 4).getInt();
        assertThat(second).as("the archive has a second chunk").isLessThan(bytes.length);
        int third = second + 4 + ByteBuffer.wrap(bytes, second, 4).getInt();
        ByteArrayOutputStream swapped = new ByteArrayOutputStream();
        swapped.write(bytes, 0, first);
        swapped.write(bytes, second, third - second);
        swapped.write(bytes, first, second - first);
        swapped.write(bytes, third, bytes.length - third);
        assertRefusedAndNothingWritten(swapped.toByteArray(), "does not authenticate");
    }

    @Test
    void refusesAnotherBackupKeyAndWritesNothing() throws Exception {
        Path target = root.resolve("wrong-key-" + UUID.randomUUID());
        Path otherKey = root.resolve("backup-keys").resolve("other-" + UUID.randomUUID() + ".key");
        BackupKey other = BackupKey.load(otherKey, target, true);
        assertThatThrownBy(() -> RestoreLoad.load(
                        archive, other, target, "colloquy_owner", "colloquy_app", new BackupCommand.Progress(null)))
                .isInstanceOf(RestoreLoad.Refusal.class)
                .hasMessageContaining("made with another backup key");
        assertThat(target).doesNotExist();
    }

    @Test
    void refusesATargetThatIsNotEmpty() throws Exception {
        Path sourceDir = root.resolve("source");
        long projectsBefore = count(source.getBean(DatabaseEndpoint.class), "SELECT count(*) FROM colloquy.projects");
        assertThatThrownBy(() -> RestoreLoad.load(
                        archive,
                        key(sourceDir),
                        sourceDir,
                        "colloquy_owner",
                        "colloquy_app",
                        new BackupCommand.Progress(null)))
                .isInstanceOf(RestoreLoad.Refusal.class)
                .hasMessageContaining("is not empty");
        assertThat(count(source.getBean(DatabaseEndpoint.class), "SELECT count(*) FROM colloquy.projects"))
                .isEqualTo(projectsBefore);
        assertThat(api.get(a.adminKey(), "/v1/project").status()).isEqualTo(200);
    }

    private void assertRefusedAndNothingWritten(byte[] damaged, String reason) throws Exception {
        Path copy = root.resolve("damaged-" + UUID.randomUUID());
        Files.write(copy, damaged);
        Path target = root.resolve("target-" + UUID.randomUUID());
        assertThatThrownBy(() -> RestoreLoad.load(
                        copy, key(target), target, "colloquy_owner", "colloquy_app", new BackupCommand.Progress(null)))
                .isInstanceOf(RestoreLoad.Refusal.class)
                .hasMessageContaining("nothing was written")
                .hasMessageContaining(reason);
        assertThat(target).doesNotExist();
    }

    private BackupKey key(Path dataDir) {
        return BackupKey.load(backupKey, dataDir, false);
    }

    /** The sealed content and metadata of a namespace's messages and memories, as a copy of the database holds them. */
    private List<Object[]> ciphertext(UUID project, String ns) throws Exception {
        List<Object[]> rows = new ArrayList<>();
        try (Connection c = TestDatabases.superuser(source.getBean(DatabaseEndpoint.class));
                PreparedStatement s = c.prepareStatement("""
                        SELECT 'messages', message_id, content FROM colloquy.messages WHERE project_id = ? AND namespace = ?
                        UNION ALL
                        SELECT 'memories', memory_id, content FROM colloquy.memories WHERE project_id = ? AND namespace = ?""")) {
            s.setObject(1, project);
            s.setString(2, ns);
            s.setObject(3, project);
            s.setString(4, ns);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.add(new Object[] {
                        new FieldRef(project, ns, r.getString(1), r.getObject(2, UUID.class), "content"), r.getBytes(3)
                    });
                }
            }
        }
        return rows;
    }

    private static long count(DatabaseEndpoint db, String sql, Object... params) throws Exception {
        try (Connection c = TestDatabases.superuser(db);
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private record Run(int exit, String output) {}

    private Run run(ConfigurableApplicationContext context, String command, String... args) {
        CliCommand cli = context.getBeansOfType(CliCommand.class).values().stream()
                .filter(c -> c.words().equals(List.of(command)))
                .findFirst()
                .orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = cli.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8));
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

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
