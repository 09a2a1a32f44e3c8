package io.colloquy.projects;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.tenant.RequestContext;
import io.colloquy.tenant.TenantTransactions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

@IntegrationTest
class ProjectIntegrationTests {
    @LocalServerPort
    int port;

    TestApi api;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
    }

    @Test
    void operatorCreatesAProjectWithTheDefaultPlanAndAnAdminKey() {
        TestApi.Response r = api.post(IntegrationTest.OPERATOR_TOKEN, "/v1/projects", json("name", "acme"));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.text("/project/id")).matches("prj_[0-9a-f]{32}");
        assertThat(r.text("/project/plan")).isEqualTo("unlimited");
        assertThat(r.json().at("/project/immutable_dialogues").asBoolean()).isFalse();
        assertThat(r.json().at("/project/ip_allowlist")).isEmpty();
        assertThat(r.json().at("/project/recovery_window_days").asInt()).isZero();
        assertThat(r.text("/key/id")).matches("key_[0-9a-f]{32}");
        assertThat(r.json().at("/key/capabilities").get(0).asString()).isEqualTo("admin");
        TestApi.Response own = api.get(r.text("/key/key"), "/v1/project");
        assertThat(own.text("/id")).isEqualTo(r.text("/project/id"));
        assertThat(own.text("/name")).isEqualTo("acme");
    }

    @Test
    void onlyTheOperatorTokenCreatesProjectsAndChangesPlans() {
        TestProject p = TestProjects.aProject(api);
        assertThat(api.post(p.adminKey(), "/v1/projects", json("name", "x")).status())
                .isEqualTo(403);
        assertThat(api.post("wrong-token-wrong-token-wrong-token", "/v1/projects", json("name", "x"))
                        .status())
                .isEqualTo(401);
        assertThat(api.post(null, "/v1/projects", json("name", "x")).status()).isEqualTo(401);
        TestApi.Response changed =
                api.patch(IntegrationTest.OPERATOR_TOKEN, "/v1/projects/" + p.id(), json("plan", "free"));
        assertThat(changed.status()).isEqualTo(200);
        assertThat(api.get(p.adminKey(), "/v1/project").text("/plan")).isEqualTo("free");
        assertThat(api.patch(IntegrationTest.OPERATOR_TOKEN, "/v1/projects/" + p.id(), json("plan", "gold"))
                        .status())
                .isEqualTo(400);
        assertThat(api.patch(IntegrationTest.OPERATOR_TOKEN, "/v1/projects/prj_" + "0".repeat(32), json("plan", "free"))
                        .status())
                .isEqualTo(404);
        assertThat(api.get(IntegrationTest.OPERATOR_TOKEN, "/v1/project").status())
                .isEqualTo(401);
        assertThat(api.post(IntegrationTest.OPERATOR_TOKEN, "/v1/projects", json("name", ""))
                        .status())
                .isEqualTo(400);
        assertThat(api.post(IntegrationTest.OPERATOR_TOKEN, "/v1/projects", json("name", "x", "plan", "gold"))
                        .status())
                .isEqualTo(400);
    }

    @Test
    void adminChangesSettingsAndImmutableModeIsFixed() {
        TestProject p = TestProjects.aProject(api);
        TestApi.Response r = api.patch(
                p.adminKey(),
                "/v1/project",
                json(
                        "name",
                        "renamed",
                        "delete_protection",
                        true,
                        "recovery_window_days",
                        7,
                        "retention",
                        Map.of("dialogue_days", 30),
                        "ip_allowlist",
                        List.of("127.0.0.1/32", "::1")));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.text("/name")).isEqualTo("renamed");
        assertThat(r.text("/plan")).isEqualTo("unlimited");
        assertThat(r.json().get("delete_protection").asBoolean()).isTrue();
        assertThat(r.json().get("recovery_window_days").asInt()).isEqualTo(7);
        assertThat(r.json().at("/retention/dialogue_days").asInt()).isEqualTo(30);
        assertThat(r.json().at("/retention/short_term_memory_days").isNull()).isTrue();
        assertThat(r.json().get("ip_allowlist")).hasSize(2);
        assertThat(api.get(p.adminKey(), "/v1/project").json()).isEqualTo(r.json());
        TestApi.Response immutable = api.patch(p.adminKey(), "/v1/project", json("immutable_dialogues", true));
        assertThat(immutable.status()).isEqualTo(400);
        assertThat(immutable.json().at("/error/fields/0/field").asString()).isEqualTo("immutable_dialogues");
    }

    @Test
    void anAdminCannotChangeItsOwnPlanAndNothingElseOfThatRequestIsApplied() {
        TestProject p = TestProjects.aProject(api);
        api.patch(IntegrationTest.OPERATOR_TOKEN, "/v1/projects/" + p.id(), json("plan", "free"));
        TestApi.Response r = api.patch(
                p.adminKey(), "/v1/project", json("name", "sneaky", "plan", "unlimited", "delete_protection", true));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.errorCode()).isEqualTo("FORBIDDEN");
        assertThat(r.json().at("/error/type").asString()).isEqualTo("authorization");
        TestApi.Response after = api.get(p.adminKey(), "/v1/project");
        assertThat(after.text("/plan")).isEqualTo("free");
        assertThat(after.text("/name")).isNotEqualTo("sneaky");
        assertThat(after.json().get("delete_protection").asBoolean()).isFalse();
        assertThat(api.patch(p.adminKey(), "/v1/project", json("plan", "free")).status())
                .as("even its current plan")
                .isEqualTo(403);
        assertThat(api.patch(p.adminKey(), "/v1/project", "{\"plan\": null}").status())
                .isEqualTo(403);
    }

    @Test
    void tenParallelDeletionsGiveOneReceiptAndNeverAnError() throws Exception {
        for (int round = 0; round < 3; round++) {
            TestProject p = TestProjects.aProject(api);
            String ns = TestProjects.aNamespace();
            String d = p.dialogue(ns);
            List<Map<String, Object>> batch = new java.util.ArrayList<>();
            for (int i = 0; i < 100; i++) {
                batch.add(Map.of("role", "user", "content", "message " + i));
            }
            for (int i = 0; i < 3; i++) {
                assertThat(api.post(
                                        p.adminKey(),
                                        "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages",
                                        json("messages", batch))
                                .status())
                        .isEqualTo(201);
            }
            p.memory(ns, "a memory");
            List<TestApi.Response> responses =
                    io.colloquy.TestConcurrency.inParallel(10, i -> api.delete(p.adminKey(), "/v1/project"));
            assertThat(responses)
                    .as("one deletion wins; the others find the project gone (404 while authenticated before it"
                            + " committed, 401 after: the key went with it)")
                    .allSatisfy(r -> assertThat(r.status()).as(r.body()).isIn(200, 401, 404));
            assertThat(responses.stream().filter(r -> r.status() == 200)).hasSize(1);
            TestApi.Response winner = responses.stream()
                    .filter(r -> r.status() == 200)
                    .findFirst()
                    .orElseThrow();
            assertThat(winner.json().at("/receipt/deleted/messages").asLong()).isEqualTo(300);
            responses.stream().filter(r -> r.status() != 200).forEach(r -> assertThat(r.errorCode())
                    .isIn("NOT_FOUND", "UNAUTHENTICATED"));
            assertThat(api.get(p.adminKey(), "/v1/project").status()).isEqualTo(401);
        }
    }

    @Autowired
    io.colloquy.governance.Erasure erasure;

    @Autowired
    TenantTransactions tenants;

    @Autowired
    io.colloquy.platform.DatabaseEndpoint db;

    @Test
    void aDeletionThatWaitedForAnotherFindsTheProjectGone() throws Exception {
        assertThat(whileTheProjectIsBeingDeleted(p -> api.delete(p.adminKey(), "/v1/project")))
                .allSatisfy(r -> {
                    assertThat(r.status()).as(r.body()).isEqualTo(404);
                    assertThat(r.errorCode()).isEqualTo("NOT_FOUND");
                });
    }

    @Test
    void keyChangesThatWaitedForAProjectDeletionFindTheProjectGone() throws Exception {
        String key = java.util.Base64.getEncoder().encodeToString(new byte[32]);
        for (java.util.function.Function<TestProject, TestApi.Response> change :
                List.<java.util.function.Function<TestProject, TestApi.Response>>of(
                        p -> api.post(p.adminKey(), "/v1/project/encryption-key/rotate", null),
                        p -> api.send(
                                "PUT",
                                "/v1/project/encryption-key",
                                p.adminKey(),
                                json("key", key),
                                Map.of("Content-Type", "application/json")),
                        p -> api.delete(p.adminKey(), "/v1/project/encryption-key"))) {
            assertThat(whileTheProjectIsBeingDeleted(change))
                    .allSatisfy(r -> assertThat(r.status()).as(r.body()).isEqualTo(404));
        }
    }

    /**
     * Deletes a project in a transaction held open until {@code request}, sent meanwhile, waits on a lock;
     * then commits and returns what the request got.
     */
    private List<TestApi.Response> whileTheProjectIsBeingDeleted(
            java.util.function.Function<TestProject, TestApi.Response> request) throws Exception {
        TestProject p = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        p.message(ns, p.dialogue(ns), "hello");
        java.util.UUID id = TestProjects.uuid(p.id());
        var audit = RequestContext.command(id, io.colloquy.audit.AuditActor.system("test"));
        try (var pool = java.util.concurrent.Executors.newSingleThreadExecutor()) {
            java.util.concurrent.Future<TestApi.Response> waiting = audit.call(() -> tenants.inProject(id, () -> {
                erasure.deleteProject(id); // not committed until this returns
                java.util.concurrent.Future<TestApi.Response> sent = pool.submit(() -> request.apply(p));
                awaitALockWait();
                return sent;
            }));
            return List.of(waiting.get(30, java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    /** Polls (with a deadline) until some session of the database waits on a lock. */
    private void awaitALockWait() {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                        db.embedded().superuserJdbcUrl(),
                        db.embedded().superuser(),
                        db.embedded().superuserPassword());
                java.sql.Statement s = c.createStatement()) {
            while (System.nanoTime() < deadline) {
                try (java.sql.ResultSet rs =
                        s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return;
                    }
                }
                Thread.sleep(10);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("the second deletion never waited on a lock");
    }

    @Test
    void anAllowlistThatExcludesTheCallerNeedsConfirmation() {
        TestProject p = TestProjects.aProject(api);
        TestApi.Response refused =
                api.patch(p.adminKey(), "/v1/project", json("ip_allowlist", List.of("203.0.113.0/24")));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().at("/error/fields/0/field").asString()).isEqualTo("ip_allowlist");
        TestApi.Response confirmed = api.patch(
                p.adminKey(), "/v1/project", json("ip_allowlist", List.of("203.0.113.0/24"), "confirm", true));
        assertThat(confirmed.status()).isEqualTo(200);
    }

    @Test
    void deleteProtectionRefusesDeletionAndDeletionRemovesEverything() {
        TestProject p = TestProjects.aProject(api, json("name", "protected", "delete_protection", true));
        String ns = TestProjects.aNamespace();
        String d = p.dialogue(ns);
        p.message(ns, d, "bye");
        p.memory(ns, "bye");
        TestApi.Response refused = api.delete(p.adminKey(), "/v1/project");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.errorCode()).isEqualTo("DELETE_PROTECTED");
        assertThat(api.get(p.adminKey(), "/v1/namespaces/" + ns + "/dialogues/" + d)
                        .status())
                .isEqualTo(200);
        assertThat(api.patch(p.adminKey(), "/v1/project", json("delete_protection", false))
                        .status())
                .isEqualTo(200);
        TestApi.Response deleted = api.delete(p.adminKey(), "/v1/project");
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(api.get(p.adminKey(), "/v1/project").status()).isEqualTo(401);
    }
}
