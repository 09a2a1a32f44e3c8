package io.colloquy.tenant;

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
import org.springframework.beans.factory.annotation.Autowired;
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

    @Autowired
    io.colloquy.platform.DatabaseEndpoint db;

    @Autowired
    IdempotencyPurgeJob purgeJob;

    private long records(String where) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                        db.embedded().superuserJdbcUrl(),
                        db.embedded().superuser(),
                        db.embedded().superuserPassword());
                java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs =
                        s.executeQuery("SELECT count(*) FROM colloquy.idempotency_records WHERE project_id = '"
                                + TestProjects.uuid(project.id()) + "'" + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void superuser(String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                        db.embedded().superuserJdbcUrl(),
                        db.embedded().superuser(),
                        db.embedded().superuserPassword());
                java.sql.Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Test
    void aReplayAfterItsNamespaceWasErasedHoldsNoneOfItsContent() throws Exception {
        String canary = "canary" + java.util.UUID.randomUUID().toString().replace("-", "");
        String d = project.dialogue(ns);
        String path = "/v1/namespaces/" + ns + "/dialogues/" + d + "/messages";
        String body = json("role", "user", "content", "hello " + canary);
        TestApi.Response first = post(path, body, "canary-key");
        assertThat(first.body()).contains(canary);
        assertThat(post(path, body, "canary-key").body()).contains(canary);
        assertThat(api.delete(project.adminKey(), "/v1/namespaces/" + ns).status())
                .isEqualTo(200);
        assertThat(records(" AND namespace = '" + ns + "'"))
                .as("erasure deletes the namespace's stored responses")
                .isZero();
        TestApi.Response replay = post(path, body, "canary-key");
        assertThat(replay.body()).doesNotContain(canary);
        assertThat(replay.status())
                .as("the request runs again: its dialogue is gone")
                .isEqualTo(404);
    }

    @Test
    void aReplayWhileTheCustomerKeyIsRevokedShowsNoKeySecretUntilItIsSuppliedAgain() throws Exception {
        byte[] raw = new byte[32];
        new java.security.SecureRandom().nextBytes(raw);
        String customerKey = java.util.Base64.getEncoder().encodeToString(raw);
        assertThat(api.send(
                                "PUT",
                                "/v1/project/encryption-key",
                                project.adminKey(),
                                json("key", customerKey),
                                Map.of("Content-Type", "application/json"))
                        .status())
                .isEqualTo(200);
        String body = json("name", "ci", "capabilities", List.of("read"));
        TestApi.Response issued = post("/v1/keys", body, "new-key");
        assertThat(issued.status()).isEqualTo(201);
        String secret = issued.text("/key");
        assertThat(records(" AND namespace = ''")).isEqualTo(1);
        assertThat(api.delete(project.adminKey(), "/v1/project/encryption-key").status())
                .isEqualTo(200);
        TestApi.Response replay = post("/v1/keys", body, "new-key");
        assertThat(replay.status()).isEqualTo(409);
        assertThat(replay.errorCode()).isEqualTo("ENCRYPTION_KEY_REVOKED");
        assertThat(replay.body()).doesNotContain(secret);
        assertThat(api.send(
                                "PUT",
                                "/v1/project/encryption-key",
                                project.adminKey(),
                                json("key", customerKey),
                                Map.of("Content-Type", "application/json"))
                        .status())
                .isEqualTo(200);
        TestApi.Response restored = post("/v1/keys", body, "new-key");
        assertThat(restored.status()).isEqualTo(201);
        assertThat(restored.text("/key")).isEqualTo(secret);
    }

    @Test
    void recordsOlderThanADayArePurgedAndDeletingTheProjectLeavesNone() throws Exception {
        post("/v1/namespaces/" + ns + "/dialogues", json("title", "old"), "old");
        post("/v1/namespaces/" + ns + "/dialogues", json("title", "new"), "new");
        post("/v1/keys", json("name", "k", "capabilities", List.of("read")), "key");
        assertThat(records("")).isEqualTo(3);
        superuser(
                "UPDATE colloquy.idempotency_records SET created_at = now() - interval '25 hours' WHERE project_id = '"
                        + TestProjects.uuid(project.id()) + "' AND status = 201 AND namespace = ''");
        assertThat(purgeJob.purge()).isGreaterThanOrEqualTo(1);
        assertThat(records("")).isEqualTo(2);
        assertThat(api.delete(project.adminKey(), "/v1/project").status()).isEqualTo(200);
        assertThat(records("")).isZero();
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
