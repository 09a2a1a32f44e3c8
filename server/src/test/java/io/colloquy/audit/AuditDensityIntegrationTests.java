package io.colloquy.audit;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * 16 concurrent writers, 500 changes each, spread over 4 projects, while three more sequencers (as
 * other server instances on the same database would run them) compete with the server's own: every
 * project's seqs are exactly 1..N, every change has exactly one event, and the changes of one dialogue
 * keep their order.
 */
@IntegrationTest
class AuditDensityIntegrationTests {
    static final int WRITERS = 16;
    static final int CHANGES = 500;
    static final int PROJECTS = 4;

    @LocalServerPort
    int port;

    @Autowired
    SequencerRepository sequencer;

    @Autowired
    AuditRepository log;

    @Autowired
    TenantScope tenants;

    @Test
    void concurrentWritersGetDenseGaplessSeqsAndOneEventPerChange() throws Exception {
        TestApi api = new TestApi(port);
        List<TestProject> projects = new ArrayList<>();
        Map<TestProject, List<String>> shared = new HashMap<>();
        for (int i = 0; i < PROJECTS; i++) {
            TestProject p = TestProjects.aProject(api);
            projects.add(p);
            shared.put(p, List.of(p.dialogue("density"), p.dialogue("density")));
        }
        long started = System.nanoTime();
        List<Future<List<String>>> writers = new ArrayList<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Thread> otherInstances = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            AuditSequencer other = new AuditSequencer(
                    sequencer,
                    log,
                    tenants,
                    Clock.systemUTC(),
                    new StaticListableBeanFactory().getBeanProvider(MeterRegistry.class),
                    Duration.ofMillis(5));
            otherInstances.add(Thread.ofPlatform().start(() -> {
                while (writing.get()) {
                    other.round();
                }
            }));
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(WRITERS)) {
            for (int w = 0; w < WRITERS; w++) {
                TestProject p = projects.get(w % PROJECTS);
                String dialogue = shared.get(p).get((w / PROJECTS) % 2);
                int writer = w;
                writers.add(pool.submit(() -> write(api, p, dialogue, writer)));
            }
        }
        Map<TestProject, List<String>> changed = new HashMap<>();
        for (int w = 0; w < WRITERS; w++) {
            changed.computeIfAbsent(projects.get(w % PROJECTS), p -> new ArrayList<>())
                    .addAll(writers.get(w).get());
        }
        writing.set(false);
        for (Thread t : otherInstances) {
            t.join();
        }
        double writeSeconds = (System.nanoTime() - started) / 1e9;
        long lastWrite = System.nanoTime();
        for (TestProject p : projects) {
            List<String> ids = changed.get(p);
            // project created, its first key, two shared dialogues, then every change of its writers
            int expected = 4 + ids.size();
            List<JsonNode> events = TestAudit.events(api, p.adminKey(), expected);
            assertThat(events).hasSize(expected);
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i).get("seq").asLong()).isEqualTo(i + 1);
            }
            Map<String, Long> perEntity = events.stream()
                    .skip(4)
                    .collect(Collectors.groupingBy(e -> e.get("entity_id").asString(), Collectors.counting()));
            assertThat(perEntity.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(perEntity.values()).allMatch(n -> n == 1);
            Map<String, Long> lastSeqOfDialogue = new HashMap<>();
            for (JsonNode e : events) {
                if (e.get("entity_type").asString().equals("message")) {
                    String dialogue = e.at("/data/dialogue_id").asString();
                    long seq = e.at("/data/seq").asLong();
                    assertThat(seq)
                            .as("messages of %s in order", dialogue)
                            .isGreaterThan(lastSeqOfDialogue.getOrDefault(dialogue, 0L));
                    lastSeqOfDialogue.put(dialogue, seq);
                }
            }
        }
        System.out.printf(
                "audit density: %d changes in %.1f s (%.0f/s); all sequenced %.0f ms after the last write%n",
                WRITERS * CHANGES,
                writeSeconds,
                WRITERS * CHANGES / writeSeconds,
                (System.nanoTime() - lastWrite) / 1e6);
    }

    /** One writer: appends to a dialogue it shares with another writer; every tenth change is a memory. */
    private static List<String> write(TestApi api, TestProject p, String dialogue, int writer) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < CHANGES; i++) {
            TestApi.Response r = i % 10 == 9
                    ? api.post(
                            p.adminKey(),
                            "/v1/namespaces/density/memories",
                            json("kind", "short_term", "content", "m" + i))
                    : api.post(
                            p.adminKey(),
                            "/v1/namespaces/density/dialogues/" + dialogue + "/messages",
                            json("role", "user", "content", "writer " + writer + " change " + i));
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            ids.add(r.text("/id"));
        }
        return ids;
    }
}
