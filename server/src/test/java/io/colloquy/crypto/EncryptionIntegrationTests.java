package io.colloquy.crypto;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.DatabaseEndpoint;
import io.colloquy.tenant.TenantTransactions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

/** What a DBA, a backup or a log reader can see of content: nothing but ciphertext and keyed hashes. */
@IntegrationTest
@ExtendWith(OutputCaptureExtension.class)
class EncryptionIntegrationTests {
    @LocalServerPort
    int port;

    @Autowired
    DatabaseEndpoint db;

    @Autowired
    io.colloquy.search.Embedder embedder;

    @Autowired
    TenantTransactions tenants;

    @Autowired
    ProjectKeys projectKeys;

    @Autowired
    StoredValues values;

    @Autowired
    Keyring keyring;

    @Autowired
    LoggingSystem logging;

    TestApi api;
    TestProject project;
    String ns;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
    }

    private Connection superuser() throws SQLException {
        return DriverManager.getConnection(
                db.embedded().superuserJdbcUrl(),
                db.embedded().superuser(),
                db.embedded().superuserPassword());
    }

    @Test
    void aCanaryIsNowhereInTheDatabaseFilesDumpsOrLogs(CapturedOutput output) throws Exception {
        String canary = "canary" + UUID.randomUUID().toString().replace("-", "");
        logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.TRACE);
        logging.setLogLevel("io.colloquy", LogLevel.TRACE);
        try {
            String base = "/v1/namespaces/" + ns;
            TestApi.Response d = api.post(
                    project.adminKey(),
                    base + "/dialogues",
                    json("title", "title " + canary, "metadata", Map.of("note", canary), "tags", List.of(canary)));
            String dlg = d.text("/id");
            String msg = api.post(
                            project.adminKey(),
                            base + "/dialogues/" + dlg + "/messages",
                            json("role", "user", "content", "hello " + canary, "metadata", Map.of("k", canary)))
                    .text("/id");
            // issue 20: a dialogue's state, an edited message, a thread, a structured memory
            assertThat(api.send(
                                    "PUT",
                                    base + "/dialogues/" + dlg + "/state",
                                    project.adminKey(),
                                    json("goal", canary, "nested", Map.of(canary, List.of(canary))),
                                    Map.of("Content-Type", "application/json"))
                            .status())
                    .isEqualTo(200);
            api.patch(project.adminKey(), base + "/dialogues/" + dlg + "/state", json("merged", canary));
            assertThat(api.patch(
                                    project.adminKey(),
                                    base + "/dialogues/" + dlg + "/messages/" + msg,
                                    json("content", "edited " + canary, "metadata", Map.of("e", canary)))
                            .status())
                    .isEqualTo(200);
            api.post(
                    project.adminKey(),
                    base + "/dialogues",
                    json("parent_id", dlg, "title", "thread " + canary, "metadata", Map.of("t", canary)));
            assertThat(api.post(
                                    project.adminKey(),
                                    base + "/memories",
                                    json(
                                            "kind",
                                            "long_term",
                                            "value",
                                            Map.of("v", canary),
                                            "label",
                                            "label " + canary,
                                            "description",
                                            "description " + canary))
                            .status())
                    .isEqualTo(201);
            api.send(
                    "POST",
                    base + "/memories",
                    project.adminKey(),
                    json("kind", "long_term", "content", canary + " memory", "metadata", Map.of("m", canary)),
                    Map.of(
                            "Content-Type",
                            "application/json",
                            "Idempotency-Key",
                            UUID.randomUUID().toString()));
            assertThat(api.get(project.adminKey(), base + "/dialogues/" + dlg + "/messages")
                            .body())
                    .contains(canary);
            assertThat(api.get(project.adminKey(), base + "/search?q=" + canary)
                            .json()
                            .get("data"))
                    .hasSize(3);
            assertThat(api.get(project.adminKey(), base + "/dialogues?tag=" + canary)
                            .json()
                            .get("data"))
                    .hasSize(1);
            api.post(project.adminKey(), base + "/dialogues", json("title", 7, "metadata", Map.of("x", canary)));
        } finally {
            logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.WARN);
            logging.setLogLevel("io.colloquy", LogLevel.WARN);
        }
        // issue 14: the memory's embedding is stored, sealed; its floats must be nowhere in clear
        io.colloquy.search.TestEmbeddings.awaitEmbedded(api, project.adminKey(), ns);
        float[] vector = embedder.embed(canary + " memory");
        java.nio.ByteBuffer floats =
                java.nio.ByteBuffer.allocate(8 * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 8; i++) {
            floats.putFloat(vector[i]);
        }
        byte[] vectorBytes = floats.array();

        String dump;
        try (Connection c = superuser();
                Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
            dump = dumpEverything(c);
        }
        assertThat(dump)
                .as("the dump is real: it holds the plain project names")
                .contains("project ");
        String hex = HexFormat.of().formatHex(canary.getBytes(StandardCharsets.UTF_8));
        assertThat(dump).doesNotContain(canary).doesNotContain(hex);
        assertThat(filesContaining(db.embedded().clusterDir(), canary.getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
        try (Connection c = superuser();
                PreparedStatement s =
                        c.prepareStatement("SELECT count(*) FROM colloquy.embeddings WHERE namespace = ?")) {
            s.setString(1, ns);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                assertThat(r.getLong(1))
                        .as("vectors are stored: the check below is not vacuous")
                        .isPositive();
            }
        }
        assertThat(dump).doesNotContain(HexFormat.of().formatHex(vectorBytes));
        assertThat(filesContaining(db.embedded().clusterDir(), vectorBytes)).isEmpty();
        assertThat(output.getAll()).as("TRACE logging really ran").contains("TRACE");
        assertThat(output.getAll())
                .doesNotContain(canary)
                .doesNotContain(project.adminKey().substring(40));
    }

    @Test
    void aCiphertextCopiedToAnotherRowNamespaceOrProjectDoesNotOpen() throws Exception {
        String a = project.dialogue(ns);
        String secret = project.message(ns, a, "the secret of row A");
        String other = project.message(ns, a, "row B");
        TestProject p2 = TestProjects.aProject(api);
        String d2 = p2.dialogue(ns);
        String foreign = p2.message(ns, d2, "another project's row");
        String otherNs = TestProjects.aNamespace();
        String d3 = project.dialogue(otherNs);
        String inOtherNs = project.message(otherNs, d3, "another namespace's row");
        try (Connection c = superuser()) {
            for (String target : List.of(other, foreign, inOtherNs)) {
                copyContent(c, secret, target);
            }
        }
        for (var target : List.of(
                new String[] {project.adminKey(), ns, a, other},
                new String[] {p2.adminKey(), ns, d2, foreign},
                new String[] {project.adminKey(), otherNs, d3, inOtherNs})) {
            TestApi.Response r = api.get(
                    target[0], "/v1/namespaces/" + target[1] + "/dialogues/" + target[2] + "/messages/" + target[3]);
            assertThat(r.status()).isEqualTo(500);
            assertThat(r.errorCode()).isEqualTo("INTERNAL");
            assertThat(r.body()).doesNotContain("the secret of row A");
        }
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + a + "/messages/" + secret)
                        .text("/content"))
                .isEqualTo("the secret of row A");
    }

    @Test
    void aRevokedCustomerKeyStopsContentUntilTheSameKeyReturns() {
        String d = project.dialogue(ns);
        project.message(ns, d, "before byok");
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        String b64 = Base64.getEncoder().encodeToString(key);
        TestApi.Response supplied = api.send(
                "PUT",
                "/v1/project/encryption-key",
                project.adminKey(),
                json("key", b64),
                Map.of("Content-Type", "application/json"));
        assertThat(supplied.status()).as(supplied.body()).isEqualTo(200);
        assertThat(supplied.json().get("customer_key").asBoolean()).isTrue();
        project.message(ns, d, "under byok");
        String messages = "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages";
        assertThat(api.get(project.adminKey(), messages).json().get("data")).hasSize(2);

        assertThat(api.delete(project.adminKey(), "/v1/project/encryption-key")
                        .json()
                        .get("revoked")
                        .asBoolean())
                .isTrue();
        for (TestApi.Response r : List.of(
                api.get(project.adminKey(), messages),
                api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d),
                api.post(project.adminKey(), messages, json("role", "user", "content", "refused")),
                api.post(
                        project.adminKey(),
                        "/v1/namespaces/" + ns + "/memories",
                        json("kind", "long_term", "content", "x")),
                api.get(project.adminKey(), "/v1/namespaces/" + ns + "/search?q=byok"))) {
            assertThat(r.status()).as(r.body()).isEqualTo(409);
            assertThat(r.errorCode()).isEqualTo("ENCRYPTION_KEY_REVOKED");
            assertThat(r.json().at("/error/type").asString()).isEqualTo("conflict");
        }
        assertThat(api.get(project.adminKey(), "/v1/keys").status()).isEqualTo(200);
        assertThat(api.get(project.adminKey(), "/v1/project").status()).isEqualTo(200);

        byte[] wrong = key.clone();
        wrong[0] ^= 1;
        TestApi.Response wrongKey = api.send(
                "PUT",
                "/v1/project/encryption-key",
                project.adminKey(),
                json("key", Base64.getEncoder().encodeToString(wrong)),
                Map.of("Content-Type", "application/json"));
        assertThat(wrongKey.status()).isEqualTo(400);
        assertThat(api.get(project.adminKey(), messages).status()).isEqualTo(409);
        // what a restart loses: every unwrapped key in memory; the revocation lives in the database alone
        keyring.forget(TestProjects.uuid(project.id()));
        assertThat(api.get(project.adminKey(), messages).status()).isEqualTo(409);

        assertThat(api.send(
                                "PUT",
                                "/v1/project/encryption-key",
                                project.adminKey(),
                                json("key", b64),
                                Map.of("Content-Type", "application/json"))
                        .status())
                .isEqualTo(200);
        keyring.forget(TestProjects.uuid(project.id()));
        TestApi.Response back = api.get(project.adminKey(), messages);
        assertThat(back.status()).isEqualTo(200);
        assertThat(back.body()).contains("before byok", "under byok");
        assertThat(api.send(
                                "PUT",
                                "/v1/project/encryption-key",
                                project.adminKey(),
                                json("key", "c2hvcnQ="),
                                Map.of("Content-Type", "application/json"))
                        .status())
                .isEqualTo(400);
    }

    @Test
    void afterRotationEverythingIsReadableAndOldProjectKeysAreGone() throws Exception {
        String d = project.dialogue(ns);
        project.message(ns, d, "written under version one");
        project.memory(ns, "memory under version one");
        TestApi.Response rotated = api.post(project.adminKey(), "/v1/project/encryption-key/rotate", null);
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        assertThat(rotated.json().get("version").asInt()).isEqualTo(2);
        project.message(ns, d, "written under version two");
        api.post(project.adminKey(), "/v1/project/encryption-key/rotate", null);
        String messages = api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages")
                .body();
        assertThat(messages).contains("written under version one", "written under version two");
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/memories")
                        .body())
                .contains("memory under version one");
        try (Connection c = superuser();
                PreparedStatement s =
                        c.prepareStatement("SELECT version FROM colloquy.project_keys WHERE project_id = ?")) {
            s.setObject(1, TestProjects.uuid(project.id()));
            try (ResultSet r = s.executeQuery()) {
                List<Integer> versions = new ArrayList<>();
                while (r.next()) {
                    versions.add(r.getInt(1));
                }
                assertThat(versions).containsExactly(3);
            }
        }
    }

    @Test
    void afterShreddingANamespaceNoCiphertextOfItOpensEvenFromAnOldDump() throws Exception {
        String d = project.dialogue(ns);
        project.message(ns, d, "to be forgotten");
        project.memory(ns, "also forgotten");
        UUID projectId = TestProjects.uuid(project.id());
        List<Object[]> oldDump = new ArrayList<>();
        try (Connection c = superuser();
                PreparedStatement s = c.prepareStatement("""
                        SELECT 'messages', message_id, 'content', content FROM colloquy.messages WHERE project_id = ? AND namespace = ?
                        UNION ALL
                        SELECT 'memories', memory_id, 'content', content FROM colloquy.memories WHERE project_id = ? AND namespace = ?
                        UNION ALL
                        SELECT 'dialogues', dialogue_id, 'metadata', metadata FROM colloquy.dialogues WHERE project_id = ? AND namespace = ?""")) {
            for (int i = 0; i < 3; i++) {
                s.setObject(2 * i + 1, projectId);
                s.setString(2 * i + 2, ns);
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    oldDump.add(
                            new Object[] {r.getString(1), r.getObject(2, UUID.class), r.getString(3), r.getBytes(4)});
                }
            }
        }
        assertThat(oldDump).hasSize(3);
        for (Object[] row : oldDump) {
            FieldRef ref = new FieldRef(projectId, ns, (String) row[0], (UUID) row[1], (String) row[2]);
            assertThat(tenants.inProject(projectId, () -> values.open(ref, (byte[]) row[3])))
                    .isNotBlank();
        }
        tenants.inProject(projectId, () -> {
            projectKeys.shredNamespace(projectId, ns);
            return null;
        });
        for (Object[] row : oldDump) {
            FieldRef ref = new FieldRef(projectId, ns, (String) row[0], (UUID) row[1], (String) row[2]);
            assertThatThrownBy(() -> tenants.inProject(projectId, () -> values.open(ref, (byte[]) row[3])))
                    .isInstanceOf(KeyGone.class);
        }
    }

    private static void copyContent(Connection c, String fromMessage, String toMessage) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                UPDATE colloquy.messages SET content = (SELECT content FROM colloquy.messages WHERE message_id = ?)
                 WHERE message_id = ?""")) {
            s.setObject(1, TestProjects.uuid(fromMessage));
            s.setObject(2, TestProjects.uuid(toMessage));
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }

    /** What a superuser's dump holds: every row of every table of the schema, in COPY text form. */
    private static String dumpEverything(Connection c) throws SQLException, IOException {
        List<String> tables = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'colloquy'")) {
            while (r.next()) {
                tables.add(r.getString(1));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var copy = c.unwrap(PGConnection.class).getCopyAPI();
        for (String table : tables) {
            copy.copyOut("COPY colloquy." + table + " TO STDOUT", out);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static List<Path> filesContaining(Path dir, byte[] needle) throws IOException {
        List<Path> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(f);
                } catch (IOException vanished) {
                    continue;
                }
                if (indexOf(bytes, needle) >= 0) {
                    hits.add(f);
                }
            }
        }
        return hits;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
