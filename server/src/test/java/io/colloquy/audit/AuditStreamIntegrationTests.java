package io.colloquy.audit;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

@IntegrationTest
class AuditStreamIntegrationTests {
    @LocalServerPort
    int port;

    @Autowired
    StreamHub hub;

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
    void everyEventExactlyOnceInOrderAcrossTwoReconnects() throws Exception {
        String d = project.dialogue(ns);
        int changes = 1000;
        int total = 3 + changes;
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < changes; i++) {
                TestApi.Response r = api.post(
                        project.adminKey(),
                        "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages",
                        json("role", "user", "content", "change " + i));
                assertThat(r.status()).isEqualTo(201);
            }
        });
        List<JsonNode> seen = new ArrayList<>();
        TestStreamClient first = TestStreamClient.connect(port, project.adminKey(), "?after_seq=0");
        first.awaitReceived(r -> r.size() >= 300, Duration.ofSeconds(60));
        first.abort();
        seen.addAll(first.received);

        long resume = seen.getLast().get("seq").asLong();
        TestStreamClient second = TestStreamClient.connect(port, project.adminKey(), "?after_seq=" + resume);
        second.awaitReceived(r -> r.size() >= 400, Duration.ofSeconds(60));
        second.close();
        seen.addAll(second.received);

        String token =
                api.post(project.adminKey(), "/v1/audit/stream-tokens", null).text("/token");
        TestStreamClient third = TestStreamClient.connect(
                port, null, "?token=" + token + "&after_seq=" + seen.getLast().get("seq"));
        writes.get(120, TimeUnit.SECONDS);
        third.awaitReceived(r -> !r.isEmpty() && r.getLast().get("seq").asLong() >= total, Duration.ofSeconds(30));
        third.close();
        seen.addAll(third.received);

        assertThat(seen).hasSize(total);
        for (int i = 0; i < seen.size(); i++) {
            assertThat(seen.get(i).get("seq").asLong()).as("event %d", i).isEqualTo(i + 1);
        }
        assertThat(seen).map(e -> e.get("id").asString()).doesNotHaveDuplicates();
        assertThat(seen).isEqualTo(TestAudit.all(api, project.adminKey(), ""));
    }

    @Test
    void withoutAfterSeqOnlyNewEventsComeAndFiltersApply() {
        String d = project.dialogue(ns);
        TestAudit.events(api, project.adminKey(), 3);
        try (TestStreamClient live = TestStreamClient.connect(port, project.adminKey(), "");
                TestStreamClient messages =
                        TestStreamClient.connect(port, project.adminKey(), "?after_seq=0&entity_type=message");
                TestStreamClient elsewhere =
                        TestStreamClient.connect(port, project.adminKey(), "?after_seq=0&namespace=other")) {
            project.message(ns, d, "new");
            project.memory(ns, "new memory");
            live.awaitReceived(r -> r.size() == 2, Duration.ofSeconds(10));
            messages.awaitReceived(r -> r.size() == 1, Duration.ofSeconds(10));
            assertThat(live.received).map(e -> e.get("seq").asLong()).containsExactly(4L, 5L);
            assertThat(messages.received.getFirst().at("/data/content").asString())
                    .isEqualTo("new");
            TestAudit.sleep(300);
            assertThat(elsewhere.received).isEmpty();
        }
    }

    @Test
    void streamTokensAreSingleUseAndOnlyForTheStream() {
        String token =
                api.post(project.adminKey(), "/v1/audit/stream-tokens", null).text("/token");
        assertThat(token).matches("cq_st_[0-9a-f]{32}_[A-Za-z0-9_-]{43}");
        assertThat(api.get(token, "/v1/audit/events").status()).isEqualTo(401);
        assertThat(api.get(null, "/v1/audit/events?token=" + token).status()).isEqualTo(401);
        TestStreamClient.connect(port, null, "?token=" + token).close();
        assertThatThrownBy(() -> TestStreamClient.connect(port, null, "?token=" + token))
                .hasStackTraceContaining("401");
        assertThatThrownBy(() -> TestStreamClient.connect(port, null, "?token=cq_st_nonsense"))
                .hasStackTraceContaining("401");
        String readKey = project.key("read");
        assertThat(api.post(readKey, "/v1/audit/stream-tokens", null).status()).isEqualTo(403);
        assertThatThrownBy(() -> TestStreamClient.connect(port, readKey, "")).hasStackTraceContaining("403");
        assertThatThrownBy(() -> TestStreamClient.connect(port, project.adminKey(), "?after_seq=999999"))
                .hasStackTraceContaining("400");
    }

    @Test
    void aConsumerThatStopsReadingIsDisconnectedInsteadOfBuffered() {
        String d = project.dialogue(ns);
        TestAudit.events(api, project.adminKey(), 3);
        java.util.UUID projectId = TestProjects.uuid(project.id());
        TestStreamClient stuck = TestStreamClient.connect(port, project.adminKey(), "?after_seq=0", false);
        String big = "x".repeat(30_000);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        int written = 0;
        while ((written == 0 || hub.streams(projectId) > 0) && System.nanoTime() < deadline) {
            List<java.util.Map<String, String>> batch = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                batch.add(java.util.Map.of("role", "user", "content", big));
            }
            api.post(
                    project.adminKey(),
                    "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages",
                    json("messages", batch));
            written += 20;
        }
        assertThat(hub.streams(projectId))
                .as("stream dropped after %d large events", written)
                .isZero();
        stuck.abort();
    }

    @Test
    void closesAnOpenStreamWithin5SecondsOfItsKeyBeingRevokedAndSendsNothingAfter() {
        TestApi.Response created =
                api.post(project.adminKey(), "/v1/keys", json("name", "leaked", "capabilities", List.of("admin")));
        String leaked = created.text("/key");
        try (TestStreamClient stream = TestStreamClient.connect(port, leaked, "")) {
            assertThat(api.delete(project.adminKey(), "/v1/keys/" + created.text("/id"))
                            .status())
                    .isEqualTo(204);
            long revoked = System.nanoTime();
            project.memory(ns, "written after the revocation");
            String closed = stream.closed.orTimeout(10, TimeUnit.SECONDS).join();
            assertThat(Duration.ofNanos(System.nanoTime() - revoked)).isLessThan(Duration.ofMillis(5500));
            assertThat(closed).startsWith("1008 ");
            assertThat(stream.received).as("nothing is sent with a revoked key").isEmpty();
        }
    }

    @Test
    void closesAStreamOnceItsKeyExpiresOrItsAddressIsNoLongerAllowed() {
        String expiring = api.post(
                        project.adminKey(),
                        "/v1/keys",
                        json(
                                "name",
                                "short-lived",
                                "capabilities",
                                List.of("admin"),
                                "expires_at",
                                java.time.Instant.now().plusSeconds(2).toString()))
                .text("/key");
        try (TestStreamClient byExpiringKey = TestStreamClient.connect(port, expiring, "");
                TestStreamClient byAdmin = TestStreamClient.connect(port, project.adminKey(), "")) {
            assertThat(byExpiringKey.closed.orTimeout(10, TimeUnit.SECONDS).join())
                    .startsWith("1008 ");
            assertThat(byAdmin.closed).isNotDone();

            TestApi.Response patched = api.patch(
                    project.adminKey(), "/v1/project", json("ip_allowlist", List.of("192.0.2.0/24"), "confirm", true));
            assertThat(patched.status()).as(patched.body()).isEqualTo(200);
            assertThat(byAdmin.closed.orTimeout(10, TimeUnit.SECONDS).join()).startsWith("1008 ");
        }
    }

    @Test
    void closesStreamsOfADeletedProject() {
        TestProject doomed = TestProjects.aProject(api);
        try (TestStreamClient stream = TestStreamClient.connect(port, doomed.adminKey(), "")) {
            assertThat(api.delete(doomed.adminKey(), "/v1/project").status()).isEqualTo(200);
            assertThat(stream.closed.orTimeout(10, TimeUnit.SECONDS).join()).startsWith("1008 ");
        }
    }

    @Test
    void refusesAStreamTokenWhoseKeyWasRevoked() {
        TestApi.Response created =
                api.post(project.adminKey(), "/v1/keys", json("name", "token maker", "capabilities", List.of("admin")));
        String token =
                api.post(created.text("/key"), "/v1/audit/stream-tokens", null).text("/token");
        assertThat(api.delete(project.adminKey(), "/v1/keys/" + created.text("/id"))
                        .status())
                .isEqualTo(204);
        assertThatThrownBy(() -> TestStreamClient.connect(port, null, "?token=" + token))
                .hasStackTraceContaining("401");
    }

    @Test
    void capsOpenStreamsPerKeyAndPerProjectWithTheContractsRateLimitError() throws Exception {
        List<TestStreamClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                open.add(TestStreamClient.connect(port, project.adminKey(), ""));
            }
            RawHandshake refused = RawHandshake.of(port, project.adminKey());
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("retry-after")).isEqualTo("5");
            JsonNode error = TestApi.JSON.readTree(refused.body()).get("error");
            assertThat(error.get("code").asString()).isEqualTo("RATE_LIMIT_EXCEEDED");
            assertThat(error.get("type").asString()).isEqualTo("rate_limit");

            for (int k = 0; k < 3; k++) {
                String key = project.key("admin");
                for (int i = 0; i < 5; i++) {
                    open.add(TestStreamClient.connect(port, key, ""));
                }
            }
            String fifth = project.key("admin");
            assertThat(RawHandshake.of(port, fifth).status())
                    .as("21st stream of the project")
                    .isEqualTo(429);

            open.removeFirst().close();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            RawHandshake again = RawHandshake.of(port, fifth);
            while (again.status() == 429 && System.nanoTime() < deadline) {
                TestAudit.sleep(20);
                again = RawHandshake.of(port, fifth);
            }
            assertThat(again.status()).as("a closed stream frees its place").isEqualTo(101);
        } finally {
            open.forEach(TestStreamClient::close);
        }
    }
}
