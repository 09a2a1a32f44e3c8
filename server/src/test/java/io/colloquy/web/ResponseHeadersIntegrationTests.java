package io.colloquy.web;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The headers every response carries, whatever its status and whoever sent the request: security
 * headers, X-Request-Id and the rate-limit headers.
 */
@IntegrationTest
class ResponseHeadersIntegrationTests {
    @LocalServerPort
    int port;

    TestApi api;
    TestProject project;
    String ns;

    record Case(String name, int status, Supplier<TestApi.Response> request) {}

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
    }

    private List<Case> cases() {
        String dialogues = "/v1/namespaces/" + ns + "/dialogues";
        String dialogue = project.dialogue(ns);
        String reader = project.key("read");
        String guarded = api.post(
                        project.adminKey(),
                        "/v1/keys",
                        json("capabilities", List.of("read"), "ip_allowlist", List.of("203.0.113.0/24")))
                .text("/key");
        TestProject limited = TestProjects.aProject(api);
        api.patch(IntegrationTest.OPERATOR_TOKEN, "/v1/projects/" + limited.id(), json("plan", "test-rate"));
        TestProject quota = TestProjects.aProject(api);
        api.patch(IntegrationTest.OPERATOR_TOKEN, "/v1/projects/" + quota.id(), json("plan", "test-quota"));
        for (int i = 0; i < 3; i++) {
            quota.memory(ns, "m" + i);
        }
        api.send(
                "POST",
                dialogues,
                project.adminKey(),
                json("title", "a"),
                Map.of("Content-Type", "application/json", "Idempotency-Key", "reused"));
        List<Case> cases = new ArrayList<>(List.of(
                new Case("ok", 200, () -> api.get(project.adminKey(), "/v1/project")),
                new Case("created", 201, () -> api.post(project.adminKey(), dialogues, json("title", "t"))),
                new Case("health, no key", 200, () -> api.get(null, "/healthz")),
                new Case("openapi, no key", 200, () -> api.get(null, "/v1/openapi.json")),
                new Case(
                        "operator",
                        201,
                        () -> api.post(IntegrationTest.OPERATOR_TOKEN, "/v1/projects", json("name", "h"))),
                new Case("bad json", 400, () -> api.post(project.adminKey(), dialogues, "{")),
                new Case("no key", 401, () -> api.get(null, "/v1/project")),
                new Case("unknown path, no key", 401, () -> api.get(null, "/nowhere")),
                new Case("bad key", 401, () -> api.get("cq_key_nope", "/v1/project")),
                new Case("capability", 403, () -> api.post(reader, dialogues, json("title", "t"))),
                new Case("ip not allowed", 403, () -> api.get(guarded, "/v1/project")),
                new Case("not found", 404, () -> api.get(project.adminKey(), dialogues + "/dlg_" + "0".repeat(32))),
                new Case(
                        "method",
                        405,
                        () -> api.send(
                                "PUT",
                                dialogues + "/" + dialogue,
                                project.adminKey(),
                                "{}",
                                Map.of("Content-Type", "application/json"))),
                new Case(
                        "too large",
                        413,
                        () -> api.post(project.adminKey(), dialogues, json("title", "x".repeat(1_100_000)))),
                new Case(
                        "not json",
                        415,
                        () -> api.send(
                                "POST",
                                dialogues,
                                project.adminKey(),
                                "title=x",
                                Map.of("Content-Type", "application/x-www-form-urlencoded"))),
                new Case(
                        "idempotency key reused",
                        422,
                        () -> api.send(
                                "POST",
                                dialogues,
                                project.adminKey(),
                                json("title", "b"),
                                Map.of("Content-Type", "application/json", "Idempotency-Key", "reused"))),
                new Case("plan limit", 429, () -> quota.api()
                        .post(
                                quota.adminKey(),
                                "/v1/namespaces/" + ns + "/memories",
                                json("kind", "long_term", "content", "x"))),
                new Case("rate limit", 429, () -> {
                    TestApi.Response r = null;
                    for (int i = 0; i < 30 && (r == null || r.status() != 429); i++) {
                        r = api.get(limited.adminKey(), "/v1/project");
                    }
                    return r;
                }),
                // /error is no resource of the API: asked for by name it is a 404 like any other
                new Case("error page by name, no key", 404, () -> api.get(null, "/error")),
                new Case("error page by name", 404, () -> api.get(project.adminKey(), "/error"))));
        return cases;
    }

    @Test
    void everyResponseCarriesTheSecurityHeaders() {
        TreeSet<Integer> statuses = new TreeSet<>();
        for (Case c : cases()) {
            TestApi.Response r = c.request().get();
            assertThat(r.status()).as(c.name() + ": " + r.body()).isEqualTo(c.status());
            statuses.add(r.status());
            assertThat(r.header("X-Content-Type-Options")).as(c.name()).isEqualTo("nosniff");
            assertThat(r.header("X-Frame-Options")).as(c.name()).isEqualTo("DENY");
            assertThat(r.header("Referrer-Policy")).as(c.name()).isEqualTo("no-referrer");
            assertThat(r.header("Content-Security-Policy"))
                    .as(c.name())
                    .isEqualTo("default-src 'none'; frame-ancestors 'none'");
            assertThat(r.header("Cache-Control")).as(c.name()).contains("no-store");
            // HSTS only over TLS (see TlsIntegrationTests); browsers ignore it over plain HTTP anyway
            assertThat(r.header("Strict-Transport-Security")).as(c.name()).isNull();
        }
        assertThat(statuses).contains(200, 201, 400, 401, 403, 404, 405, 413, 415, 422, 429);
    }

    @Test
    void everyResponseCarriesARequestIdAndTheRateLimitHeaders() {
        long now = java.time.Instant.now().getEpochSecond();
        for (Case c : cases()) {
            TestApi.Response r = c.request().get();
            assertThat(r.status()).as(c.name()).isEqualTo(c.status());
            assertThat(r.header("X-Request-Id")).as(c.name()).startsWith("req_");
            long limit = Long.parseLong(r.header("X-RateLimit-Limit"));
            long remaining = Long.parseLong(r.header("X-RateLimit-Remaining"));
            long reset = Long.parseLong(r.header("X-RateLimit-Reset"));
            assertThat(limit).as(c.name()).isPositive();
            assertThat(remaining).as(c.name()).isBetween(0L, limit);
            assertThat(reset).as(c.name()).isBetween(now - 1, now + 60);
        }
    }
}
