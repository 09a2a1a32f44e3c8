package io.colloquy.webhooks;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.colloquy.platform.DatabaseEndpoint;
import io.colloquy.platform.TestDatabases;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Webhooks end to end: the API, and deliveries to a real HTTPS receiver on this machine's loopback (the
 * only receivers tests ever use; the test configuration allows loopback and trusts the receiver's
 * self-signed certificate). Waits poll with deadlines, never fixed sleeps.
 */
@IntegrationTest
class WebhookIntegrationTests {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @LocalServerPort
    int port;

    @Autowired
    WebhookDispatcher dispatcher;

    @Autowired
    DatabaseEndpoint db;

    @Autowired
    org.springframework.context.ApplicationContext context;

    TestApi api;
    final List<TestReceiver> receivers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
    }

    @AfterEach
    void closeReceivers() {
        receivers.forEach(TestReceiver::close);
    }

    private TestReceiver receiver() throws Exception {
        TestReceiver r = new TestReceiver();
        receivers.add(r);
        return r;
    }

    private JsonNode create(TestProject p, String url, Object events, Object... more) {
        List<Object> fields = new ArrayList<>(List.of("url", url, "events", events));
        fields.addAll(List.of(more));
        TestApi.Response r = api.post(p.adminKey(), "/v1/webhooks", json(fields.toArray()));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json();
    }

    @Test
    void createShowsTheSecretOnceAndIsAnAuditEvent() {
        TestProject p = TestProjects.aProject(api);
        JsonNode created = create(p, "https://127.0.0.1:9/hook", List.of("message.created", "dialogue.*"));
        String id = created.at("/id").asString();
        assertThat(id).matches("whk_[0-9a-f]{32}");
        assertThat(created.at("/secret").asString()).startsWith("whsec_");
        assertThat(created.at("/status").asString()).isEqualTo("active");
        assertThat(created.at("/include_data").asBoolean()).isTrue();

        TestApi.Response got = api.get(p.adminKey(), "/v1/webhooks/" + id);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json().has("secret")).isFalse();
        assertThat(got.body()).doesNotContain(created.at("/secret").asString());
        TestApi.Response list = api.get(p.adminKey(), "/v1/webhooks");
        assertThat(list.json().at("/data/0/id").asString()).isEqualTo(id);
        assertThat(list.body()).doesNotContain("whsec_");

        assertThat(api.delete(p.adminKey(), "/v1/webhooks/" + id).status()).isEqualTo(204);
        assertThat(api.get(p.adminKey(), "/v1/webhooks/" + id).status()).isEqualTo(404);
        await(() -> auditActions(p, id).equals(List.of("created", "deleted")), "webhook created and deleted events");
        assertThat(api.get(p.adminKey(), "/v1/audit/events?entity_type=webhook").body())
                .doesNotContain("whsec_");
    }

    @Test
    void refusesNonHttpsPrivateAndMetadataUrlsAndUnknownEventsWithFieldProblems() {
        TestProject p = TestProjects.aProject(api);
        for (String url : List.of(
                "http://127.0.0.1:9/",
                "https://10.0.0.1/",
                "https://169.254.169.254/latest/meta-data",
                "https://[fd00:ec2::254]/",
                "https://2130706433/",
                "https://0x7f.1/",
                "https://metadata.google.internal/",
                "https://user:pw@127.0.0.1/",
                "not a url")) {
            TestApi.Response r = api.post(p.adminKey(), "/v1/webhooks", json("url", url, "events", List.of("*")));
            assertThat(r.status()).as(url).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("VALIDATION_FAILED");
            assertThat(r.json().at("/error/fields/0/field").asString()).as(url).isEqualTo("url");
        }
        TestApi.Response events = api.post(
                p.adminKey(),
                "/v1/webhooks",
                json("url", "https://127.0.0.1:9/", "events", List.of("message.exploded")));
        assertThat(events.status()).isEqualTo(400);
        assertThat(events.json().at("/error/fields/0/field").asString()).isEqualTo("events");
        TestApi.Response ns = api.post(
                p.adminKey(),
                "/v1/webhooks",
                json("url", "https://127.0.0.1:9/", "events", List.of("*"), "namespace", "bad ns"));
        assertThat(ns.json().at("/error/fields/0/field").asString()).isEqualTo("namespace");
        assertThat(api.post(p.adminKey(), "/v1/webhooks", "{}").status()).isEqualTo(400);
        assertThat(api.get(p.adminKey(), "/v1/webhooks").json().at("/data").size())
                .isZero();
    }

    @Test
    void aProjectHasAtMostTwentyWebhooks() {
        TestProject p = TestProjects.aProject(api);
        for (int i = 0; i < 20; i++) {
            create(p, "https://127.0.0.1:9/" + i, List.of("*"));
        }
        TestApi.Response r =
                api.post(p.adminKey(), "/v1/webhooks", json("url", "https://127.0.0.1:9/x", "events", List.of("*")));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.errorCode()).isEqualTo("WEBHOOK_LIMIT_EXCEEDED");
        assertThat(r.json().at("/error/type").asString()).isEqualTo("conflict");
    }

    @Test
    void anotherProjectsKeySeesNoWebhookAndReadOrWriteKeysAreForbidden() {
        TestProject a = TestProjects.aProject(api);
        TestProject b = TestProjects.aProject(api);
        String id = create(a, "https://127.0.0.1:9/", List.of("*")).at("/id").asString();
        for (String path : List.of("/v1/webhooks/" + id, "/v1/webhooks/" + id + "/deliveries")) {
            TestApi.Response r = api.get(b.adminKey(), path);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.errorCode()).isEqualTo("NOT_FOUND");
        }
        assertThat(api.post(b.adminKey(), "/v1/webhooks/" + id + "/rotate-secret", null)
                        .status())
                .isEqualTo(404);
        assertThat(api.delete(b.adminKey(), "/v1/webhooks/" + id).status()).isEqualTo(404);
        assertThat(api.get(b.adminKey(), "/v1/webhooks").body()).doesNotContain(id);
        assertThat(api.get(a.adminKey(), "/v1/webhooks/whk_00000000000000000000000000000000")
                        .status())
                .isEqualTo(404);
        assertThat(api.get(a.adminKey(), "/v1/webhooks/not-an-id").status()).isEqualTo(404);
        for (String capability : List.of("read", "write")) {
            String key = a.key(capability);
            assertThat(api.get(key, "/v1/webhooks").status()).isEqualTo(403);
            assertThat(api.get(key, "/v1/webhooks/" + id).status()).isEqualTo(403);
            assertThat(api.get(key, "/v1/webhooks/" + id + "/deliveries").status())
                    .isEqualTo(403);
            assertThat(api.delete(key, "/v1/webhooks/" + id).status()).isEqualTo(403);
            TestApi.Response post =
                    api.post(key, "/v1/webhooks", json("url", "https://127.0.0.1:9/", "events", List.of("*")));
            assertThat(post.status()).isEqualTo(403);
            assertThat(post.errorCode()).isEqualTo("FORBIDDEN");
        }
        assertThat(api.get(a.adminKey(), "/v1/webhooks/" + id).status()).isEqualTo(200);
    }

    @Test
    void deliversSignedEventsOfItsNamespaceThatVerifyIndependentlyAndProveAgainstTheLog() throws Exception {
        TestReceiver receiver = receiver();
        TestProject p = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        String other = TestProjects.aNamespace();
        JsonNode hook = create(p, receiver.url("/in"), List.of("dialogue.created", "message.created"), "namespace", ns);
        String secret = hook.at("/secret").asString();
        p.memory(ns, "a memory: not asked for");
        String otherDialogue = p.dialogue(other);
        String dialogue = p.dialogue(ns);
        p.message(ns, dialogue, "hello");

        await(() -> receiver.received.size() >= 2, "two deliveries");
        List<TestReceiver.Received> got = List.copyOf(receiver.received);
        assertThat(got).hasSize(2);
        JsonNode first = TestApi.JSON.readTree(got.get(0).body());
        JsonNode second = TestApi.JSON.readTree(got.get(1).body());
        assertThat(first.at("/entity_id").asString()).isEqualTo(dialogue);
        assertThat(first.at("/entity_type").asString() + "."
                        + first.at("/action").asString())
                .isEqualTo("dialogue.created");
        assertThat(second.at("/entity_type").asString()).isEqualTo("message");
        assertThat(second.at("/seq").asLong()).isGreaterThan(first.at("/seq").asLong());
        assertThat(first.at("/data/title").asString()).isEqualTo("a dialogue");
        assertThat(receiver.received.toString()).doesNotContain(otherDialogue).doesNotContain("a memory");

        for (TestReceiver.Received r : got) {
            assertThat(r.header("webhook-id"))
                    .isEqualTo(TestApi.JSON.readTree(r.body()).at("/id").asString());
            assertThat(Long.parseLong(r.header("webhook-timestamp")))
                    .isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(300L));
            assertThat(r.header("content-type")).startsWith("application/json");
            assertThat(verifiesPerSpec(secret, r))
                    .as("signature per the specification")
                    .isTrue();
            new com.standardwebhooks.Webhook(secret)
                    .verify(
                            r.body(),
                            Map.of(
                                    "webhook-id", List.of(r.header("webhook-id")),
                                    "webhook-timestamp", List.of(r.header("webhook-timestamp")),
                                    "webhook-signature", List.of(r.header("webhook-signature"))));
            assertThat(verifiesPerSpec("whsec_" + Base64.getEncoder().encodeToString(new byte[32]), r))
                    .isFalse();
        }

        long seq = first.at("/seq").asLong();
        JsonNode proof =
                api.get(p.adminKey(), "/v1/audit/events/" + seq + "/proof").json();
        assertThat(proof.at("/leaf_hash").asString())
                .isEqualTo(first.at("/leaf_hash").asString());

        String id = hook.at("/id").asString();
        JsonNode deliveries =
                api.get(p.adminKey(), "/v1/webhooks/" + id + "/deliveries").json();
        assertThat(deliveries.at("/data/0/status_code").asInt()).isEqualTo(200);
        assertThat(deliveries.at("/data/0/attempt").asInt()).isEqualTo(1);
        assertThat(deliveries.at("/data/0/id").asString()).startsWith("whd_");
        assertThat(deliveries.at("/data/0/next_retry_at").isNull()).isTrue();
        assertThat(deliveries.at("/data/0/latency_ms").isNumber()).isTrue();
    }

    @Test
    void aWebhookWithoutDataSendsEventsWithoutTheirContent() throws Exception {
        TestReceiver receiver = receiver();
        TestProject p = TestProjects.aProject(api);
        String ns = TestProjects.aNamespace();
        create(p, receiver.url("/"), List.of("memory.created"), "include_data", false);
        p.memory(ns, "secret content");
        await(() -> receiver.received.size() == 1, "the memory event");
        JsonNode event = TestApi.JSON.readTree(receiver.received.getFirst().body());
        assertThat(event.at("/data").isNull()).isTrue();
        assertThat(event.at("/data_hash").asString()).hasSize(64);
        assertThat(event.at("/leaf_hash").asString()).hasSize(64);
        assertThat(receiver.received.getFirst().body()).doesNotContain("secret content");
    }

    @Test
    void retriesWhileTheReceiverIsDownThenDelivers() throws Exception {
        TestReceiver receiver = receiver();
        AtomicInteger calls = new AtomicInteger();
        receiver.answer = () -> calls.incrementAndGet() <= 3 ? 503 : 204;
        TestProject p = TestProjects.aProject(api);
        String id = create(p, receiver.url("/"), List.of("memory.created"))
                .at("/id")
                .asString();
        p.memory(TestProjects.aNamespace(), "m");
        await(() -> receiver.received.size() >= 4, "three failures and a success");
        await(
                () -> api.get(p.adminKey(), "/v1/webhooks/" + id + "/deliveries")
                                .json()
                                .at("/data/0/status_code")
                                .asInt()
                        == 204,
                "the success in the log");
        JsonNode log = api.get(p.adminKey(), "/v1/webhooks/" + id + "/deliveries")
                .json()
                .at("/data");
        assertThat(log.size()).isEqualTo(4);
        assertThat(log.get(0).at("/attempt").asInt()).isEqualTo(4);
        for (int i = 1; i < 4; i++) {
            assertThat(log.get(i).at("/status_code").asInt()).isEqualTo(503);
            assertThat(log.get(i).at("/next_retry_at").isString()).isTrue();
        }
        assertThat(receiver.received.stream().map(r -> r.header("webhook-id")).distinct())
                .hasSize(1);
        assertThat(api.get(p.adminKey(), "/v1/webhooks/" + id).text("/status")).isEqualTo("active");
    }

    @Test
    void goneDisablesTheWebhookAtOnceWithAnAuditEvent() throws Exception {
        TestReceiver receiver = receiver();
        receiver.status.set(410);
        TestProject p = TestProjects.aProject(api);
        String id = create(p, receiver.url("/"), List.of("*")).at("/id").asString();
        p.memory(TestProjects.aNamespace(), "m");
        await(() -> api.get(p.adminKey(), "/v1/webhooks/" + id).text("/status").equals("disabled"), "disabled");
        assertThat(receiver.received).hasSize(1);
        assertThat(api.get(p.adminKey(), "/v1/webhooks/" + id).text("/disabled_reason"))
                .contains("410");
        await(() -> auditActions(p, id).contains("disabled"), "the disabled event");
    }

    @Test
    void disablesTheWebhookWhenRetriesRunOut() throws Exception {
        TestReceiver receiver = receiver();
        receiver.status.set(500);
        TestProject p = TestProjects.aProject(api);
        String id = create(p, receiver.url("/"), List.of("*")).at("/id").asString();
        p.memory(TestProjects.aNamespace(), "m");
        await(() -> api.get(p.adminKey(), "/v1/webhooks/" + id).text("/status").equals("disabled"), "disabled");
        assertThat(receiver.received.size()).isGreaterThan(1);
        assertThat(api.get(p.adminKey(), "/v1/webhooks/" + id).text("/disabled_reason"))
                .contains("retries exhausted");
        await(() -> auditActions(p, id).contains("disabled"), "the disabled event");
    }

    @Test
    void duringARotationsOverlapBothSecretsSign() throws Exception {
        TestReceiver receiver = receiver();
        TestProject p = TestProjects.aProject(api);
        JsonNode hook = create(p, receiver.url("/"), List.of("memory.created"));
        String old = hook.at("/secret").asString();
        String id = hook.at("/id").asString();
        TestApi.Response rotated =
                api.post(p.adminKey(), "/v1/webhooks/" + id + "/rotate-secret", json("overlap_seconds", 3600));
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        String fresh = rotated.text("/secret");
        assertThat(fresh).startsWith("whsec_").isNotEqualTo(old);
        assertThat(rotated.text("/previous_secret_expires_at")).isNotEmpty();
        p.memory(TestProjects.aNamespace(), "m");
        await(() -> receiver.received.size() == 1, "one delivery");
        TestReceiver.Received r = receiver.received.getFirst();
        assertThat(r.header("webhook-signature").split(" ")).hasSize(2);
        assertThat(verifiesPerSpec(fresh, r)).isTrue();
        assertThat(verifiesPerSpec(old, r)).isTrue();

        TestApi.Response noOverlap =
                api.post(p.adminKey(), "/v1/webhooks/" + id + "/rotate-secret", json("overlap_seconds", 0));
        String only = noOverlap.text("/secret");
        p.memory(TestProjects.aNamespace(), "m2");
        await(() -> receiver.received.size() == 2, "a second delivery");
        TestReceiver.Received after = receiver.received.get(1);
        assertThat(after.header("webhook-signature").split(" ")).hasSize(1);
        assertThat(verifiesPerSpec(only, after)).isTrue();
        assertThat(verifiesPerSpec(fresh, after)).isFalse();
        assertThat(api.post(p.adminKey(), "/v1/webhooks/" + id + "/rotate-secret", json("overlap_seconds", -1))
                        .status())
                .isEqualTo(400);
    }

    @Test
    void aRestartMidStreamDeliversEveryEventAtLeastOnceInOrderAndNoneOfAnotherProject() throws Exception {
        TestReceiver mine = receiver();
        TestReceiver theirs = receiver();
        mine.delay = Duration.ofMillis(40);
        TestProject a = TestProjects.aProject(api);
        TestProject b = TestProjects.aProject(api);
        create(a, mine.url("/"), List.of("memory.created"));
        create(b, theirs.url("/"), List.of("memory.created"));
        String ns = TestProjects.aNamespace();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            expected.add(a.memory(ns, "a" + i));
            b.memory(ns, "b" + i);
        }
        await(() -> mine.received.size() >= 3, "a few deliveries");
        dispatcher.stop();
        int beforeRestart = mine.received.size();
        for (int i = 15; i < 20; i++) {
            expected.add(a.memory(ns, "a" + i));
        }
        assertThat(beforeRestart).isLessThan(20);
        dispatcher.start();
        await(() -> ids(mine).containsAll(expected), "every event of project a");

        List<Long> seqs = mine.received.stream()
                .map(r -> TestApi.JSON.readTree(r.body()).at("/seq").asLong())
                .toList();
        assertThat(seqs).isSorted();
        assertThat(mine.received.stream().map(r -> TestApi.JSON
                        .readTree(r.body())
                        .at("/project_id")
                        .asString()))
                .containsOnly(a.id());
        await(() -> theirs.received.size() >= 15, "project b's own events");
        assertThat(theirs.received.stream().map(r -> TestApi.JSON
                        .readTree(r.body())
                        .at("/project_id")
                        .asString()))
                .containsOnly(b.id());
    }

    @Test
    void theSecretIsStoredSealedNeverInClear() throws Exception {
        TestProject p = TestProjects.aProject(api);
        JsonNode hook = create(p, "https://127.0.0.1:9/", List.of("*"));
        String secret = hook.at("/secret").asString();
        byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        try (Connection c = TestDatabases.superuser(db);
                PreparedStatement s = c.prepareStatement("SELECT * FROM colloquy.webhooks WHERE webhook_id = ?")) {
            s.setObject(1, TestProjects.uuid(hook.at("/id").asString()));
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                byte[] stored = rs.getBytes("secret");
                assertThat(stored[0]).as("a sealed value's format byte").isEqualTo((byte) 0x03);
                String row = new String(stored, StandardCharsets.ISO_8859_1);
                assertThat(row).doesNotContain(secret.substring(6, 20));
                assertThat(indexOf(stored, key)).isEqualTo(-1);
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    assertThat(String.valueOf(rs.getObject(i))).doesNotContain("whsec_");
                }
            }
        }
    }

    @Test
    void deletingTheProjectDeletesItsWebhooksAndTheirDeliveryLogs() throws Exception {
        TestReceiver receiver = receiver();
        TestProject p = TestProjects.aProject(api);
        String id = create(p, receiver.url("/"), List.of("memory.created"))
                .at("/id")
                .asString();
        p.memory(TestProjects.aNamespace(), "m");
        await(
                () -> api.get(p.adminKey(), "/v1/webhooks/" + id + "/deliveries")
                                .json()
                                .at("/data")
                                .size()
                        == 1,
                "a delivery in the log");
        assertThat(api.delete(p.adminKey(), "/v1/project").status()).isEqualTo(200);
        try (Connection c = TestDatabases.superuser(db)) {
            for (String table : List.of("webhooks", "webhook_deliveries")) {
                try (PreparedStatement s =
                        c.prepareStatement("SELECT count(*) FROM colloquy." + table + " WHERE project_id = ?")) {
                    s.setObject(1, TestProjects.uuid(p.id()));
                    try (ResultSet rs = s.executeQuery()) {
                        rs.next();
                        assertThat(rs.getLong(1)).as(table).isZero();
                    }
                }
            }
        }
    }

    @Test
    void aHangingReceiverDelaysOnlyItsOwnProject() throws Exception {
        TestReceiver slow = receiver();
        TestReceiver fast = receiver();
        slow.delay = Duration.ofSeconds(8);
        TestProject a = TestProjects.aProject(api);
        TestProject b = TestProjects.aProject(api);
        create(a, slow.url("/"), List.of("memory.created"));
        create(b, fast.url("/"), List.of("memory.created"));
        a.memory(TestProjects.aNamespace(), "to the slow one");
        await(() -> slow.received.size() == 1, "the slow receiver holding a delivery");
        long start = System.nanoTime();
        b.memory(TestProjects.aNamespace(), "to the fast one");
        await(() -> fast.received.size() == 1, "the other project's delivery");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(slow.received).hasSize(1);
    }

    @Test
    void readsAtMost64KiBOfAnAnswerAndCountsItsStatus() throws Exception {
        TestReceiver receiver = receiver();
        receiver.endlessBody = true;
        TestProject p = TestProjects.aProject(api);
        String id = create(p, receiver.url("/"), List.of("memory.created"))
                .at("/id")
                .asString();
        p.memory(TestProjects.aNamespace(), "m1");
        p.memory(TestProjects.aNamespace(), "m2");
        await(() -> receiver.received.size() == 2, "both events, the first one acknowledged");
        await(
                () -> api.get(p.adminKey(), "/v1/webhooks/" + id + "/deliveries")
                                .json()
                                .at("/data")
                                .size()
                        == 2,
                "two attempts logged");
        JsonNode log = api.get(p.adminKey(), "/v1/webhooks/" + id + "/deliveries")
                .json()
                .at("/data");
        for (JsonNode attempt : log) {
            assertThat(attempt.at("/status_code").asInt()).isEqualTo(200);
            assertThat(attempt.at("/attempt").asInt()).isEqualTo(1);
            assertThat(attempt.at("/latency_ms").asLong())
                    .as("cut short, not timed out")
                    .isLessThan(5_000);
        }
    }

    @Test
    void theUrlIsCheckedAgainAtEveryDeliveryAndARefusedOneIsNeverSent() throws Exception {
        TestReceiver receiver = receiver();
        TestProject p = TestProjects.aProject(api);
        String id = create(p, receiver.url("/"), List.of("memory.created"))
                .at("/id")
                .asString();
        // the same server, but its guard now refuses loopback, as production does: the URL accepted at creation
        // must be refused at delivery
        WebhookDispatcher strict = new WebhookDispatcher(
                context.getBean(WebhookRepository.class),
                context.getBean(WebhookService.class),
                context.getBean(io.colloquy.audit.AuditFeed.class),
                context.getBean(io.colloquy.tenant.TenantTransactions.class),
                new EgressGuard(EgressGuard.SYSTEM, false, false),
                context.getBean(WebhookSender.class),
                context.getBean(WebhookSettings.class),
                context.getBean(java.time.Clock.class));
        dispatcher.stop();
        strict.start();
        try {
            p.memory(TestProjects.aNamespace(), "m");
            await(
                    () -> api.get(p.adminKey(), "/v1/webhooks/" + id + "/deliveries")
                                    .json()
                                    .at("/data")
                                    .size()
                            >= 1,
                    "a refused attempt in the log");
            assertThat(receiver.received)
                    .as("nothing sent to a refused address")
                    .isEmpty();
        } finally {
            strict.stop();
            dispatcher.start();
        }
        JsonNode attempt = api.get(p.adminKey(), "/v1/webhooks/" + id + "/deliveries")
                .json()
                .at("/data/0");
        assertThat(attempt.at("/status_code").isNull()).isTrue();
        assertThat(attempt.at("/error").asString()).startsWith("refused");
        assertThat(attempt.at("/next_retry_at").isString()).isTrue();
        await(() -> receiver.received.size() == 1, "the retry, allowed again by the test guard");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static List<String> ids(TestReceiver r) {
        return r.received.stream()
                .map(x -> TestApi.JSON.readTree(x.body()).at("/entity_id").asString())
                .toList();
    }

    private List<String> auditActions(TestProject p, String webhookId) {
        List<String> actions = new ArrayList<>();
        for (JsonNode e : api.get(p.adminKey(), "/v1/audit/events?entity_type=webhook")
                .json()
                .at("/data")) {
            if (e.at("/entity_id").asString().equals(webhookId)) {
                actions.add(e.at("/action").asString());
            }
        }
        return actions;
    }

    /** Standard Webhooks verification written straight from the specification (independent of the signer). */
    static boolean verifiesPerSpec(String secret, TestReceiver.Received r) throws Exception {
        byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        String signed = r.header("webhook-id") + "." + r.header("webhook-timestamp") + "." + r.body();
        byte[] expected = mac.doFinal(signed.getBytes(StandardCharsets.UTF_8));
        for (String candidate : r.header("webhook-signature").split(" ")) {
            if (candidate.startsWith("v1,")
                    && MessageDigest.isEqual(expected, Base64.getDecoder().decode(candidate.substring(3)))) {
                return true;
            }
        }
        return false;
    }

    private static void await(BooleanSupplier condition, String what) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
