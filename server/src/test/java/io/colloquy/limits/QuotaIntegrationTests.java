package io.colloquy.limits;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Monthly plan quotas through the API, on projects given the test plan {@code test-quota} (no rate
 * limit; 50 dialogues, 10 messages, 3 memories a month).
 */
@IntegrationTest
class QuotaIntegrationTests {
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
        setPlan("test-quota");
    }

    private void setPlan(String plan) {
        TestApi.Response r =
                api.patch(IntegrationTest.OPERATOR_TOKEN, "/v1/projects/" + project.id(), json("plan", plan));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private TestApi.Response createDialogue() {
        return api.post(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues", json("title", "t"));
    }

    @Test
    void sixtyFourConcurrentCreatesAgainstAQuotaOfFiftyAdmitExactlyFifty() throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<TestApi.Response>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(64)) {
            for (int i = 0; i < 64; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return createDialogue();
                }));
            }
            start.countDown();
            int created = 0;
            int refused = 0;
            for (Future<TestApi.Response> f : results) {
                TestApi.Response r = f.get(60, TimeUnit.SECONDS);
                if (r.status() == 201) {
                    created++;
                } else {
                    assertThat(r.status()).as(r.body()).isEqualTo(429);
                    assertThat(r.errorCode()).isEqualTo("PLAN_LIMIT_EXCEEDED");
                    assertThat(r.text("/error/type")).isEqualTo("rate_limit");
                    assertThat(r.text("/error/message"))
                            .isEqualTo("Dialogues monthly limit exceeded. Your plan allows 50 dialogues."
                                    + " Please upgrade your plan to continue.");
                    refused++;
                }
            }
            assertThat(created).isEqualTo(50);
            assertThat(refused).isEqualTo(14);
        }
        TestApi.Response list = api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues?limit=200");
        assertThat(list.json().get("data")).hasSize(50);
    }

    @Test
    void readsAndDeletesStillWorkAfterTheLimitAndAnUpgradeLiftsItAtOnce() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            TestApi.Response r = createDialogue();
            assertThat(r.status()).isEqualTo(201);
            ids.add(r.text("/id"));
        }
        assertThat(createDialogue().status()).isEqualTo(429);
        String path = "/v1/namespaces/" + ns + "/dialogues";
        assertThat(api.get(project.adminKey(), path).status()).isEqualTo(200);
        assertThat(api.get(project.adminKey(), path + "/" + ids.getFirst()).status())
                .isEqualTo(200);
        assertThat(api.get(project.adminKey(), "/v1/project").status()).isEqualTo(200);
        assertThat(api.delete(project.adminKey(), path + "/" + ids.getFirst()).status())
                .isBetween(200, 204);
        // a delete gives nothing back: the quota counts what was created this month
        assertThat(createDialogue().status()).isEqualTo(429);

        setPlan("free"); // 100 dialogues a month
        assertThat(createDialogue().status()).isEqualTo(201);
        setPlan("test-quota");
        assertThat(createDialogue().errorCode()).isEqualTo("PLAN_LIMIT_EXCEEDED");
        setPlan("unlimited");
        assertThat(createDialogue().status()).isEqualTo(201);
    }

    @Test
    void aBatchAppendCountsEveryMessageAndIsAdmittedWholeOrNotAtAll() {
        String dialogue = project.dialogue(ns);
        String messages = "/v1/namespaces/" + ns + "/dialogues/" + dialogue + "/messages";
        assertThat(api.post(project.adminKey(), messages, batch(8)).status()).isEqualTo(201);
        TestApi.Response over = api.post(project.adminKey(), messages, batch(3));
        assertThat(over.status()).isEqualTo(429);
        assertThat(over.text("/error/message"))
                .isEqualTo("Messages monthly limit exceeded. Your plan allows 10 messages."
                        + " Please upgrade your plan to continue.");
        assertThat(api.get(project.adminKey(), messages).json().get("data")).hasSize(8);
        assertThat(api.post(project.adminKey(), messages, batch(2)).status()).isEqualTo(201);
        assertThat(api.post(project.adminKey(), messages, json("role", "user", "content", "one more"))
                        .errorCode())
                .isEqualTo("PLAN_LIMIT_EXCEEDED");
        TestApi.Response all = api.get(project.adminKey(), messages);
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.json().get("data")).hasSize(10);
        assertThat(all.json().get("data").get(9).get("seq").asInt()).isEqualTo(10);
    }

    @Test
    void memoriesHaveTheirOwnQuotaAndAnIdempotentReplayIsNotCountedAgain() {
        String memories = "/v1/namespaces/" + ns + "/memories";
        Map<String, String> headers = Map.of("Content-Type", "application/json", "Idempotency-Key", "m-1");
        String body = json("kind", "long_term", "content", "likes tea");
        assertThat(api.send("POST", memories, project.adminKey(), body, headers).status())
                .isEqualTo(201);
        for (int i = 0; i < 3; i++) {
            TestApi.Response replay = api.send("POST", memories, project.adminKey(), body, headers);
            assertThat(replay.status()).isEqualTo(201);
            assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        }
        project.memory(ns, "second");
        project.memory(ns, "third");
        TestApi.Response fourth = api.post(project.adminKey(), memories, json("kind", "short_term", "content", "x"));
        assertThat(fourth.errorCode()).isEqualTo("PLAN_LIMIT_EXCEEDED");
        assertThat(fourth.text("/error/message"))
                .startsWith("Memories monthly limit exceeded. Your plan allows 3 memories.");
        assertThat(api.get(project.adminKey(), memories).json().get("data")).hasSize(3);
        // dialogues are counted apart
        assertThat(createDialogue().status()).isEqualTo(201);
    }

    private static String batch(int n) {
        return json(
                "messages",
                IntStream.range(0, n)
                        .mapToObj(i -> Map.of("role", "user", "content", "m" + i))
                        .toList());
    }
}
