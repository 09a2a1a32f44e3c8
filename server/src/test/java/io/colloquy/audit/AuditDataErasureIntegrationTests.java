package io.colloquy.audit;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.crypto.FieldRef;
import io.colloquy.crypto.StoredValues;
import io.colloquy.dialogues.DialogueService;
import io.colloquy.memories.MemoryService;
import io.colloquy.platform.Ids;
import io.colloquy.tenant.TenantTransactions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Content removed for good leaves the audit log too: the data of every event about it is dropped, the
 * salted data_hash says nothing about it any more, and the log still verifies.
 */
@IntegrationTest
class AuditDataErasureIntegrationTests {
    private static final HexFormat HEX = HexFormat.of();

    @LocalServerPort
    int port;

    @Autowired
    DialogueService dialogues;

    @Autowired
    MemoryService memories;

    @Autowired
    TenantTransactions tenants;

    @Autowired
    AuditRepository repository;

    @Autowired
    StoredValues values;

    TestApi api;
    TestProject project;
    String ns;
    String base;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
        base = "/v1/namespaces/" + ns;
    }

    @Test
    void deletingAMessageRemovesItsContentFromTheLogAndTheLogStillVerifies() {
        String d = project.dialogue(ns);
        String kept = project.message(ns, d, "kept words");
        String gone = project.message(ns, d, "short secret");
        assertThat(api.delete(project.adminKey(), base + "/dialogues/" + d + "/messages/" + gone)
                        .status())
                .isEqualTo(204);

        List<JsonNode> events = TestAudit.events(api, project.adminKey(), 5);
        JsonNode created = about(events, gone, "created");
        assertThat(created.get("data").isNull()).isTrue();
        assertThat(created.get("data_salt").isNull()).isTrue();
        assertThat(created.get("data_hash").asString()).hasSize(64);
        assertThat(events.toString()).doesNotContain("short secret");
        assertThat(about(events, kept, "created").at("/data/content").asString())
                .isEqualTo("kept words");
        assertVerifies();
    }

    @Test
    void deletingADialogueRemovesTheDataOfItsEventsAndOfAllItsMessages() {
        String d = project.dialogue(ns);
        api.patch(project.adminKey(), base + "/dialogues/" + d, json("title", "a revealing title"));
        String m1 = project.message(ns, d, "first secret");
        String m2 = project.message(ns, d, "second secret");
        String other = project.dialogue(ns);
        project.message(ns, other, "not deleted");
        TestAudit.events(api, project.adminKey(), 7);
        assertThat(api.delete(project.adminKey(), base + "/dialogues/" + d).status())
                .isEqualTo(204);

        List<JsonNode> events = TestAudit.events(api, project.adminKey(), 11);
        for (String id : List.of(d, m1, m2)) {
            assertThat(events.stream().filter(e -> e.get("entity_id").asString().equals(id)))
                    .as("events of %s", id)
                    .isNotEmpty()
                    .allSatisfy(e -> assertThat(e.get("data").isNull()).isTrue());
        }
        assertThat(events.toString()).doesNotContain("secret").doesNotContain("revealing");
        assertThat(events.toString()).contains("not deleted");
        assertVerifies();
    }

    @Test
    void softDeletedContentKeepsItsEventDataUntilTheRecoveryWindowEnds() {
        api.patch(project.adminKey(), "/v1/project", json("recovery_window_days", 1));
        String d = project.dialogue(ns);
        String m = project.message(ns, d, "recoverable words");
        String memory = project.memory(ns, "recoverable memory");
        api.delete(project.adminKey(), base + "/dialogues/" + d);
        api.delete(project.adminKey(), base + "/memories/" + memory);

        List<JsonNode> before = TestAudit.events(api, project.adminKey(), 7);
        assertThat(about(before, m, "created").at("/data/content").asString()).isEqualTo("recoverable words");
        assertThat(about(before, memory, "created").at("/data/content").asString())
                .isEqualTo("recoverable memory");

        UUID id = TestProjects.uuid(project.id());
        UUID run = Ids.newId(); // the retention run's event, as the purge job records it
        tenants.inProject(id, () -> {
            assertThat(dialogues.purge(id, List.of(TestProjects.uuid(d)), run)).isOne();
            assertThat(memories.purge(id, List.of(TestProjects.uuid(memory)), run))
                    .isOne();
            return null;
        });
        List<JsonNode> after = TestAudit.events(api, project.adminKey(), 9);
        assertThat(about(after, m, "created").get("data").isNull()).isTrue();
        assertThat(about(after, d, "created").get("data").isNull()).isTrue();
        assertThat(about(after, memory, "created").get("data").isNull()).isTrue();
        assertThat(after.toString()).doesNotContain("recoverable");
        assertVerifies();
    }

    @Test
    void deletingAMemoryRemovesItsContentFromTheLog() {
        String memory = project.memory(ns, "remember the pin 1234");
        api.patch(project.adminKey(), base + "/memories/" + memory, json("content", "remember the pin 4321"));
        assertThat(api.delete(project.adminKey(), base + "/memories/" + memory).status())
                .isEqualTo(204);
        List<JsonNode> events = TestAudit.events(api, project.adminKey(), 5);
        assertThat(events.toString()).doesNotContain("remember the pin");
        assertVerifies();
    }

    @Test
    void theDataHashIsSaltedSoAGuessOfTheContentCannotBeConfirmed() throws Exception {
        String d = project.dialogue(ns);
        String m = project.message(ns, d, "yes");
        // project and key created, dialogue created, message created
        JsonNode event = about(TestAudit.events(api, project.adminKey(), 4), m, "created");
        byte[] canonical = Jcs.canonical(event.get("data"));

        String unsalted = HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        assertThat(event.get("data_hash").asString()).isNotEqualTo(unsalted);
        assertThat(event.get("data_salt").asString()).matches("[0-9a-f]{64}");
        MessageDigest salted = MessageDigest.getInstance("SHA-256");
        salted.update(HEX.parseHex(event.get("data_salt").asString()));
        salted.update(canonical);
        assertThat(event.get("data_hash").asString()).isEqualTo(HEX.formatHex(salted.digest()));
    }

    @Test
    void eventsRecordedBeforeSaltingStillVerify() {
        project.dialogue(ns);
        TestAudit.events(api, project.adminKey(), 2);
        UUID projectId = TestProjects.uuid(project.id());
        UUID eventId = Ids.newId();
        String data = "{\"id\":\"mem_legacy\",\"content\":\"recorded the old way\"}";
        AuditEvent old = new AuditEvent(
                projectId,
                0,
                eventId,
                Instant.now(),
                ns,
                "memory",
                "mem_legacy",
                "created",
                "system",
                "test",
                null,
                null,
                AuditLog.sha256(Jcs.canonical(TestApi.JSON.readTree(data))));
        tenants.inProject(projectId, () -> {
            repository.insertOutbox(List.of(new AuditRepository.Pending(
                    old, values.seal(new FieldRef(projectId, ns, AuditLog.DATA_TABLE, eventId, "data"), data))));
            return null;
        });
        JsonNode legacy = about(TestAudit.events(api, project.adminKey(), 4), "mem_legacy", "created");
        assertThat(legacy.get("data_salt").isNull()).isTrue();
        assertThat(legacy.at("/data/content").asString()).isEqualTo("recorded the old way");
        assertVerifies();
    }

    private static JsonNode about(List<JsonNode> events, String entityId, String action) {
        return events.stream()
                .filter(e -> e.get("entity_id").asString().equals(entityId)
                        && e.get("action").asString().equals(action))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + action + " event of " + entityId));
    }

    private void assertVerifies() {
        String publicKey = api.get(project.adminKey(), "/v1/audit/public-key").text("/public_key");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = new AuditVerifyCommand(Map.of())
                .run(
                        List.of(
                                "--url",
                                "http://127.0.0.1:" + port,
                                "--key",
                                project.adminKey(),
                                "--public-key",
                                publicKey),
                        new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(code).as(bytes.toString(StandardCharsets.UTF_8)).isZero();
    }
}
