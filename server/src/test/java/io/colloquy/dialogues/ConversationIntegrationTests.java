package io.colloquy.dialogues;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.audit.TestAudit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Dialogue status and state, threads and message edits (issue 20), over real HTTP. */
@IntegrationTest
class ConversationIntegrationTests {
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

    private String base() {
        return "/v1/namespaces/" + ns + "/dialogues";
    }

    private TestApi.Response send(String method, String path, String body, Map<String, String> headers) {
        var all = new java.util.HashMap<>(headers);
        all.put("Content-Type", "application/json");
        return api.send(method, path, project.adminKey(), body, all);
    }

    // --- status

    @Test
    void aDialogueIsActiveUntilItsStatusChangesAndListsFilterByStatus() {
        TestApi.Response created = api.post(project.adminKey(), base(), json("title", "t"));
        assertThat(created.text("/status")).isEqualTo("active");
        String ended =
                api.post(project.adminKey(), base(), json("status", "ended")).text("/id");
        assertThat(api.patch(project.adminKey(), base() + "/" + created.text("/id"), json("status", "archived"))
                        .text("/status"))
                .isEqualTo("archived");

        assertThat(ids(api.get(project.adminKey(), base() + "?status=ended"))).containsExactly(ended);
        assertThat(ids(api.get(project.adminKey(), base() + "?status=archived")))
                .containsExactly(created.text("/id"));
        assertThat(ids(api.get(project.adminKey(), base() + "?status=active"))).isEmpty();
    }

    @Test
    void refusesAnUnknownStatusWithTheFieldNamed() {
        for (TestApi.Response r : List.of(
                api.post(project.adminKey(), base(), json("status", "closed")),
                api.patch(project.adminKey(), base() + "/" + project.dialogue(ns), json("status", "closed")),
                api.patch(project.adminKey(), base() + "/" + project.dialogue(ns), "{\"status\":null}"),
                api.get(project.adminKey(), base() + "?status=closed"))) {
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("VALIDATION_FAILED");
            assertThat(r.text("/error/fields/0/field")).isEqualTo("status");
        }
    }

    // --- state

    @Test
    void stateStartsEmptyAtVersionZeroThenIsReplacedAndMergedWithEtags() {
        String d = project.dialogue(ns);
        TestApi.Response initial = api.get(project.adminKey(), base() + "/" + d + "/state");
        assertThat(initial.status()).isEqualTo(200);
        assertThat(initial.json().get("state").isEmpty()).isTrue();
        assertThat(initial.json().get("state_version").asLong()).isZero();
        assertThat(initial.header("ETag")).isEqualTo("\"0\"");

        TestApi.Response put = send(
                "PUT",
                base() + "/" + d + "/state",
                json("step", 1, "plan", Map.of("a", 1, "b", 2), "done", false),
                Map.of("If-Match", "\"0\""));
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json().get("state_version").asLong()).isEqualTo(1);
        assertThat(put.header("ETag")).isEqualTo("\"1\"");

        TestApi.Response merged = send(
                "PATCH",
                base() + "/" + d + "/state",
                "{\"step\":2,\"plan\":{\"a\":null,\"c\":3},\"done\":null}",
                Map.of("If-Match", "\"1\""));
        assertThat(merged.status()).as(merged.body()).isEqualTo(200);
        assertThat(merged.json().get("state"))
                .isEqualTo(TestApi.JSON.readTree("{\"step\":2,\"plan\":{\"b\":2,\"c\":3}}"));
        assertThat(merged.json().get("state_version").asLong()).isEqualTo(2);

        TestApi.Response read = api.get(project.adminKey(), base() + "/" + d + "/state");
        assertThat(read.json()).isEqualTo(merged.json());
        assertThat(read.header("ETag")).isEqualTo("\"2\"");

        TestApi.Response mergePatch = api.send(
                "PATCH",
                base() + "/" + d + "/state",
                project.adminKey(),
                "{\"step\":3}",
                Map.of("Content-Type", "application/merge-patch+json", "If-Match", "W/\"2\""));
        assertThat(mergePatch.status()).as(mergePatch.body()).isEqualTo(200);
        assertThat(mergePatch.json().at("/state/step").asInt()).isEqualTo(3);
        assertThat(mergePatch.json().at("/state/plan/b").asInt()).isEqualTo(2);
    }

    @Test
    void aStaleIfMatchIsPreconditionFailedAndChangesNothing() {
        String d = project.dialogue(ns);
        send("PUT", base() + "/" + d + "/state", json("v", "first"), Map.of());
        TestApi.Response stale =
                send("PUT", base() + "/" + d + "/state", json("v", "second"), Map.of("If-Match", "\"0\""));
        assertThat(stale.status()).as(stale.body()).isEqualTo(412);
        assertThat(stale.errorCode()).isEqualTo("PRECONDITION_FAILED");
        assertThat(stale.text("/error/type")).isEqualTo("conflict");
        TestApi.Response merge =
                send("PATCH", base() + "/" + d + "/state", json("v", "third"), Map.of("If-Match", "junk"));
        assertThat(merge.status()).isEqualTo(412);
        assertThat(api.get(project.adminKey(), base() + "/" + d + "/state").text("/state/v"))
                .isEqualTo("first");
        TestApi.Response lastWriterWins = send("PUT", base() + "/" + d + "/state", json("v", "fourth"), Map.of());
        assertThat(lastWriterWins.json().get("state_version").asLong()).isEqualTo(2);
    }

    @Test
    void refusesAStateThatIsNotAnObjectOrLargerThan64KiB() {
        String d = project.dialogue(ns);
        TestApi.Response array = send("PUT", base() + "/" + d + "/state", "[1,2]", Map.of());
        assertThat(array.status()).isEqualTo(400);
        assertThat(array.text("/error/fields/0/field")).isEqualTo("state");
        TestApi.Response big = send("PUT", base() + "/" + d + "/state", json("x", "y".repeat(70_000)), Map.of());
        assertThat(big.status()).as(big.body()).isIn(400, 413);
        TestApi.Response replaced = send("PATCH", base() + "/" + d + "/state", "\"text\"", Map.of());
        assertThat(replaced.status()).isEqualTo(400);
        assertThat(api.get(project.adminKey(), base() + "/" + d + "/state")
                        .json()
                        .get("state_version")
                        .asLong())
                .isZero();
    }

    @Test
    void aStateChangeIsAnAuditedUpdateOfTheDialogueAndRefusedUnderLegalHold() {
        String d = project.dialogue(ns);
        send("PUT", base() + "/" + d + "/state", json("goal", "audited"), Map.of());
        List<JsonNode> events = TestAudit.events(api, project.adminKey(), 4);
        JsonNode last = events.getLast();
        assertThat(last.get("entity_id").asString()).isEqualTo(d);
        assertThat(last.get("action").asString()).isEqualTo("updated");
        assertThat(last.at("/data/state/goal").asString()).isEqualTo("audited");
        assertThat(last.at("/data/state_version").asLong()).isEqualTo(1);

        api.patch(project.adminKey(), base() + "/" + d, json("legal_hold", true));
        TestApi.Response held = send("PUT", base() + "/" + d + "/state", json("goal", "changed"), Map.of());
        assertThat(held.status()).isEqualTo(409);
        assertThat(held.errorCode()).isEqualTo("IMMUTABLE");
    }

    // --- threads

    @Test
    void threadsHangBelowTheirParentAreCountedAndListed() {
        String parent = project.dialogue(ns);
        TestApi.Response t1 = api.post(project.adminKey(), base(), json("title", "t1", "parent_id", parent));
        assertThat(t1.status()).as(t1.body()).isEqualTo(201);
        assertThat(t1.text("/parent_id")).isEqualTo(parent);
        String t2 =
                api.post(project.adminKey(), base(), json("parent_id", parent)).text("/id");
        api.post(project.adminKey(), base(), json("parent_id", t2));

        TestApi.Response read = api.get(project.adminKey(), base() + "/" + parent);
        assertThat(read.json().get("thread_count").asInt()).isEqualTo(2);
        assertThat(read.json().get("parent_id").isNull()).isTrue();
        TestApi.Response page1 = api.get(project.adminKey(), base() + "/" + parent + "/threads?limit=1");
        assertThat(ids(page1)).containsExactly(t2);
        TestApi.Response page2 = api.get(
                project.adminKey(), base() + "/" + parent + "/threads?limit=1&cursor=" + page1.text("/next_cursor"));
        assertThat(ids(page2)).containsExactly(t1.text("/id"));
        assertThat(api.get(project.adminKey(), base() + "/" + t2)
                        .json()
                        .get("thread_count")
                        .asInt())
                .isEqualTo(1);
    }

    @Test
    void aParentOfAnotherNamespaceOrProjectIsNotFoundAndDepthIsLimited() {
        String elsewhere = project.dialogue(TestProjects.aNamespace());
        TestApi.Response other = api.post(project.adminKey(), base(), json("parent_id", elsewhere));
        assertThat(other.status()).isEqualTo(404);
        assertThat(other.errorCode()).isEqualTo("NOT_FOUND");
        TestProject stranger = TestProjects.aProject(api);
        assertThat(api.post(stranger.adminKey(), base(), json("parent_id", project.dialogue(ns)))
                        .status())
                .isEqualTo(404);
        assertThat(api.post(project.adminKey(), base(), json("parent_id", "dlg_nope"))
                        .status())
                .isEqualTo(404);

        String parent = project.dialogue(ns);
        for (int depth = 1; depth <= 8; depth++) {
            TestApi.Response r = api.post(project.adminKey(), base(), json("parent_id", parent));
            assertThat(r.status()).as("depth %d", depth).isEqualTo(201);
            parent = r.text("/id");
        }
        TestApi.Response tooDeep = api.post(project.adminKey(), base(), json("parent_id", parent));
        assertThat(tooDeep.status()).isEqualTo(400);
        assertThat(tooDeep.text("/error/fields/0/field")).isEqualTo("parent_id");
    }

    @Test
    void deletingADialogueDeletesItsThreadsAndALegalHoldInTheTreeRefusesIt() {
        String root = project.dialogue(ns);
        String child =
                api.post(project.adminKey(), base(), json("parent_id", root)).text("/id");
        String grandchild =
                api.post(project.adminKey(), base(), json("parent_id", child)).text("/id");
        project.message(ns, grandchild, "deep message");

        api.patch(project.adminKey(), base() + "/" + grandchild, json("legal_hold", true));
        TestApi.Response refused = api.delete(project.adminKey(), base() + "/" + root);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.errorCode()).isEqualTo("IMMUTABLE");
        api.patch(project.adminKey(), base() + "/" + grandchild, json("legal_hold", false));

        assertThat(api.delete(project.adminKey(), base() + "/" + root).status()).isEqualTo(204);
        for (String gone : List.of(root, child, grandchild)) {
            assertThat(api.get(project.adminKey(), base() + "/" + gone).status())
                    .isEqualTo(404);
        }
        assertThat(api.get(project.adminKey(), base()).json().get("data")).isEmpty();
    }

    @Test
    void restoringADialogueWithinTheRecoveryWindowBringsItsThreadsBack() {
        api.patch(project.adminKey(), "/v1/project", json("recovery_window_days", 7));
        String root = project.dialogue(ns);
        String child =
                api.post(project.adminKey(), base(), json("parent_id", root)).text("/id");
        String grandchild =
                api.post(project.adminKey(), base(), json("parent_id", child)).text("/id");
        assertThat(api.delete(project.adminKey(), base() + "/" + root).status()).isEqualTo(204);
        assertThat(api.get(project.adminKey(), base() + "/" + grandchild).status())
                .isEqualTo(404);
        assertThat(api.post(project.adminKey(), base() + "/" + child + "/restore", null)
                        .status())
                .as("a thread does not come back without its parent")
                .isEqualTo(404);

        TestApi.Response restored = api.post(project.adminKey(), base() + "/" + root + "/restore", null);
        assertThat(restored.status()).as(restored.body()).isEqualTo(200);
        assertThat(restored.json().get("thread_count").asInt()).isEqualTo(1);
        assertThat(api.get(project.adminKey(), base() + "/" + grandchild).text("/parent_id"))
                .isEqualTo(child);
    }

    // --- revision: what a client caching a dialogue's messages checks

    @Test
    void theRevisionMovesWithEveryChangeButAnAppendAndEachMessagePageCarriesIt() {
        api.patch(project.adminKey(), "/v1/project", json("recovery_window_days", 7));
        String d = project.dialogue(ns);
        String messages = base() + "/" + d + "/messages";
        long start = revision(d);
        assertThat(pageRevision(messages)).isEqualTo(start);

        String m = project.message(ns, d, "one");
        project.message(ns, d, "two");
        assertThat(revision(d)).as("an append leaves the revision").isEqualTo(start);
        assertThat(pageRevision(messages + "?after_seq=1")).isEqualTo(start);

        api.patch(project.adminKey(), messages + "/" + m, json("content", "edited"));
        assertThat(revision(d)).as("a message edit").isEqualTo(start + 1);
        assertThat(pageRevision(messages + "?after_seq=2"))
                .as("a page with nothing new still tells the edit")
                .isEqualTo(start + 1);

        assertThat(api.delete(project.adminKey(), messages + "/" + m).status()).isEqualTo(204);
        assertThat(revision(d)).as("a message delete").isEqualTo(start + 2);

        TestApi.Response patched = api.patch(project.adminKey(), base() + "/" + d, json("title", "renamed"));
        assertThat(patched.json().get("revision").asLong())
                .as("the PATCH answers the revision it made")
                .isEqualTo(start + 3);
        assertThat(revision(d)).isEqualTo(start + 3);

        assertThat(api.delete(project.adminKey(), base() + "/" + d).status()).isEqualTo(204);
        TestApi.Response restored = api.post(project.adminKey(), base() + "/" + d + "/restore", null);
        assertThat(restored.json().get("revision").asLong())
                .as("a restore brings back the dialogue as it was: nothing changed while it was deleted")
                .isEqualTo(start + 3);
        assertThat(pageRevision(messages)).isEqualTo(start + 3);
    }

    private long revision(String dialogue) {
        return api.get(project.adminKey(), base() + "/" + dialogue)
                .json()
                .get("revision")
                .asLong();
    }

    private long pageRevision(String path) {
        TestApi.Response page = api.get(project.adminKey(), path);
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        return Long.parseLong(page.header("Colloquy-Dialogue-Revision"));
    }

    // --- message edits

    @Test
    void editsAMessageKeepingThePreviousVersionInTheAuditEvent() {
        String d = project.dialogue(ns);
        String m = project.message(ns, d, "first words");
        TestApi.Response before = api.get(project.adminKey(), base() + "/" + d + "/messages/" + m);
        assertThat(before.json().get("updated_at").isNull()).isTrue();

        TestApi.Response edited = api.patch(
                project.adminKey(),
                base() + "/" + d + "/messages/" + m,
                json("content", "better words", "metadata", Map.of("edited", true)));
        assertThat(edited.status()).as(edited.body()).isEqualTo(200);
        assertThat(edited.text("/content")).isEqualTo("better words");
        assertThat(edited.json().at("/metadata/edited").asBoolean()).isTrue();
        assertThat(edited.json().get("seq").asLong()).isEqualTo(1);
        assertThat(edited.json().get("updated_at").isNull()).isFalse();
        assertThat(api.get(project.adminKey(), base() + "/" + d + "/messages/" + m)
                        .json())
                .isEqualTo(edited.json());
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/search?q=better")
                        .json()
                        .get("data"))
                .hasSize(1);
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/search?q=first")
                        .json()
                        .get("data"))
                .isEmpty();

        JsonNode event = TestAudit.events(api, project.adminKey(), 5).getLast();
        assertThat(event.get("entity_id").asString()).isEqualTo(m);
        assertThat(event.get("action").asString()).isEqualTo("updated");
        assertThat(event.at("/data/previous/content").asString()).isEqualTo("first words");
        assertThat(event.at("/data/message/content").asString()).isEqualTo("better words");
    }

    @Test
    void aMessageEditIsRefusedUnderLegalHoldAndInImmutableProjectsAndValidated() {
        String d = project.dialogue(ns);
        String m = project.message(ns, d, "kept as is");
        TestApi.Response empty =
                api.patch(project.adminKey(), base() + "/" + d + "/messages/" + m, json("content", ""));
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.text("/error/fields/0/field")).isEqualTo("content");
        assertThat(api.patch(project.adminKey(), base() + "/" + d + "/messages/msg_nope", json("content", "x"))
                        .status())
                .isEqualTo(404);

        api.patch(project.adminKey(), base() + "/" + d, json("legal_hold", true));
        TestApi.Response held =
                api.patch(project.adminKey(), base() + "/" + d + "/messages/" + m, json("content", "x"));
        assertThat(held.status()).isEqualTo(409);
        assertThat(held.errorCode()).isEqualTo("IMMUTABLE");

        TestProject frozen = TestProjects.aProject(api, json("name", "frozen", "immutable_dialogues", true));
        String fd = frozen.dialogue(ns);
        String fm = frozen.message(ns, fd, "immutable");
        TestApi.Response immutable =
                api.patch(frozen.adminKey(), base() + "/" + fd + "/messages/" + fm, json("content", "x"));
        assertThat(immutable.status()).isEqualTo(409);
        assertThat(immutable.errorCode()).isEqualTo("IMMUTABLE");
        assertThat(api.get(project.adminKey(), base() + "/" + d + "/messages/" + m)
                        .text("/content"))
                .isEqualTo("kept as is");
    }

    // --- filters

    @Test
    void listsFilterByMetadataEqualityAndTimeRanges() {
        String vip = api.post(project.adminKey(), base(), json("metadata", Map.of("tier", "gold", "n", 5)))
                .text("/id");
        String other = api.post(project.adminKey(), base(), json("metadata", Map.of("tier", "silver")))
                .text("/id");
        assertThat(ids(api.get(project.adminKey(), base() + "?metadata.tier=gold")))
                .containsExactly(vip);
        assertThat(ids(api.get(project.adminKey(), base() + "?metadata.tier=gold&metadata.n=5")))
                .containsExactly(vip);
        assertThat(ids(api.get(project.adminKey(), base() + "?metadata.tier=gold&metadata.n=6")))
                .isEmpty();
        assertThat(ids(api.get(project.adminKey(), base() + "?metadata.tier=bronze")))
                .isEmpty();

        String createdOther = api.get(project.adminKey(), base() + "/" + other).text("/created_at");
        assertThat(ids(api.get(project.adminKey(), base() + "?created_before=" + createdOther)))
                .containsExactly(vip);
        assertThat(ids(api.get(project.adminKey(), base() + "?created_after=2000-01-01T00:00:00Z")))
                .containsExactly(other, vip);
        assertThat(ids(api.get(project.adminKey(), base() + "?updated_after=2999-01-01T00:00:00Z")))
                .isEmpty();
        TestApi.Response bad = api.get(project.adminKey(), base() + "?created_after=yesterday");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.text("/error/fields/0/field")).isEqualTo("created_after");
    }

    @Test
    void searchFiltersByDialogueTagTimeRangesAndMetadata() {
        String vip = api.post(project.adminKey(), base(), json("tags", List.of("vip")))
                .text("/id");
        String plain = project.dialogue(ns);
        api.post(
                project.adminKey(),
                base() + "/" + vip + "/messages",
                json("role", "user", "content", "refund please", "metadata", Map.of("lang", "en")));
        api.post(
                project.adminKey(),
                base() + "/" + plain + "/messages",
                json("role", "user", "content", "refund now", "metadata", Map.of("lang", "fr")));
        api.post(
                project.adminKey(),
                "/v1/namespaces/" + ns + "/memories",
                json("kind", "long_term", "content", "refund policy", "metadata", Map.of("lang", "en")));
        String search = "/v1/namespaces/" + ns + "/search?q=refund";

        assertThat(api.get(project.adminKey(), search).json().get("data")).hasSize(3);
        JsonNode tagged =
                api.get(project.adminKey(), search + "&tag=vip").json().get("data");
        assertThat(tagged).hasSize(1);
        assertThat(tagged.get(0).get("dialogue_id").asString()).isEqualTo(vip);
        JsonNode english =
                api.get(project.adminKey(), search + "&metadata.lang=en").json().get("data");
        assertThat(english.valueStream().map(h -> h.get("type").asString()))
                .containsExactlyInAnyOrder("message", "memory");
        assertThat(api.get(project.adminKey(), search + "&created_after=2999-01-01T00:00:00Z")
                        .json()
                        .get("data"))
                .isEmpty();
        assertThat(api.get(project.adminKey(), search + "&updated_before=2999-01-01T00:00:00Z")
                        .json()
                        .get("data"))
                .hasSize(3);
        TestApi.Response bad = api.get(project.adminKey(), search + "&created_before=tomorrow");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.text("/error/fields/0/field")).isEqualTo("created_before");
    }

    // --- export and erasure

    @Test
    void theExportHoldsStatusStateThreadsEditsAndStructuredMemories() {
        String root =
                api.post(project.adminKey(), base(), json("status", "ended")).text("/id");
        String thread = TestProjects.thread(api, project, ns, root);
        send("PUT", base() + "/" + root + "/state", json("goal", "exported"), Map.of());
        String m = project.message(ns, root, "before edit");
        api.patch(project.adminKey(), base() + "/" + root + "/messages/" + m, json("content", "after edit"));
        api.post(
                project.adminKey(),
                "/v1/namespaces/" + ns + "/memories",
                json(
                        "id",
                        "prefs",
                        "kind",
                        "long_term",
                        "value",
                        Map.of("theme", "dark"),
                        "label",
                        "L",
                        "description",
                        "D"));

        String url = api.post(project.adminKey(), "/v1/namespaces/" + ns + "/export", null)
                .text("/url");
        TestApi.Response export = api.get(null, url.substring(url.indexOf("/v1/")));
        assertThat(export.status()).as(export.body()).isEqualTo(200);
        Map<String, JsonNode> dialogues = new java.util.HashMap<>();
        export.json().get("dialogues").forEach(d -> dialogues.put(d.get("id").asString(), d));
        assertThat(dialogues.get(root).get("status").asString()).isEqualTo("ended");
        assertThat(dialogues.get(root).at("/state/goal").asString()).isEqualTo("exported");
        assertThat(dialogues.get(root).get("state_version").asLong()).isEqualTo(1);
        assertThat(dialogues.get(root).at("/messages/0/content").asString()).isEqualTo("after edit");
        assertThat(dialogues.get(root).at("/messages/0/updated_at").isNull()).isFalse();
        assertThat(dialogues.get(thread).get("parent_id").asString()).isEqualTo(root);
        JsonNode memory = export.json().at("/memories/0");
        assertThat(memory.get("id").asString()).isEqualTo("prefs");
        assertThat(memory.at("/value/theme").asString()).isEqualTo("dark");
        assertThat(memory.get("label").asString()).isEqualTo("L");
        assertThat(memory.get("description").asString()).isEqualTo("D");
        assertThat(export.body()).doesNotContain("before edit");
    }

    @Test
    void erasingTheNamespaceRemovesThreadsStateAndStructuredMemories() {
        String root = project.dialogue(ns);
        TestProjects.thread(api, project, ns, root);
        send("PUT", base() + "/" + root + "/state", json("goal", "erased"), Map.of());
        api.post(
                project.adminKey(),
                "/v1/namespaces/" + ns + "/memories",
                json("id", "gone", "kind", "long_term", "value", 1));
        TestApi.Response erased = api.delete(project.adminKey(), "/v1/namespaces/" + ns);
        assertThat(erased.status()).as(erased.body()).isEqualTo(200);
        assertThat(erased.json().at("/receipt/deleted/dialogues").asLong()).isEqualTo(2);
        assertThat(erased.json().at("/receipt/deleted/memories").asLong()).isEqualTo(1);
        assertThat(api.get(project.adminKey(), base() + "/" + root + "/state").status())
                .isEqualTo(404);
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/memories/gone")
                        .status())
                .isEqualTo(404);
        assertThat(api.post(
                                project.adminKey(),
                                "/v1/namespaces/" + ns + "/memories",
                                json("id", "gone", "kind", "long_term", "value", 2))
                        .status())
                .as("the id is free again")
                .isEqualTo(201);
    }

    private static List<String> ids(TestApi.Response page) {
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        return page.json()
                .get("data")
                .valueStream()
                .map(n -> n.get("id").asString())
                .toList();
    }
}
