package io.colloquy.audit;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

@IntegrationTest
class AuditIntegrationTests {
    private static final HexFormat HEX = HexFormat.of();

    @LocalServerPort
    int port;

    TestApi api;
    TestProject project;
    String ns;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
    }

    @Test
    void everyChangeLeavesOneEventWithActorDataAndDenseSeq() {
        String d = project.dialogue(ns);
        TestApi.Response appended = api.send(
                "POST",
                "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages",
                project.adminKey(),
                json(
                        "messages",
                        List.of(
                                Map.of("role", "user", "content", "hi"),
                                Map.of("role", "assistant", "content", "hello"))),
                Map.of("Content-Type", "application/json", "Idempotency-Key", "append-1"));
        assertThat(appended.status()).isEqualTo(201);
        api.patch(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d, json("title", "renamed"));
        String mem = project.memory(ns, "remember me");
        api.delete(project.adminKey(), "/v1/namespaces/" + ns + "/memories/" + mem);

        List<JsonNode> events = TestAudit.events(api, project.adminKey(), 8);
        assertThat(events).hasSize(8);
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).get("seq").asLong()).isEqualTo(i + 1);
            assertThat(events.get(i).get("id").asString()).matches("evt_[0-9a-f]{32}");
            assertThat(events.get(i).get("project_id").asString()).isEqualTo(project.id());
            assertThat(events.get(i).get("at").asString())
                    .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
        }
        assertThat(events.stream()
                        .map(e -> e.get("entity_type").asString() + "."
                                + e.get("action").asString()))
                .containsExactly(
                        "project.created",
                        "key.created",
                        "dialogue.created",
                        "message.created",
                        "message.created",
                        "dialogue.updated",
                        "memory.created",
                        "memory.deleted");
        JsonNode projectCreated = events.get(0);
        assertThat(projectCreated.at("/actor/type").asString()).isEqualTo("system");
        assertThat(projectCreated.at("/actor/id").asString()).isEqualTo("operator");
        assertThat(projectCreated.at("/data/id").asString()).isEqualTo(project.id());
        assertThat(events.get(1).get("parent_id").asString())
                .isEqualTo(projectCreated.get("id").asString());
        assertThat(events.get(1).get("data").has("key"))
                .as("never the key's secret")
                .isFalse();
        JsonNode message = events.get(3);
        assertThat(message.at("/actor/type").asString()).isEqualTo("api_key");
        assertThat(message.at("/actor/id").asString()).isEqualTo(project.adminKeyId());
        assertThat(message.get("idempotency_key").asString()).isEqualTo("append-1");
        assertThat(message.get("namespace").asString()).isEqualTo(ns);
        assertThat(message.at("/data/content").asString()).isEqualTo("hi");
        assertThat(message.at("/data/dialogue_id").asString()).isEqualTo(d);
        assertThat(events.get(5).at("/data/title").asString()).isEqualTo("renamed");
        assertThat(events.get(7).get("data").isNull()).isTrue();
        assertThat(events.get(7).get("data_hash").isNull()).isTrue();
        for (JsonNode e : events) {
            assertThat(HEX.formatHex(leafOf(e))).isEqualTo(e.get("leaf_hash").asString());
        }
    }

    @Test
    void anEventIsReadableWithinOneSecondOfItsChange() {
        String d = project.dialogue(ns);
        TestAudit.events(api, project.adminKey(), 3);
        long worst = 0;
        for (int i = 0; i < 20; i++) {
            project.message(ns, d, "m" + i);
            long committed = System.nanoTime();
            while (TestAudit.all(api, project.adminKey(), "&after_seq=" + (3 + i))
                    .isEmpty()) {
                TestAudit.sleep(5);
            }
            worst = Math.max(worst, System.nanoTime() - committed);
        }
        assertThat(worst / 1_000_000)
                .as("worst ms from a 201 to its event in the log")
                .isLessThan(1000);
    }

    @Test
    void deletingADialogueRecordsEachMessageUnderTheDialoguesEvent() {
        String d = project.dialogue(ns);
        project.message(ns, d, "one");
        project.message(ns, d, "two");
        assertThat(api.delete(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d)
                        .status())
                .isEqualTo(204);
        List<JsonNode> events = TestAudit.events(api, project.adminKey(), 8);
        JsonNode deleted = events.get(5);
        assertThat(deleted.get("entity_type").asString()).isEqualTo("dialogue");
        assertThat(deleted.get("action").asString()).isEqualTo("deleted");
        for (JsonNode m : events.subList(6, 8)) {
            assertThat(m.get("entity_type").asString()).isEqualTo("message");
            assertThat(m.get("action").asString()).isEqualTo("deleted");
            assertThat(m.get("parent_id").asString())
                    .isEqualTo(deleted.get("id").asString());
        }
    }

    @Test
    void aSignedCheckpointCoversTheLogAndProofsVerify() {
        String d = project.dialogue(ns);
        for (int i = 0; i < 6; i++) {
            project.message(ns, d, "m" + i);
        }
        String reader = project.key("read");
        List<JsonNode> events = TestAudit.events(api, project.adminKey(), 10).subList(0, 9);
        JsonNode key = api.get(reader, "/v1/audit/public-key").json();
        assertThat(key.get("algorithm").asString()).isEqualTo("Ed25519");
        byte[] raw = Base64.getDecoder().decode(key.get("public_key").asString());
        assertThat(key.get("pem").asString()).startsWith("-----BEGIN PUBLIC KEY-----");

        JsonNode cp = api.get(project.adminKey(), "/v1/audit/checkpoint").json();
        assertThat(cp.get("tree_size").asLong()).isEqualTo(10);
        assertThat(api.get(reader, "/v1/audit/checkpoint").status()).isEqualTo(403);
        assertThat(cp.get("key_id").asString()).isEqualTo(key.get("key_id").asString());
        assertThat(SignedNote.verify(
                        raw,
                        cp.get("note").asString(),
                        Base64.getDecoder().decode(cp.get("signature").asString())))
                .isTrue();
        List<byte[]> all = new ArrayList<>();
        TestAudit.events(api, project.adminKey(), 10).forEach(e -> all.add(leafOf(e)));
        assertThat(cp.get("root_hash").asString()).isEqualTo(HEX.formatHex(RfcMerkle.mth(all)));
        assertThat(cp.get("note").asString())
                .startsWith("colloquy-audit/" + project.id() + "\n10\n"
                        + Base64.getEncoder().encodeToString(RfcMerkle.mth(all)) + "\ntimestamp ");
        List<byte[]> leaves = all.subList(0, 9);

        for (int seq = 1; seq <= 9; seq++) {
            JsonNode proof = api.get(project.adminKey(), "/v1/audit/events/" + seq + "/proof?tree_size=9")
                    .json();
            assertThat(proof.get("leaf_index").asLong()).isEqualTo(seq - 1);
            assertThat(proof.get("leaf_hash").asString())
                    .isEqualTo(events.get(seq - 1).get("leaf_hash").asString());
            assertThat(Merkle.verifyInclusion(seq - 1, 9, leaves.get(seq - 1), hashes(proof), RfcMerkle.mth(leaves)))
                    .isTrue();
        }
        for (int from = 1; from <= 9; from++) {
            JsonNode proof = api.get(project.adminKey(), "/v1/audit/consistency?from_size=" + from + "&to_size=9")
                    .json();
            assertThat(Merkle.verifyConsistency(
                            from, 9, RfcMerkle.mth(leaves.subList(0, from)), RfcMerkle.mth(leaves), hashes(proof)))
                    .as("consistency %d -> 9", from)
                    .isTrue();
        }
        assertThat(api.get(project.adminKey(), "/v1/audit/events/1000/proof").status())
                .isEqualTo(404);
        assertThat(api.get(project.adminKey(), "/v1/audit/events/x/proof").status())
                .isEqualTo(404);
        assertThat(api.get(project.adminKey(), "/v1/audit/events/1/proof?tree_size=99")
                        .status())
                .isEqualTo(400);
        assertThat(api.get(project.adminKey(), "/v1/audit/consistency?from_size=5&to_size=3")
                        .status())
                .isEqualTo(400);
        assertThat(api.get(project.adminKey(), "/v1/audit/consistency").status())
                .isEqualTo(400);
    }

    @Test
    void filtersAndJsonLinesExport() {
        String writer = project.key("write");
        String d = project.dialogue(ns);
        project.message(ns, d, "one");
        project.memory(TestProjects.aNamespace(), "elsewhere");
        List<JsonNode> all = TestAudit.events(api, project.adminKey(), 6);
        assertThat(TestAudit.all(api, project.adminKey(), "&namespace=" + ns)).hasSize(2);
        assertThat(TestAudit.all(api, project.adminKey(), "&entity_type=message"))
                .hasSize(1);
        assertThat(TestAudit.all(api, project.adminKey(), "&action=created&after_seq=3"))
                .hasSize(3);
        assertThat(api.get(project.adminKey(), "/v1/audit/events?entity_type=nope")
                        .status())
                .isEqualTo(400);
        assertThat(api.get(project.adminKey(), "/v1/audit/events?after_seq=-1").status())
                .isEqualTo(400);
        assertThat(api.get(project.adminKey(), "/v1/audit/events?format=xml").status())
                .isEqualTo(400);
        assertThat(api.get(writer, "/v1/audit/events").status()).isEqualTo(403);

        TestApi.Response jsonl = api.get(project.adminKey(), "/v1/audit/events?format=jsonl");
        assertThat(jsonl.status()).isEqualTo(200);
        assertThat(jsonl.header("Content-Type")).startsWith("application/x-ndjson");
        String[] lines = jsonl.body().split("\n");
        assertThat(lines).hasSize(6);
        for (int i = 0; i < lines.length; i++) {
            assertThat(TestApi.JSON.readTree(lines[i])).isEqualTo(all.get(i));
        }
        assertThat(api.get(project.adminKey(), "/v1/audit/events?format=jsonl&after_seq=5")
                        .body()
                        .split("\n"))
                .hasSize(1);
    }

    static byte[] leafOf(JsonNode event) {
        ObjectNode envelope = (ObjectNode) event.deepCopy();
        JsonNode data = envelope.remove("data");
        JsonNode salt = envelope.remove("data_salt");
        envelope.remove("leaf_hash");
        if (data != null && !data.isNull()) {
            byte[] prefix = salt == null || salt.isNull() ? new byte[0] : HEX.parseHex(salt.asString());
            byte[] canonical = Jcs.canonical(data);
            byte[] salted = new byte[prefix.length + canonical.length];
            System.arraycopy(prefix, 0, salted, 0, prefix.length);
            System.arraycopy(canonical, 0, salted, prefix.length, canonical.length);
            assertThat(HEX.formatHex(AuditLog.sha256(salted)))
                    .isEqualTo(event.get("data_hash").asString());
        }
        return RfcMerkle.leaf(Jcs.canonical(envelope));
    }

    static List<byte[]> hashes(JsonNode proof) {
        List<byte[]> out = new ArrayList<>();
        proof.get("proof").values().forEach(h -> out.add(HEX.parseHex(h.asString())));
        return out;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
