package io.colloquy.tenancy;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

@IntegrationTest
class IdempotencyIntegrationTests {
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

    private TestApi.Response post(String path, String body, String key) {
        return api.send(
                "POST",
                path,
                project.adminKey(),
                body,
                Map.of("Content-Type", "application/json", "Idempotency-Key", key));
    }

    @Test
    void aRetryReturnsTheOriginalResponseAndCreatesNothingNew() {
        String d = project.dialogue(ns);
        String path = "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages";
        String body = json(
                "messages",
                List.of(Map.of("role", "user", "content", "a"), Map.of("role", "assistant", "content", "b")));
        TestApi.Response first = post(path, body, "retry-1");
        TestApi.Response second = post(path, body, "retry-1");
        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(201);
        assertThat(second.json()).isEqualTo(first.json());
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d)
                        .json()
                        .get("message_count")
                        .asInt())
                .isEqualTo(2);
    }

    @Test
    void theSameKeyWithAnotherBodyIs422() {
        String path = "/v1/namespaces/" + ns + "/dialogues";
        assertThat(post(path, json("title", "one"), "k").status()).isEqualTo(201);
        TestApi.Response reused = post(path, json("title", "two"), "k");
        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.errorCode()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        assertThat(api.get(project.adminKey(), path).json().get("data")).hasSize(1);
    }

    @Test
    void concurrentRetriesCreateExactlyOneEntity() throws Exception {
        String path = "/v1/namespaces/" + ns + "/memories";
        String body = json("kind", "short_term", "content", "once");
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<TestApi.Response>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                all.add(pool.submit(() -> post(path, body, "burst")));
            }
            Set<String> ids = new HashSet<>();
            for (Future<TestApi.Response> f : all) {
                TestApi.Response r = f.get();
                assertThat(r.status()).as(r.body()).isEqualTo(201);
                ids.add(r.text("/id"));
            }
            assertThat(ids).hasSize(1);
        }
        assertThat(api.get(project.adminKey(), path).json().get("data")).hasSize(1);
    }

    @Test
    void aFailedRequestDoesNotConsumeTheKey() {
        String path = "/v1/namespaces/" + ns + "/dialogues";
        assertThat(post(path, json("title", 5), "fix-and-retry").status()).isEqualTo(400);
        assertThat(post(path, json("title", 5), "fix-and-retry").status()).isEqualTo(400);
        assertThat(post(path, json("title", "fixed"), "fix-and-retry").status()).isEqualTo(201);
    }

    @Test
    void keysAreScopedToTheProjectAndValidated() {
        TestProject other = TestProjects.aProject(api);
        String path = "/v1/namespaces/" + ns + "/dialogues";
        assertThat(post(path, json("title", "mine"), "shared").status()).isEqualTo(201);
        TestApi.Response theirs = api.send(
                "POST",
                path,
                other.adminKey(),
                json("title", "theirs"),
                Map.of("Content-Type", "application/json", "Idempotency-Key", "shared"));
        assertThat(theirs.status()).isEqualTo(201);
        assertThat(theirs.text("/title")).isEqualTo("theirs");
        TestApi.Response tooLong = post(path, "{}", "x".repeat(256));
        assertThat(tooLong.status()).isEqualTo(400);
    }

    @Test
    void projectCreationRetriedWithTheSameKeyReturnsTheSameProjectAndKey() {
        String body = json("name", "idempotent project");
        Map<String, String> headers = Map.of("Content-Type", "application/json", "Idempotency-Key", "create-" + ns);
        TestApi.Response first = api.send("POST", "/v1/projects", IntegrationTest.OPERATOR_TOKEN, body, headers);
        TestApi.Response second = api.send("POST", "/v1/projects", IntegrationTest.OPERATOR_TOKEN, body, headers);
        assertThat(first.status()).isEqualTo(201);
        assertThat(second.json()).isEqualTo(first.json());
        assertThat(api.get(first.text("/key/key"), "/v1/keys").json().get("data"))
                .hasSize(1);
    }
}
