package io.colloquy.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.DatabaseEndpoint;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Key management over time: automatic rotation, master key rotation, re-encryption under current keys. */
@IntegrationTest
class KeyManagementIntegrationTests {
    @LocalServerPort
    int port;

    @Autowired
    DatabaseEndpoint db;

    @Autowired
    Keyring keyring;

    @Autowired
    io.colloquy.tenant.TenantTransactions tenants;

    TestApi api;
    TestProject project;
    String ns;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
    }

    @Autowired
    KeyRotationJob rotation;

    @Test
    void projectKeysOlderThanTheRotationPeriodAreRotatedAndContentStaysReadable() {
        String d = project.dialogue(ns);
        project.message(ns, d, "survives rotation");
        assertThat(api.get(project.adminKey(), "/v1/project/encryption-key")
                        .json()
                        .get("version")
                        .asInt())
                .isEqualTo(1);
        assertThat(rotation.rotateDue(Instant.now().plusSeconds(60))).isPositive();
        assertThat(api.get(project.adminKey(), "/v1/project/encryption-key")
                        .json()
                        .get("version")
                        .asInt())
                .isEqualTo(2);
        assertThat(rotation.rotateDue(Instant.now().minus(java.time.Duration.ofDays(1))))
                .as("nothing is due right after a rotation")
                .isZero();
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages")
                        .body())
                .contains("survives rotation");
    }

    @Autowired
    MasterKeyCommands masterKeys;

    @Test
    void rotatingTheMasterKeyRewrapsEveryProjectKeyAndKeepsEverythingReadable() throws Exception {
        String d = project.dialogue(ns);
        project.message(ns, d, "survives a master key rotation");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        assertThat(masterKeys.run(List.of(), new java.io.PrintStream(out, true, StandardCharsets.UTF_8)))
                .isZero();
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("project keys rewrapped", "The old master key is kept at");
        String current = printed.replaceAll("(?s).*current master key: (local-master/[0-9a-f]{16}).*", "$1");
        try (Connection c = superuser();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT DISTINCT kek_id FROM colloquy.project_keys")) {
            List<String> ids = new ArrayList<>();
            while (r.next()) {
                ids.add(r.getString(1));
            }
            assertThat(ids).containsExactly(current);
        }
        // a project key rotation forgets cached keys and unwraps the stored one: under the new master
        assertThat(api.post(project.adminKey(), "/v1/project/encryption-key/rotate", null)
                        .status())
                .isEqualTo(200);
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages")
                        .body())
                .contains("survives a master key rotation");
        TestProject fresh = TestProjects.aProject(api);
        fresh.message(ns, fresh.dialogue(ns), "made after the rotation");
        assertThat(api.get(fresh.adminKey(), "/v1/namespaces/" + ns + "/search?q=rotation")
                        .json()
                        .get("data"))
                .hasSize(1);
    }

    @Autowired
    DataKeyReencryptionJob reencryption;

    @Test
    void afterReencryptionOnlyCurrentDataKeyVersionsRemainAndEverythingStillReads() throws Exception {
        String d = project.dialogue(ns);
        project.message(ns, d, "sealed under version one");
        project.memory(ns, "memory under version one");
        assertThat(api.post(project.adminKey(), "/v1/project/encryption-key/rotate", null)
                        .status())
                .isEqualTo(200);
        project.message(ns, d, "sealed under version two");
        assertThat(api.post(project.adminKey(), "/v1/project/encryption-key/rotate", null)
                        .status())
                .isEqualTo(200);
        UUID id = TestProjects.uuid(project.id());
        List<String> versions = List.of();
        for (int attempt = 0; attempt < 50; attempt++) { // events still in the outbox postpone destruction
            reencryption.reencryptProject(id, Instant.now().plus(java.time.Duration.ofDays(1)));
            versions = dataKeyVersions(id, ns);
            if (versions.size() == 1) {
                break;
            }
            io.colloquy.audit.TestAudit.sleep(100);
        }
        assertThat(versions).containsExactly("3");
        String messages = api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages")
                .body();
        assertThat(messages).contains("sealed under version one", "sealed under version two");
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/memories")
                        .body())
                .contains("memory under version one");
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/search?q=version")
                        .json()
                        .get("data"))
                .hasSize(3);
        List<tools.jackson.databind.JsonNode> events =
                io.colloquy.audit.TestAudit.all(api, project.adminKey(), "&entity_type=message");
        assertThat(events).isNotEmpty().allSatisfy(e -> assertThat(e.get("data").has("content"))
                .isTrue());
    }

    @Test
    void aKeyRotationThroughTheApiIsAuditedWithoutKeyMaterial() {
        assertThat(api.post(project.adminKey(), "/v1/project/encryption-key/rotate", null)
                        .status())
                .isEqualTo(200);
        List<tools.jackson.databind.JsonNode> rotated = List.of();
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        while (rotated.isEmpty() && System.nanoTime() < deadline) {
            rotated = io.colloquy.audit.TestAudit.all(api, project.adminKey(), "&entity_type=project").stream()
                    .filter(e ->
                            e.path("data").path("encryption_key").asString("").equals("rotated"))
                    .toList();
            if (rotated.isEmpty()) {
                io.colloquy.audit.TestAudit.sleep(50);
            }
        }
        assertThat(rotated).singleElement().satisfies(e -> {
            assertThat(e.get("action").asString()).isEqualTo("updated");
            assertThat(e.get("data").get("version").asInt()).isEqualTo(2);
            assertThat(e.get("data").has("key")).isFalse();
        });
    }

    @Test
    void valuesAndKeysSealedWithBarJoinedAadStillOpenAndRotationWithReencryptionUpgradesThem() throws Exception {
        String d = project.dialogue(ns);
        project.message(ns, d, "sealed before length-prefixed aad");
        UUID id = TestProjects.uuid(project.id());
        UUID messageId;
        byte[] content;
        try (Connection c = superuser();
                PreparedStatement s = c.prepareStatement(
                        "SELECT message_id, content FROM colloquy.messages WHERE project_id = ? AND namespace = ?")) {
            s.setObject(1, id);
            s.setString(2, ns);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                messageId = r.getObject(1, UUID.class);
                content = r.getBytes(2);
            }
        }
        assertThat(content[0]).as("new values are format 3").isEqualTo((byte) 0x03);
        int version = StoredValues.version(content);
        int projectKeyVersion = 1;
        javax.crypto.SecretKey dataKey = tenants.inProject(id, () -> keyring.dataKey(id, ns, version));
        javax.crypto.SecretKey projectKey = tenants.inProject(id, () -> keyring.projectKey(id, projectKeyVersion));
        // what an earlier release wrote: the value under '|'-joined AAD, its data key under a '|'-joined context
        byte[] oldValue = StoredValuesTests.sealByHand(
                (byte) 0x02,
                version,
                dataKey,
                ("colloquy/field/v2|" + id + "|" + ns + "|messages|" + messageId + "|content|" + version)
                        .getBytes(StandardCharsets.UTF_8),
                "sealed before length-prefixed aad");
        byte[] oldWrapped = StoredValuesTests.wrapByHand(
                projectKey, dataKey.getEncoded(), "colloquy/namespace-key/v1|" + id + "|" + ns + "|data|" + version);
        try (Connection c = superuser();
                PreparedStatement value = c.prepareStatement(
                        "UPDATE colloquy.messages SET content = ? WHERE project_id = ? AND message_id = ?");
                PreparedStatement key = c.prepareStatement("UPDATE colloquy.data_keys SET wrapped = ?"
                        + " WHERE project_id = ? AND namespace = ? AND purpose = 'data' AND version = ?")) {
            value.setBytes(1, oldValue);
            value.setObject(2, id);
            value.setObject(3, messageId);
            assertThat(value.executeUpdate()).isOne();
            key.setBytes(1, oldWrapped);
            key.setObject(2, id);
            key.setString(3, ns);
            key.setInt(4, version);
            assertThat(key.executeUpdate()).isOne();
        }
        keyring.forget(id);
        String path = "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages";
        assertThat(api.get(project.adminKey(), path).body()).contains("sealed before length-prefixed aad");

        assertThat(api.post(project.adminKey(), "/v1/project/encryption-key/rotate", null)
                        .status())
                .isEqualTo(200);
        List<String> versions = List.of();
        for (int attempt = 0; attempt < 50 && versions.size() != 1; attempt++) {
            reencryption.reencryptProject(id, Instant.now().plus(java.time.Duration.ofDays(1)));
            versions = dataKeyVersions(id, ns);
            if (versions.size() != 1) {
                io.colloquy.audit.TestAudit.sleep(100); // events still in the outbox postpone destruction
            }
        }
        assertThat(versions).containsExactly(String.valueOf(version + 1));
        try (Connection c = superuser();
                PreparedStatement s = c.prepareStatement("""
                        SELECT (SELECT get_byte(content, 0) FROM colloquy.messages WHERE project_id = ? AND message_id = ?),
                               (SELECT array_agg(DISTINCT get_byte(wrapped, 0)) FROM colloquy.data_keys WHERE project_id = ?)::text""")) {
            s.setObject(1, id);
            s.setObject(2, messageId);
            s.setObject(3, id);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                assertThat(r.getInt(1))
                        .as("the value's format after re-encryption")
                        .isEqualTo(3);
                assertThat(r.getString(2))
                        .as("wrapped key formats after rotation")
                        .isEqualTo("{2}");
            }
        }
        keyring.forget(id);
        assertThat(api.get(project.adminKey(), path).body()).contains("sealed before length-prefixed aad");
    }

    private List<String> dataKeyVersions(UUID project, String namespace) throws SQLException {
        try (Connection c = superuser();
                PreparedStatement s = c.prepareStatement("""
                        SELECT version FROM colloquy.data_keys
                         WHERE project_id = ? AND namespace = ? AND purpose = 'data' ORDER BY version""")) {
            s.setObject(1, project);
            s.setString(2, namespace);
            List<String> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(String.valueOf(r.getInt(1)));
                }
            }
            return out;
        }
    }

    private Connection superuser() throws SQLException {
        return DriverManager.getConnection(
                db.embedded().superuserJdbcUrl(),
                db.embedded().superuser(),
                db.embedded().superuserPassword());
    }
}
