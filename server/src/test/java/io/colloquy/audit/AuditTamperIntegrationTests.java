package io.colloquy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.DatabaseEndpoint;
import io.colloquy.platform.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.Signature;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Someone with full database access (a superuser, who can switch the append-only triggers off) changes
 * one row of a project's log; {@code ./colloquy audit verify} must fail and name the first bad seq.
 */
@IntegrationTest
class AuditTamperIntegrationTests {
    private static final HexFormat HEX = HexFormat.of();
    private static final int EVENTS = 13;

    @LocalServerPort
    int port;

    @Autowired
    DatabaseEndpoint db;

    @Autowired
    io.colloquy.crypto.StoredValues values;

    @Autowired
    io.colloquy.tenant.TenantTransactions tenants;

    TestApi api;
    TestProject project;
    UUID projectId;
    String publicKey;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        projectId = TestProjects.uuid(project.id());
        String ns = TestProjects.aNamespace();
        String d = project.dialogue(ns);
        for (int i = 0; i < EVENTS - 3; i++) {
            project.message(ns, d, "message " + i);
        }
        TestAudit.events(api, project.adminKey(), EVENTS);
        publicKey = api.get(project.adminKey(), "/v1/audit/public-key").text("/public_key");
    }

    record Run(int code, String output) {}

    private Run verify(String... extra) {
        List<String> args = new ArrayList<>(
                List.of("--url", "http://127.0.0.1:" + port, "--key", project.adminKey(), "--public-key", publicKey));
        args.addAll(List.of(extra));
        return run(args);
    }

    private static Run run(List<String> args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = new AuditVerifyCommand(Map.of()).run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(code, bytes.toString(StandardCharsets.UTF_8));
    }

    private void tamper(String sql, Object... params) throws SQLException {
        try (Connection c = TestDatabases.superuser(db)) {
            try (Statement s = c.createStatement()) {
                s.execute("SET session_replication_role = replica");
            }
            try (PreparedStatement p = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    p.setObject(i + 1, params[i]);
                }
                assertThat(p.executeUpdate()).as(sql).isPositive();
            }
        }
    }

    private static void assertFailsAt(Run run, long seq) {
        assertThat(run.code()).as(run.output()).isEqualTo(1);
        assertThat(run.output()).startsWith("FAILED at seq " + seq + ":");
    }

    @Test
    void anUntouchedLogVerifies() {
        Run run = verify();
        assertThat(run.code()).as(run.output()).isZero();
        assertThat(run.output()).startsWith("OK: " + EVENTS + " events verified; tree size " + EVENTS);
    }

    @Test
    void editedDataIsFound() throws SQLException {
        tamper(
                "UPDATE colloquy.audit_events SET data = ? WHERE project_id = ? AND seq = 5",
                stored("{\"content\":\"something else\"}"),
                projectId);
        Run run = verify();
        assertFailsAt(run, 5);
        assertThat(run.output()).contains("data does not match");
    }

    @Test
    void editedDataWithRecomputedHashesIsFoundThroughTheSignedRoot() throws SQLException {
        JsonNode event = TestAudit.all(api, project.adminKey(), "").get(6);
        ObjectNode forged = (ObjectNode) event.deepCopy();
        ObjectNode data = (ObjectNode) forged.get("data");
        data.put("content", "rewritten history");
        byte[] dataHash = AuditLog.sha256(Jcs.canonical(data));
        forged.put("data_hash", HEX.formatHex(dataHash));
        forged.putNull("data_salt"); // stored unsalted below, like an event from before salting
        byte[] leaf = AuditIntegrationTests.leafOf(forged);
        tamper(
                "UPDATE colloquy.audit_events SET data = ?, data_hash = ?, leaf_hash = ? WHERE project_id = ? AND seq = 7",
                sealedWithTheServersKeys(event, data.toString()),
                dataHash,
                leaf,
                projectId);
        Run run = verify();
        assertFailsAt(run, 7);
        assertThat(run.output()).contains("events 1..6 are intact");
    }

    @Test
    void theFirstEventRewrittenWithItsHashesIsNamed() throws SQLException {
        JsonNode event = TestAudit.all(api, project.adminKey(), "").getFirst();
        ObjectNode forged = (ObjectNode) event.deepCopy();
        ((ObjectNode) forged.get("data")).put("name", "another name");
        byte[] dataHash = AuditLog.sha256(Jcs.canonical(forged.get("data")));
        forged.put("data_hash", HEX.formatHex(dataHash));
        forged.putNull("data_salt"); // stored unsalted below, like an event from before salting
        tamper(
                "UPDATE colloquy.audit_events SET data = ?, data_hash = ?, leaf_hash = ? WHERE project_id = ? AND seq = 1",
                sealedWithTheServersKeys(forged, forged.get("data").toString()),
                dataHash,
                AuditIntegrationTests.leafOf(forged),
                projectId);
        assertFailsAt(verify(), 1);
    }

    @Test
    void aDeletedRowIsFound() throws SQLException {
        tamper("DELETE FROM colloquy.audit_events WHERE project_id = ? AND seq = 4", projectId);
        Run run = verify();
        assertFailsAt(run, 4);
        assertThat(run.output()).contains("expected seq 4 here, found 5");
    }

    @Test
    void theLastRowDeletedIsFound() throws SQLException {
        tamper("DELETE FROM colloquy.audit_events WHERE project_id = ? AND seq = ?", projectId, (long) EVENTS);
        assertFailsAt(verify(), EVENTS);
    }

    @Test
    void reorderedRowsAreFound() throws SQLException {
        tamper("UPDATE colloquy.audit_events SET seq = 1000 WHERE project_id = ? AND seq = 9", projectId);
        tamper("UPDATE colloquy.audit_events SET seq = 9 WHERE project_id = ? AND seq = 10", projectId);
        tamper("UPDATE colloquy.audit_events SET seq = 10 WHERE project_id = ? AND seq = 1000", projectId);
        Run run = verify();
        assertFailsAt(run, 9);
        assertThat(run.output()).contains("do not match its leaf_hash");
    }

    @Test
    void aForgedRowIsFoundEvenWithCorrectHashes() throws SQLException {
        JsonNode last = TestAudit.all(api, project.adminKey(), "").getLast();
        ObjectNode forged = (ObjectNode) last.deepCopy();
        long seq = EVENTS + 1;
        UUID id = UUID.randomUUID();
        forged.put("seq", seq);
        forged.put("id", "evt_" + id.toString().replace("-", ""));
        byte[] leaf = AuditIntegrationTests.leafOf(forged);
        tamper("""
                INSERT INTO colloquy.audit_events
                    (project_id, seq, event_id, at, namespace, entity_type, entity_id, action, actor_type, actor_id,
                     data, data_hash, leaf_hash)
                SELECT project_id, ?, ?, at, namespace, entity_type, entity_id, action, actor_type, actor_id,
                       data, data_hash, ?
                  FROM colloquy.audit_events WHERE project_id = ? AND seq = ?""", seq, id, leaf, projectId, (long) EVENTS);
        Run run = verify();
        assertFailsAt(run, seq);
        assertThat(run.output()).contains("not covered by the signed checkpoint");
    }

    @Test
    void aCheckpointSignedWithAnotherKeyIsRefused() throws IOException {
        Path events = dir.resolve("events.jsonl");
        Files.writeString(
                events,
                api.get(project.adminKey(), "/v1/audit/events?format=jsonl").body());
        ObjectNode checkpoint =
                (ObjectNode) api.get(project.adminKey(), "/v1/audit/checkpoint").json();
        Path genuine = dir.resolve("checkpoint.json");
        Files.writeString(genuine, checkpoint.toString());
        Run ok = run(
                List.of("--events", events.toString(), "--checkpoint", genuine.toString(), "--public-key", publicKey));
        assertThat(ok.code()).as(ok.output()).isZero();

        // The server's key replaced: the note re-signed by a key the verifier was never told to trust.
        KeyPair attacker = CheckpointSigner.fromSeed(new byte[32]);
        checkpoint.put(
                "signature",
                Base64.getEncoder()
                        .encodeToString(sign(attacker, checkpoint.get("note").asString())));
        checkpoint.put("key_id", SignedNote.keyId(SignedNote.raw(attacker.getPublic())));
        Path forged = dir.resolve("forged.json");
        Files.writeString(forged, checkpoint.toString());
        Run run = run(
                List.of("--events", events.toString(), "--checkpoint", forged.toString(), "--public-key", publicKey));
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.output()).startsWith("FAILED: the checkpoint is not signed by the trusted key");

        Run api = verify("--public-key", Base64.getEncoder().encodeToString(SignedNote.raw(attacker.getPublic())));
        assertThat(api.code()).isEqualTo(1);
        assertThat(api.output()).contains("not signed by the trusted key");
    }

    @Test
    void aConsistentRewriteOfTheWholeTreeIsFoundByAKeptCheckpoint() throws SQLException {
        Path kept = dir.resolve("kept.json");
        assertThat(verify("--save-checkpoint", kept.toString()).code()).isZero();

        // Rewrite event 3 and every hash above it, so the server itself now signs the rewritten root.
        List<JsonNode> events = TestAudit.all(api, project.adminKey(), "");
        ObjectNode forged = (ObjectNode) events.get(2).deepCopy();
        ((ObjectNode) forged.get("data")).put("content", "it never happened");
        byte[] dataHash = AuditLog.sha256(Jcs.canonical(forged.get("data")));
        forged.put("data_hash", HEX.formatHex(dataHash));
        forged.putNull("data_salt"); // stored unsalted below, like an event from before salting
        tamper(
                "UPDATE colloquy.audit_events SET data = ?, data_hash = ?, leaf_hash = ? WHERE project_id = ? AND seq = 3",
                sealedWithTheServersKeys(forged, forged.get("data").toString()),
                dataHash,
                AuditIntegrationTests.leafOf(forged),
                projectId);
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            leaves.add(AuditIntegrationTests.leafOf(i == 2 ? forged : events.get(i)));
        }
        Map<Merkle.Coord, byte[]> nodes = Merkle.append(0, new HashMap<>(), leaves);
        for (Map.Entry<Merkle.Coord, byte[]> n : nodes.entrySet()) {
            tamper(
                    "UPDATE colloquy.audit_nodes SET hash = ? WHERE project_id = ? AND level = ? AND idx = ?",
                    n.getValue(),
                    projectId,
                    (short) n.getKey().level(),
                    n.getKey().index());
        }
        assertThat(verify().code()).as("the server signs the rewritten tree").isZero();
        Run run = verify("--checkpoint", kept.toString());
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.output())
                .startsWith("FAILED: the log differs from what the checkpoint you kept signed (tree size 13)")
                .contains("history was rewritten");
    }

    /**
     * Data as the strongest attacker would write it: one who also holds the server's keys, so the value
     * opens and only the hashes (leaf, tree, signed checkpoints) can give the rewrite away. An attacker
     * without the keys is caught earlier: the value fails its AES-GCM check (see editedDataIsFound).
     */
    private byte[] sealedWithTheServersKeys(JsonNode event, String json) {
        java.util.UUID eventId = io.colloquy.platform.Ids.parse(
                        "evt", event.get("id").asString())
                .orElseThrow();
        String ns =
                event.get("namespace").isNull() ? "" : event.get("namespace").asString();
        return tenants.inProject(
                projectId,
                () -> values.seal(
                        new io.colloquy.crypto.FieldRef(projectId, ns, "audit_events", eventId, "data"), json));
    }

    private static byte[] stored(String json) {
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[utf8.length + 1];
        System.arraycopy(utf8, 0, out, 1, utf8.length);
        return out;
    }

    private static byte[] sign(KeyPair key, String note) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key.getPrivate());
            s.update(note.getBytes(StandardCharsets.UTF_8));
            return s.sign();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
