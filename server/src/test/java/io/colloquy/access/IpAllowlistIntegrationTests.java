package io.colloquy.access;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * IP allowlists through the API. The test server trusts 127.0.0.2 as a proxy, so a request sent from
 * there with {@code X-Forwarded-For} stands for a client at that address; requests from 127.0.0.1 come
 * from an untrusted peer.
 */
@IntegrationTest
class IpAllowlistIntegrationTests {
    private static final String OFFICE = "203.0.113.0/24";

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    TestApi api;
    TestProject project;
    String ns;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
        project = TestProjects.aProject(api);
        ns = TestProjects.aNamespace();
        project.dialogue(ns);
    }

    private void allowOnly(String cidr) {
        TestApi.Response r =
                api.patch(project.adminKey(), "/v1/project", json("ip_allowlist", List.of(cidr), "confirm", true));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void theProjectAllowlistRefusesOtherAddressesWith403() {
        allowOnly(OFFICE);
        TestApi.Response outside = api.viaProxy("198.51.100.7").get(project.adminKey(), "/v1/project");
        assertThat(outside.status()).isEqualTo(403);
        assertThat(outside.errorCode()).isEqualTo("IP_NOT_ALLOWED");
        assertThat(outside.text("/error/type")).isEqualTo("authorization");
        assertThat(outside.body()).doesNotContain(project.id());
        assertThat(api.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues")
                        .status())
                .isEqualTo(403);

        TestApi inside = api.viaProxy("203.0.113.200");
        assertThat(inside.get(project.adminKey(), "/v1/namespaces/" + ns + "/dialogues")
                        .status())
                .isEqualTo(200);
        assertThat(inside.patch(project.adminKey(), "/v1/project", json("ip_allowlist", List.of()))
                        .status())
                .isEqualTo(200);
        assertThat(api.get(project.adminKey(), "/v1/project").status()).isEqualTo(200);
    }

    @Test
    void anExportLinkIsRefusedFromOutsideTheProjectAllowlist() {
        TestApi inside = api.viaProxy("203.0.113.20");
        TestApi.Response link = api.post(project.adminKey(), "/v1/namespaces/" + ns + "/export", null);
        assertThat(link.status()).as(link.body()).isEqualTo(200);
        String path = link.text("/url").substring(link.text("/url").indexOf("/v1/"));
        allowOnly(OFFICE);

        TestApi.Response outside = api.viaProxy("198.51.100.7").get(null, path);
        assertThat(outside.status()).as(outside.body()).isEqualTo(403);
        assertThat(outside.errorCode()).isEqualTo("IP_NOT_ALLOWED");
        assertThat(outside.text("/error/type")).isEqualTo("authorization");
        assertThat(outside.json().has("dialogues")).isFalse();
        assertThat(api.get(null, path).errorCode()).isEqualTo("IP_NOT_ALLOWED");

        TestApi.Response fromOffice = inside.get(null, path);
        assertThat(fromOffice.status()).as(fromOffice.body()).isEqualTo(200);
        assertThat(fromOffice.json().get("dialogues")).hasSize(1);
    }

    @Test
    void aKeyAllowlistRefusesOtherAddressesEvenWhenTheProjectAllowsThem() {
        TestApi.Response created = api.post(
                project.adminKey(),
                "/v1/keys",
                json("name", "office", "capabilities", List.of("read"), "ip_allowlist", List.of(OFFICE)));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String officeKey = created.text("/key");
        assertThat(api.get(officeKey, "/v1/project").errorCode()).isEqualTo("IP_NOT_ALLOWED");
        assertThat(api.viaProxy("203.0.113.9").get(officeKey, "/v1/project").status())
                .isEqualTo(200);
        assertThat(api.viaProxy("2001:db8::9").get(officeKey, "/v1/project").status())
                .isEqualTo(403);
        // the admin key has no allowlist of its own
        assertThat(api.get(project.adminKey(), "/v1/project").status()).isEqualTo(200);
    }

    @Test
    void aSpoofedForwardedForFromAnUntrustedPeerIsIgnored() {
        allowOnly(OFFICE);
        TestApi spoofing = api.withHeader("X-Forwarded-For", "203.0.113.5");
        TestApi.Response spoofed = spoofing.get(project.adminKey(), "/v1/project");
        assertThat(spoofed.status()).isEqualTo(403);
        assertThat(spoofed.errorCode()).isEqualTo("IP_NOT_ALLOWED");
        // through the trusted proxy, a client cannot hide behind an entry it prepends itself
        assertThat(api.viaProxy("203.0.113.5, 198.51.100.1")
                        .get(project.adminKey(), "/v1/project")
                        .status())
                .isEqualTo(403);
        assertThat(api.viaProxy("198.51.100.1, 203.0.113.5")
                        .get(project.adminKey(), "/v1/project")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void aDeniedRequestPerformsNoTenantQuery() {
        TestApi.Response created = api.post(
                project.adminKey(),
                "/v1/keys",
                json("name", "office", "capabilities", List.of("write"), "ip_allowlist", List.of(OFFICE)));
        String officeKey = created.text("/key");
        String officeKeyId = created.text("/id");
        String dialogues = "/v1/namespaces/" + ns + "/dialogues";
        Map<String, String> idempotent = Map.of("Content-Type", "application/json", "Idempotency-Key", "denied-1");

        // Every statement the server runs borrows a pooled connection: the key check is one borrow (its own
        // lookup the first time, then the first statement of the request transaction, rolled back at once).
        // Other activity can only add borrows, never remove them, so a single attempt that borrowed exactly
        // one ran nothing but the key check; what it would have left behind is checked below.
        long fewest = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 5 && fewest > 1; attempt++) {
            fewest = Math.min(fewest, borrowsDuring(() -> {
                TestApi.Response denied = api.send("POST", dialogues, officeKey, json("title", "x"), idempotent);
                assertThat(denied.errorCode()).isEqualTo("IP_NOT_ALLOWED");
                return denied;
            }));
        }
        assertThat(fewest).as("connections borrowed by a denied request").isEqualTo(1);
        assertThat(borrowsDuring(() -> api.get(project.adminKey(), dialogues)))
                .as("the measure sees a request's transaction")
                .isGreaterThanOrEqualTo(1);

        // and nothing a tenant transaction would leave behind is there
        TestApi.Response keys = api.get(project.adminKey(), "/v1/keys");
        var officeKeyView = keys.json()
                .get("data")
                .valueStream()
                .filter(k -> k.get("id").asString().equals(officeKeyId))
                .findFirst()
                .orElseThrow();
        assertThat(officeKeyView.get("last_used_at").isNull()).isTrue();
        assertThat(api.get(project.adminKey(), dialogues).json().get("data")).hasSize(1);
        TestApi.Response retried =
                api.viaProxy("203.0.113.5").send("POST", dialogues, officeKey, json("title", "x"), idempotent);
        assertThat(retried.status()).isEqualTo(201);
        assertThat(retried.header("Idempotent-Replayed")).isNull();
    }

    @Test
    void theLockOutConfirmationJudgesTheClientAddressBehindTheProxy() {
        TestApi office = api.viaProxy("203.0.113.5");
        assertThat(office.patch(project.adminKey(), "/v1/project", json("ip_allowlist", List.of(OFFICE)))
                        .status())
                .isEqualTo(200);
        TestApi.Response elsewhere =
                office.patch(project.adminKey(), "/v1/project", json("ip_allowlist", List.of("198.51.100.0/24")));
        assertThat(elsewhere.status()).isEqualTo(400);
        assertThat(elsewhere.json().at("/error/fields/0/field").asString()).isEqualTo("ip_allowlist");
    }

    private long borrowsDuring(Supplier<TestApi.Response> request) {
        long before = borrows();
        request.get();
        return borrows() - before;
    }

    private long borrows() {
        Timer usage = meters.find("hikaricp.connections.usage")
                .tag("pool", "colloquy-app")
                .timer();
        assertThat(usage).as("HikariCP connection usage metric").isNotNull();
        return usage.count();
    }
}
