package io.colloquy.dialogues;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

@IntegrationTest
class DialogueIntegrationTests {
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

    @Test
    void createsReadsUpdatesAndDeletesADialogue() {
        TestApi.Response created = api.post(
                project.adminKey(),
                base(),
                json("title", "Support chat", "metadata", Map.of("channel", "web"), "tags", List.of("vip", "eu")));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.text("/id")).matches("dlg_[0-9a-f]{32}");
        assertThat(created.text("/namespace")).isEqualTo(ns);
        assertThat(created.json().get("message_count").asInt()).isZero();
        assertThat(created.json().get("legal_hold").asBoolean()).isFalse();
        String id = created.text("/id");

        TestApi.Response read = api.get(project.adminKey(), base() + "/" + id);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json()).isEqualTo(created.json());

        TestApi.Response patched =
                api.patch(project.adminKey(), base() + "/" + id, json("title", "Renamed", "tags", List.of("x")));
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.text("/title")).isEqualTo("Renamed");
        assertThat(patched.json().get("tags").get(0).asString()).isEqualTo("x");
        assertThat(patched.json().get("metadata").get("channel").asString()).isEqualTo("web");

        assertThat(api.delete(project.adminKey(), base() + "/" + id).status()).isEqualTo(204);
        assertThat(api.get(project.adminKey(), base() + "/" + id).status()).isEqualTo(404);
    }

    @Test
    void appendsMessagesWithDenseSeqAndListsThemInOrder() {
        String d = project.dialogue(ns);
        TestApi.Response one =
                api.post(project.adminKey(), base() + "/" + d + "/messages", json("role", "user", "content", "hello"));
        assertThat(one.status()).isEqualTo(201);
        assertThat(one.json().get("seq").asLong()).isEqualTo(1);
        assertThat(one.text("/dialogue_id")).isEqualTo(d);
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            batch.add(Map.of("role", i % 2 == 0 ? "assistant" : "user", "content", "m" + i));
        }
        TestApi.Response many = api.post(project.adminKey(), base() + "/" + d + "/messages", json("messages", batch));
        assertThat(many.status()).isEqualTo(201);
        assertThat(many.json().get("data")).hasSize(5);
        assertThat(many.json().get("data").get(4).get("seq").asLong()).isEqualTo(6);

        TestApi.Response page1 = api.get(project.adminKey(), base() + "/" + d + "/messages?limit=4");
        assertThat(seqs(page1.json().get("data"))).containsExactly(1L, 2L, 3L, 4L);
        String cursor = page1.text("/next_cursor");
        TestApi.Response page2 = api.get(project.adminKey(), base() + "/" + d + "/messages?limit=4&cursor=" + cursor);
        assertThat(seqs(page2.json().get("data"))).containsExactly(5L, 6L);
        assertThat(page2.json().get("next_cursor").isNull()).isTrue();
        assertThat(seqs(api.get(project.adminKey(), base() + "/" + d + "/messages?after_seq=4")
                        .json()
                        .get("data")))
                .containsExactly(5L, 6L);
        assertThat(api.get(project.adminKey(), base() + "/" + d)
                        .json()
                        .get("message_count")
                        .asInt())
                .isEqualTo(6);
    }

    @Test
    void thirtyTwoParallelAppendsGetSeqOneToThirtyTwo() throws Exception {
        String d = project.dialogue(ns);
        try (ExecutorService pool = Executors.newFixedThreadPool(32)) {
            List<Future<TestApi.Response>> futures = IntStream.range(0, 32)
                    .mapToObj(i -> pool.submit(() -> api.post(
                            project.adminKey(),
                            base() + "/" + d + "/messages",
                            json("role", "user", "content", "parallel " + i))))
                    .toList();
            Set<Long> seqs = new HashSet<>();
            for (Future<TestApi.Response> f : futures) {
                TestApi.Response r = f.get();
                assertThat(r.status()).as(r.body()).isEqualTo(201);
                seqs.add(r.json().get("seq").asLong());
            }
            assertThat(seqs)
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.rangeClosed(1, 32).mapToObj(i -> (long) i).toList());
        }
        TestApi.Response all = api.get(project.adminKey(), base() + "/" + d + "/messages?limit=200");
        assertThat(seqs(all.json().get("data")))
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, 32).mapToObj(i -> (long) i).toList());
    }

    /**
     * Appends number their messages after the last seq read without a lock and renumber under the lock
     * when another append came first: each batch must still get consecutive seqs, and each message's
     * audit event must carry the seq the message got (not the one first guessed), in seq order.
     */
    @Test
    void parallelBatchesGetConsecutiveSeqsAndEventsCarryTheFinalSeq() throws Exception {
        String d = project.dialogue(ns);
        int batches = 16;
        int size = 3;
        Map<String, Long> seqOfMessage = new java.util.HashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(batches)) {
            List<Future<TestApi.Response>> futures = IntStream.range(0, batches)
                    .mapToObj(b -> pool.submit(() -> api.post(
                            project.adminKey(),
                            base() + "/" + d + "/messages",
                            json(
                                    "messages",
                                    IntStream.range(0, size)
                                            .mapToObj(i -> Map.of("role", "user", "content", "batch " + b + "/" + i))
                                            .toList()))))
                    .toList();
            for (Future<TestApi.Response> f : futures) {
                TestApi.Response r = f.get();
                assertThat(r.status()).as(r.body()).isEqualTo(201);
                List<Long> seqs = seqs(r.json().get("data"));
                assertThat(seqs).hasSize(size);
                assertThat(seqs.getLast() - seqs.getFirst())
                        .as("one batch, consecutive seqs")
                        .isEqualTo(size - 1);
                r.json()
                        .get("data")
                        .forEach(m -> seqOfMessage.put(
                                m.get("id").asString(), m.get("seq").asLong()));
            }
        }
        assertThat(seqOfMessage.values())
                .containsExactlyInAnyOrderElementsOf(
                        LongStream.rangeClosed(1, batches * size).boxed().toList());
        List<JsonNode> events = io.colloquy.audit.TestAudit.events(
                api, project.adminKey(), 3 + batches * size); // project, key, dialogue, messages
        List<Long> eventSeqs = new ArrayList<>();
        for (JsonNode e : events) {
            if (e.get("entity_type").asString().equals("message")) {
                assertThat(e.at("/data/seq").asLong())
                        .as("event of %s", e.get("entity_id").asString())
                        .isEqualTo(seqOfMessage.get(e.get("entity_id").asString()));
                eventSeqs.add(e.at("/data/seq").asLong());
            }
        }
        assertThat(eventSeqs).hasSize(batches * size).isSorted();
    }

    /** The page and the dialogue's presence come from one statement: each case must still answer as before. */
    @Test
    void listsNoMessagesOfAnEmptyDialogueAnd404sForAMissingOrSoftDeletedOne() {
        String empty = project.dialogue(ns);
        TestApi.Response none = api.get(project.adminKey(), base() + "/" + empty + "/messages");
        assertThat(none.status()).as(none.body()).isEqualTo(200);
        assertThat(none.json().get("data")).isEmpty();
        assertThat(none.json().get("next_cursor").isNull()).isTrue();
        api.post(project.adminKey(), base() + "/" + empty + "/messages", json("role", "user", "content", "one"));
        TestApi.Response after = api.get(project.adminKey(), base() + "/" + empty + "/messages?after_seq=1");
        assertThat(after.status()).isEqualTo(200);
        assertThat(after.json().get("data")).isEmpty();

        String missing = "dlg_" + "0".repeat(32);
        assertThat(api.get(project.adminKey(), base() + "/" + missing + "/messages")
                        .text("/error/code"))
                .isEqualTo("NOT_FOUND");

        api.patch(project.adminKey(), "/v1/project", json("recovery_window_days", 7));
        assertThat(api.delete(project.adminKey(), base() + "/" + empty).status())
                .isEqualTo(204);
        assertThat(api.get(project.adminKey(), base() + "/" + empty + "/messages")
                        .status())
                .as("soft-deleted")
                .isEqualTo(404);
    }

    @Test
    void listsDialoguesNewestFirstAcrossPagesWithoutGapsAndFiltersByTag() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(api.post(
                            project.adminKey(),
                            base(),
                            json("title", "d" + i, "tags", List.of(i % 2 == 0 ? "even" : "odd")))
                    .text("/id"));
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            TestApi.Response page =
                    api.get(project.adminKey(), base() + "?limit=3" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).isEqualTo(200);
            page.json().get("data").forEach(d -> seen.add(d.get("id").asString()));
            cursor = page.json().get("next_cursor").isNull() ? null : page.text("/next_cursor");
        } while (cursor != null);
        assertThat(seen).containsExactlyElementsOf(ids.reversed());
        TestApi.Response even = api.get(project.adminKey(), base() + "?tag=even");
        assertThat(even.json().get("data")).hasSize(4);
        assertThat(api.get(project.adminKey(), base() + "?tag=none").json().get("data"))
                .isEmpty();
    }

    @Test
    void deletesAMessageAndKeepsLaterSeqs() {
        String d = project.dialogue(ns);
        String m1 = project.message(ns, d, "one");
        project.message(ns, d, "two");
        assertThat(api.delete(project.adminKey(), base() + "/" + d + "/messages/" + m1)
                        .status())
                .isEqualTo(204);
        assertThat(api.get(project.adminKey(), base() + "/" + d + "/messages/" + m1)
                        .status())
                .isEqualTo(404);
        assertThat(api.get(project.adminKey(), base() + "/" + d)
                        .json()
                        .get("message_count")
                        .asInt())
                .isEqualTo(1);
        TestApi.Response next =
                api.post(project.adminKey(), base() + "/" + d + "/messages", json("role", "tool", "content", "three"));
        assertThat(next.json().get("seq").asLong()).isEqualTo(3);
    }

    @Test
    void immutableProjectRefusesEditsAndDeletesButAcceptsAppends() {
        TestProject immutable = TestProjects.aProject(api, "{\"name\":\"immutable\",\"immutable_dialogues\":true}");
        String d = immutable.dialogue(ns);
        String m = immutable.message(ns, d, "kept forever");
        assertThat(api.patch(immutable.adminKey(), base() + "/" + d, json("title", "changed"))
                        .errorCode())
                .isEqualTo("IMMUTABLE");
        assertThat(api.delete(immutable.adminKey(), base() + "/" + d).status()).isEqualTo(409);
        assertThat(api.delete(immutable.adminKey(), base() + "/" + d + "/messages/" + m)
                        .errorCode())
                .isEqualTo("IMMUTABLE");
        assertThat(api.get(immutable.adminKey(), base() + "/" + d).text("/title"))
                .isEqualTo("a dialogue");
        assertThat(api.patch(immutable.adminKey(), "/v1/project", json("immutable_dialogues", false))
                        .status())
                .isEqualTo(400);
    }

    @Test
    void legalHoldNeedsAdminAndFreezesTheDialogueUntilReleased() {
        String d = project.dialogue(ns);
        String m = project.message(ns, d, "evidence");
        String writer = project.key("write");
        TestApi.Response byWriter = api.patch(writer, base() + "/" + d, json("legal_hold", true));
        assertThat(byWriter.status()).isEqualTo(403);
        assertThat(byWriter.errorCode()).isEqualTo("FORBIDDEN");
        assertThat(api.patch(project.adminKey(), base() + "/" + d, json("legal_hold", true))
                        .json()
                        .get("legal_hold")
                        .asBoolean())
                .isTrue();
        assertThat(api.delete(writer, base() + "/" + d).errorCode()).isEqualTo("IMMUTABLE");
        assertThat(api.delete(writer, base() + "/" + d + "/messages/" + m).errorCode())
                .isEqualTo("IMMUTABLE");
        assertThat(api.patch(writer, base() + "/" + d, json("title", "x")).errorCode())
                .isEqualTo("IMMUTABLE");
        assertThat(api.patch(project.adminKey(), base() + "/" + d, json("legal_hold", false))
                        .status())
                .isEqualTo(200);
        assertThat(api.delete(writer, base() + "/" + d).status()).isEqualTo(204);
    }

    private static List<Long> seqs(JsonNode data) {
        List<Long> out = new ArrayList<>();
        data.forEach(m -> out.add(m.get("seq").asLong()));
        return out;
    }
}
