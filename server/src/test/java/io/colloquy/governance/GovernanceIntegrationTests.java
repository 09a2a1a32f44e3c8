package io.colloquy.governance;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.DatabaseEndpoint;
import io.colloquy.tenant.Namespace;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

@IntegrationTest
class GovernanceIntegrationTests {
    @LocalServerPort
    int port;

    @Autowired
    DatabaseEndpoint db;

    @Autowired
    Exports exports;

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
    void withARecoveryWindowDeletedThingsVanishEverywhereAndComeBackIdentical() {
        api.patch(project.adminKey(), "/v1/project", json("recovery_window_days", 7));
        String base = "/v1/namespaces/" + ns;
        String d = project.dialogue(ns);
        String m = project.message(ns, d, "recoverable words");
        String mem = project.memory(ns, "recoverable memory");
        String dialogueBefore =
                api.get(project.adminKey(), base + "/dialogues/" + d).body();
        String memoryBefore =
                api.get(project.adminKey(), base + "/memories/" + mem).body();

        assertThat(api.delete(project.adminKey(), base + "/dialogues/" + d).status())
                .isEqualTo(204);
        assertThat(api.delete(project.adminKey(), base + "/memories/" + mem).status())
                .isEqualTo(204);
        assertThat(api.get(project.adminKey(), base + "/dialogues/" + d).status())
                .isEqualTo(404);
        assertThat(api.get(project.adminKey(), base + "/dialogues/" + d + "/messages/" + m)
                        .status())
                .isEqualTo(404);
        assertThat(api.get(project.adminKey(), base + "/dialogues").json().get("data"))
                .isEmpty();
        assertThat(api.get(project.adminKey(), base + "/memories/" + mem).status())
                .isEqualTo(404);
        assertThat(api.get(project.adminKey(), base + "/search?q=recoverable")
                        .json()
                        .get("data"))
                .isEmpty();
        assertThat(api.post(
                                project.adminKey(),
                                base + "/dialogues/" + d + "/messages",
                                json("role", "user", "content", "x"))
                        .status())
                .isEqualTo(404);

        TestApi.Response restored = api.post(project.adminKey(), base + "/dialogues/" + d + "/restore", null);
        assertThat(restored.status()).isEqualTo(200);
        assertThat(api.get(project.adminKey(), base + "/dialogues/" + d).body()).isEqualTo(dialogueBefore);
        assertThat(api.post(project.adminKey(), base + "/memories/" + mem + "/restore", null)
                        .status())
                .isEqualTo(200);
        assertThat(api.get(project.adminKey(), base + "/memories/" + mem).body())
                .isEqualTo(memoryBefore);
        assertThat(api.get(project.adminKey(), base + "/search?q=recoverable")
                        .json()
                        .get("data"))
                .hasSize(2);
        assertThat(api.post(project.adminKey(), base + "/dialogues/" + d + "/restore", null)
                        .status())
                .as("restoring what is not deleted")
                .isEqualTo(404);
    }

    @Test
    void withoutARecoveryWindowDeletionIsFinal() {
        String base = "/v1/namespaces/" + ns;
        String d = project.dialogue(ns);
        assertThat(api.delete(project.adminKey(), base + "/dialogues/" + d).status())
                .isEqualTo(204);
        assertThat(api.post(project.adminKey(), base + "/dialogues/" + d + "/restore", null)
                        .status())
                .isEqualTo(404);
    }

    @Test
    void erasingANamespaceLeavesNoRowOfItAndReturnsAVerifiableReceipt() throws Exception {
        String other = TestProjects.aNamespace();
        String d = project.dialogue(ns);
        project.message(ns, d, "one");
        project.message(ns, d, "two");
        project.memory(ns, "three");
        String kept = project.dialogue(other);
        project.message(other, kept, "stays");

        TestApi.Response r = api.delete(project.adminKey(), "/v1/namespaces/" + ns);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().at("/receipt/subject").asString()).isEqualTo("namespace");
        assertThat(r.json().at("/receipt/deleted/dialogues").asLong()).isEqualTo(1);
        assertThat(r.json().at("/receipt/deleted/messages").asLong()).isEqualTo(2);
        assertThat(r.json().at("/receipt/deleted/memories").asLong()).isEqualTo(1);
        assertThat(r.json().at("/receipt/audit_checkpoint/root_hash").asString())
                .matches("[0-9a-f]{64}");
        String text = r.text("/signed_text");
        assertThat(verifies(text, r.text("/signature"))).isTrue();
        assertThat(verifies(text.replace("\"dialogues\":1", "\"dialogues\":0"), r.text("/signature")))
                .isFalse();

        assertThat(rowsOf(TestProjects.uuid(project.id()), ns)).isEmpty();
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + other + "/dialogues/" + kept + "/messages")
                        .json()
                        .get("data"))
                .hasSize(1);
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues")
                        .json()
                        .get("data"))
                .isEmpty();
        String writer = project.key("write");
        assertThat(api.delete(writer, "/v1/namespaces/" + other).status()).isEqualTo(403);
    }

    @Test
    void erasureIsRefusedUnderLegalHoldAndInImmutableProjects() {
        String d = project.dialogue(ns);
        api.patch(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d, json("legal_hold", true));
        TestApi.Response held = api.delete(project.adminKey(), "/v1/namespaces/" + ns);
        assertThat(held.status()).isEqualTo(409);
        assertThat(held.errorCode()).isEqualTo("IMMUTABLE");
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d)
                        .status())
                .isEqualTo(200);

        TestProject immutable = TestProjects.aProject(api, json("name", "frozen", "immutable_dialogues", true));
        immutable.dialogue(ns);
        assertThat(api.delete(immutable.adminKey(), "/v1/namespaces/" + ns).errorCode())
                .isEqualTo("IMMUTABLE");
    }

    @Test
    void deletingAProjectLeavesNoRowInAnyTableAndKeepsItsReceipt() throws Exception {
        String d = project.dialogue(ns);
        project.message(ns, d, "gone");
        project.memory(ns, "gone too");
        project.key("read");
        UUID id = TestProjects.uuid(project.id());
        TestApi.Response r = api.delete(project.adminKey(), "/v1/project");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().at("/receipt/subject").asString()).isEqualTo("project");
        assertThat(r.json().at("/receipt/deleted/api_keys").asLong()).isEqualTo(2);
        assertThat(r.json().at("/receipt/deleted/messages").asLong()).isEqualTo(1);
        assertThat(verifies(r.text("/signed_text"), r.text("/signature"))).isTrue();
        assertThat(rowsOf(id, null)).isEmpty();
        try (Connection c = superuser();
                PreparedStatement s = c.prepareStatement(
                        "SELECT signed_text FROM colloquy.deletion_receipts WHERE subject_project = ?")) {
            s.setObject(1, id);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(r.text("/signed_text"));
            }
            try (Statement s2 = c.createStatement()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(
                                () -> s2.execute("DELETE FROM colloquy.deletion_receipts"))
                        .hasMessageContaining("append-only");
            }
        }
    }

    @Test
    void exportStreamsTheWholeNamespaceByASignedLinkThatExpires() {
        String d = project.dialogue(ns);
        project.message(ns, d, "exported message");
        project.memory(ns, "exported memory");
        String other = TestProjects.aNamespace();
        project.memory(other, "not exported");
        TestApi.Response link = api.post(project.adminKey(), "/v1/namespaces/" + ns + "/export", null);
        assertThat(link.status()).as(link.body()).isEqualTo(200);
        String url = link.text("/url");
        assertThat(Instant.parse(link.text("/expires_at")))
                .isBetween(Instant.now().plusSeconds(500), Instant.now().plusSeconds(601));
        String path = url.substring(url.indexOf("/v1/"));

        TestApi.Response export = api.get(null, path);
        assertThat(export.status()).as(export.body()).isEqualTo(200);
        assertThat(export.json().get("dialogues")).hasSize(1);
        assertThat(export.json().at("/dialogues/0/messages/0/content").asString())
                .isEqualTo("exported message");
        assertThat(export.json().at("/memories/0/content").asString()).isEqualTo("exported memory");
        assertThat(export.body()).doesNotContain("not exported");

        String tampered = path.substring(0, path.length() - 2) + (path.endsWith("AA") ? "BB" : "AA");
        assertForbidden(api.get(null, tampered));
        Exports.Link expired = exports.create(
                TestProjects.uuid(project.id()),
                new Namespace(ns),
                TestProjects.uuid(project.adminKeyId()),
                Instant.now().minusSeconds(1));
        assertForbidden(api.get(null, "/v1/exports/" + expired.token()));
        assertForbidden(api.get(null, "/v1/exports/garbage"));
        assertThat(api.post(project.key("write"), "/v1/namespaces/" + ns + "/export", null)
                        .status())
                .isEqualTo(403);
    }

    @Test
    void anExportLinkIsNeverCachedNorPassedOnAsAReferrer() {
        project.message(ns, project.dialogue(ns), "private words");
        TestApi.Response export = api.get(null, exportPath(project.adminKey()));
        assertThat(export.status()).as(export.body()).isEqualTo(200);
        assertThat(export.header("Cache-Control")).isEqualTo("no-store");
        assertThat(export.header("Referrer-Policy")).isEqualTo("no-referrer");
    }

    @Test
    void anExportLinkIsRefusedOnceTheKeyThatMadeItIsRevoked() {
        project.message(ns, project.dialogue(ns), "exported until revoked");
        TestApi.Response created =
                api.post(project.adminKey(), "/v1/keys", json("name", "exporter", "capabilities", List.of("admin")));
        String path = exportPath(created.text("/key"));
        assertThat(api.get(null, path).status()).isEqualTo(200);

        assertThat(api.delete(project.adminKey(), "/v1/keys/" + created.text("/id"))
                        .status())
                .isEqualTo(204);
        TestApi.Response refused = api.get(null, path);
        assertForbidden(refused);
        assertThat(refused.body()).doesNotContain("exported until revoked");
    }

    @Test
    void anExportLinkIsRefusedOnceTheKeyThatMadeItHasExpired() {
        TestApi.Response created = api.post(
                project.adminKey(),
                "/v1/keys",
                json(
                        "name",
                        "short-lived",
                        "capabilities",
                        List.of("admin"),
                        "expires_at",
                        Instant.now().plusSeconds(2).toString()));
        String path = exportPath(created.text("/key"));
        assertThat(api.get(null, path).status()).isEqualTo(200);
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        TestApi.Response r = api.get(null, path);
        while (r.status() == 200 && System.nanoTime() < deadline) {
            io.colloquy.audit.TestAudit.sleep(100);
            r = api.get(null, path);
        }
        assertForbidden(r);
        assertThat(Instant.now()).isAfter(Instant.parse(created.text("/expires_at")));
    }

    @Test
    void anExportLinkFetchedWithAnAuthorizationHeaderWorksTheSame() {
        project.message(ns, project.dialogue(ns), "exported whatever the header");
        String path = exportPath(project.adminKey());
        String otherProjectsKey = TestProjects.aProject(api).adminKey();
        for (String key : List.of(project.adminKey(), project.key("read"), otherProjectsKey)) {
            TestApi.Response export = api.get(key, path);
            assertThat(export.status()).as(export.body()).isEqualTo(200);
            assertThat(export.json().at("/dialogues/0/messages/0/content").asString())
                    .isEqualTo("exported whatever the header");
        }
        TestApi.Response badKey = api.get("cq_key_" + "0".repeat(32) + "_" + "A".repeat(43), path);
        assertThat(badKey.status()).as(badKey.body()).isEqualTo(401);
        assertThat(badKey.errorCode()).isEqualTo("UNAUTHENTICATED");
    }

    /** The path of a fresh export link for {@link #ns}, made with {@code adminKey}. */
    private String exportPath(String adminKey) {
        TestApi.Response link = api.post(adminKey, "/v1/namespaces/" + ns + "/export", null);
        assertThat(link.status()).as(link.body()).isEqualTo(200);
        String url = link.text("/url");
        return url.substring(url.indexOf("/v1/"));
    }

    @Autowired
    Retention retention;

    @Autowired
    io.colloquy.tenant.TenantTransactions tenants;

    @Test
    void retentionPurgesADialogueWithItsThreadsButNeverATreeHoldingALegalHold() {
        api.patch(project.adminKey(), "/v1/project", json("retention", Map.of("dialogue_days", 2)));
        String base = "/v1/namespaces/" + ns + "/dialogues/";
        String root = project.dialogue(ns);
        String thread = TestProjects.thread(api, project, ns, root);
        project.message(ns, thread, "purged with its parent");
        String heldRoot = project.dialogue(ns);
        String heldThread = TestProjects.thread(api, project, ns, heldRoot);
        api.patch(project.adminKey(), base + heldThread, json("legal_hold", true));
        UUID id = TestProjects.uuid(project.id());
        Instant later = Instant.now().plus(java.time.Duration.ofDays(3));
        assertThat(tenants.inProject(id, () -> retention.preview(id, later))
                        .dialogues()
                        .firstIds())
                .as("a tree holding a legal hold is not even a candidate")
                .containsExactlyInAnyOrder(root, thread);

        retention.purgeProject(id, later);

        assertThat(api.get(project.adminKey(), base + root).status()).isEqualTo(404);
        assertThat(api.get(project.adminKey(), base + thread).status()).isEqualTo(404);
        assertThat(api.get(project.adminKey(), base + heldRoot).status()).isEqualTo(200);
        assertThat(api.get(project.adminKey(), base + heldThread).status()).isEqualTo(200);
    }

    @Test
    void retentionPurgesExactlyTheExpiredUnheldEntitiesAndThePreviewMatchesTheRun() {
        api.patch(
                project.adminKey(),
                "/v1/project",
                json(
                        "recovery_window_days",
                        1,
                        "retention",
                        Map.of("dialogue_days", 2, "short_term_memory_days", 1, "long_term_memory_days", 5)));
        String base = "/v1/namespaces/" + ns;
        String stale = project.dialogue(ns);
        String held = project.dialogue(ns);
        api.patch(project.adminKey(), base + "/dialogues/" + held, json("legal_hold", true));
        String deleted = project.dialogue(ns);
        api.delete(project.adminKey(), base + "/dialogues/" + deleted);
        String shortTerm = api.post(project.adminKey(), base + "/memories", json("kind", "short_term", "content", "s"))
                .text("/id");
        String longTerm = api.post(project.adminKey(), base + "/memories", json("kind", "long_term", "content", "l"))
                .text("/id");
        UUID id = TestProjects.uuid(project.id());

        TestApi.Response now = api.get(project.adminKey(), "/v1/project/retention/preview");
        assertThat(now.status()).as(now.body()).isEqualTo(200);
        assertThat(now.json().at("/dialogues/count").asLong()).isZero();
        assertThat(now.json().at("/memories/count").asLong()).isZero();

        Instant later = Instant.now().plus(java.time.Duration.ofDays(3));
        Retention.Preview preview = tenants.inProject(id, () -> retention.preview(id, later));
        assertThat(preview.dialogues().firstIds()).containsExactlyInAnyOrder(stale, deleted);
        assertThat(preview.memories().firstIds()).containsExactly(shortTerm);
        assertThat(retention.purgeProject(id, later))
                .containsExactly(
                        Map.entry("dialogues", preview.dialogues().count()),
                        Map.entry("memories", preview.memories().count()),
                        Map.entry("embeddings", 0L)); // vectors go with their items (the embedding worker)
        assertThat(tenants.inProject(id, () -> retention.preview(id, later))
                        .dialogues()
                        .count())
                .isZero();

        assertThat(api.get(project.adminKey(), base + "/dialogues/" + stale).status())
                .isEqualTo(404);
        assertThat(api.post(project.adminKey(), base + "/dialogues/" + deleted + "/restore", null)
                        .status())
                .isEqualTo(404);
        assertThat(api.get(project.adminKey(), base + "/dialogues/" + held).status())
                .isEqualTo(200);
        assertThat(api.get(project.adminKey(), base + "/memories/" + shortTerm).status())
                .isEqualTo(404);
        assertThat(api.get(project.adminKey(), base + "/memories/" + longTerm).status())
                .isEqualTo(200);
    }

    /**
     * Generated scenarios (jqwik generators): retention settings, later clocks, holds and expiries; the purge
     * must remove exactly what a plain reference says has expired and is not held, and the preview must match.
     */
    @Test
    void retentionMatchesAReferenceOnGeneratedScenarios() {
        net.jqwik.api.Arbitrary<Integer> days =
                net.jqwik.api.Arbitraries.integers().between(1, 6);
        net.jqwik.api.Arbitrary<Integer> laterDays =
                net.jqwik.api.Arbitraries.integers().between(0, 8);
        net.jqwik.api.Arbitrary<Boolean> coin = net.jqwik.api.Arbitraries.of(true, false);
        for (int scenario = 0; scenario < 4; scenario++) {
            TestProject p = TestProjects.aProject(api);
            int dialogueDays = days.sample();
            int shortDays = days.sample();
            int longDays = days.sample();
            api.patch(
                    p.adminKey(),
                    "/v1/project",
                    json(
                            "retention",
                            Map.of(
                                    "dialogue_days",
                                    dialogueDays,
                                    "short_term_memory_days",
                                    shortDays,
                                    "long_term_memory_days",
                                    longDays)));
            String base = "/v1/namespaces/" + ns;
            Map<String, Boolean> heldDialogues = new java.util.HashMap<>();
            for (int i = 0; i < 3; i++) {
                String d = p.dialogue(ns);
                boolean held = coin.sample();
                if (held) {
                    api.patch(p.adminKey(), base + "/dialogues/" + d, json("legal_hold", true));
                }
                heldDialogues.put(d, held);
            }
            Map<String, Integer> memoryDays = new java.util.HashMap<>();
            Map<String, Integer> memoryExpiry = new java.util.HashMap<>();
            for (int i = 0; i < 4; i++) {
                boolean shortTerm = coin.sample();
                Integer expiresInDays = coin.sample() ? days.sample() : null;
                String body = expiresInDays == null
                        ? json("kind", shortTerm ? "short_term" : "long_term", "content", "m" + i)
                        : json(
                                "kind",
                                shortTerm ? "short_term" : "long_term",
                                "content",
                                "m" + i,
                                "expires_at",
                                Instant.now()
                                        .plus(java.time.Duration.ofDays(expiresInDays))
                                        .toString());
                String id = api.post(p.adminKey(), base + "/memories", body).text("/id");
                memoryDays.put(id, shortTerm ? shortDays : longDays);
                if (expiresInDays != null) {
                    memoryExpiry.put(id, expiresInDays);
                }
            }
            int later = laterDays.sample();
            // a clock "later" days (and a bit) ahead: everything made just now is exactly that old
            Instant now = Instant.now().plus(java.time.Duration.ofDays(later)).plusSeconds(60);
            List<String> expectedDialogues = heldDialogues.entrySet().stream()
                    .filter(e -> !e.getValue() && later >= dialogueDays)
                    .map(Map.Entry::getKey)
                    .sorted()
                    .toList();
            List<String> expectedMemories = memoryDays.keySet().stream()
                    .filter(id -> later >= memoryDays.get(id)
                            || (memoryExpiry.containsKey(id) && later >= memoryExpiry.get(id)))
                    .sorted()
                    .toList();
            UUID id = TestProjects.uuid(p.id());
            Retention.Preview preview = tenants.inProject(id, () -> retention.preview(id, now));
            assertThat(preview.dialogues().firstIds().stream().sorted().toList())
                    .as("scenario %d: dialogue days %d, %d days later", scenario, dialogueDays, later)
                    .isEqualTo(expectedDialogues);
            assertThat(preview.memories().firstIds().stream().sorted().toList())
                    .as(
                            "scenario %d: memory days %s, expiries %s, %d days later",
                            scenario, memoryDays, memoryExpiry, later)
                    .isEqualTo(expectedMemories);
            assertThat(retention.purgeProject(id, now))
                    .containsExactly(
                            Map.entry("dialogues", (long) expectedDialogues.size()),
                            Map.entry("memories", (long) expectedMemories.size()),
                            Map.entry("embeddings", 0L));
            for (String d : heldDialogues.keySet()) {
                assertThat(api.get(p.adminKey(), base + "/dialogues/" + d).status())
                        .isEqualTo(expectedDialogues.contains(d) ? 404 : 200);
            }
        }
    }

    @Test
    void immutableProjectsNeverLoseDialoguesToRetention() {
        TestProject immutable = TestProjects.aProject(api, json("name", "archive", "immutable_dialogues", true));
        api.patch(immutable.adminKey(), "/v1/project", json("retention", Map.of("dialogue_days", 1)));
        String d = immutable.dialogue(ns);
        UUID id = TestProjects.uuid(immutable.id());
        Instant later = Instant.now().plus(java.time.Duration.ofDays(30));
        assertThat(retention.purgeProject(id, later)).containsEntry("dialogues", 0L);
        assertThat(api.get(immutable.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d)
                        .status())
                .isEqualTo(200);
    }

    @Test
    void governanceActionsAreAudited() {
        api.patch(project.adminKey(), "/v1/project", json("recovery_window_days", 3));
        String d = project.dialogue(ns);
        api.delete(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d);
        api.post(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d + "/restore", null);
        String url = api.post(project.adminKey(), "/v1/namespaces/" + ns + "/export", null)
                .text("/url");
        assertThat(api.get(null, url.substring(url.indexOf("/v1/"))).status()).isEqualTo(200);
        api.delete(project.adminKey(), "/v1/namespaces/" + ns);
        List<String> actions = new ArrayList<>();
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            actions = io.colloquy.audit.TestAudit.all(api, project.adminKey(), "").stream()
                    .map(e -> e.get("entity_type").asString() + ":"
                            + e.get("action").asString())
                    .toList();
            if (actions.contains("namespace:deleted")) {
                break;
            }
            io.colloquy.audit.TestAudit.sleep(50);
        }
        assertThat(actions)
                .contains(
                        "dialogue:deleted",
                        "dialogue:restored",
                        "namespace:export.created",
                        "namespace:export.used",
                        "namespace:deleted");
    }

    @Test
    void theAuditDataResealPathServesOnlyTheProjectsOwnTransactionAndChangesNothingElse() throws Exception {
        project.dialogue(ns);
        TestProject other = TestProjects.aProject(api);
        io.colloquy.audit.TestAudit.events(api, other.adminKey(), 1);
        try (Connection app = DriverManager.getConnection(db.jdbcUrl(), db.appUser(), db.appPassword());
                Statement s = app.createStatement()) {
            app.setAutoCommit(false);
            s.execute("SELECT colloquy.set_tenant('" + TestProjects.uuid(project.id()) + "', '*')");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.execute("SELECT colloquy.reseal_audit_data('"
                            + TestProjects.uuid(other.id()) + "', 1, '\\x00'::bytea)"))
                    .hasMessageContaining("only the project's own tenant transaction");
            app.rollback();
            s.execute("SELECT colloquy.set_tenant('" + TestProjects.uuid(project.id()) + "', '*')");
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> s.execute("UPDATE colloquy.audit_events SET data = NULL WHERE project_id = '"
                                    + TestProjects.uuid(project.id()) + "'"))
                    .hasMessageContaining("permission denied");
            app.rollback();
        }
    }

    private static void assertForbidden(TestApi.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(403);
        assertThat(r.errorCode()).isEqualTo("FORBIDDEN");
        assertThat(r.json().at("/error/request_id").asString()).startsWith("req_");
    }

    /** Verifies with the public key a client gets from the API, as a client would. */
    private boolean verifies(String text, String signature) throws Exception {
        String reader = TestProjects.aProject(api).key("read");
        byte[] raw = Base64.getDecoder()
                .decode(api.get(reader, "/v1/audit/public-key").text("/public_key"));
        byte[] der = java.util.HexFormat.of()
                .parseHex("302a300506032b6570032100" + java.util.HexFormat.of().formatHex(raw));
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(java.security.KeyFactory.getInstance("Ed25519")
                .generatePublic(new java.security.spec.X509EncodedKeySpec(der)));
        s.update(text.getBytes(StandardCharsets.UTF_8));
        return s.verify(Base64.getDecoder().decode(signature));
    }

    private Connection superuser() throws SQLException {
        return DriverManager.getConnection(
                db.embedded().superuserJdbcUrl(),
                db.embedded().superuser(),
                db.embedded().superuserPassword());
    }

    /** Catalog-driven: rows of this project (and namespace) left in any table, as "table: count". */
    private List<String> rowsOf(UUID project, String namespace) throws SQLException {
        List<String> left = new ArrayList<>();
        try (Connection c = superuser();
                Statement s = c.createStatement()) {
            List<String[]> tables = new ArrayList<>();
            try (ResultSet r = s.executeQuery("""
                    SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'namespace')
                      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'colloquy' AND c.relkind = 'r'
                       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'project_id')""")) {
                while (r.next()) {
                    tables.add(new String[] {r.getString(1), String.valueOf(r.getBoolean(2))});
                }
            }
            assertThat(tables).hasSizeGreaterThan(5);
            for (String[] t : tables) {
                if (namespace != null && (!Boolean.parseBoolean(t[1]) || t[0].startsWith("audit_"))) {
                    continue; // a namespace's audit events stay in the project's log, their data shredded
                }
                String sql = "SELECT count(*) FROM colloquy." + t[0] + " WHERE project_id = ?"
                        + (namespace != null ? " AND namespace = ?" : "");
                try (PreparedStatement p = c.prepareStatement(sql)) {
                    p.setObject(1, project);
                    if (namespace != null) {
                        p.setString(2, namespace);
                    }
                    try (ResultSet r = p.executeQuery()) {
                        r.next();
                        if (r.getLong(1) > 0) {
                            left.add(t[0] + ": " + r.getLong(1));
                        }
                    }
                }
            }
        }
        return left;
    }
}
