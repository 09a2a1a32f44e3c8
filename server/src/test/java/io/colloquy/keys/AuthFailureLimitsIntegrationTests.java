package io.colloquy.keys;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Guessing keys costs the guesser, not the database: once an address has spent its budget for
 * requests without a valid key, its next guesses are refused (429) before the key lookup. Every
 * failure is counted in {@code colloquy_auth_failures_total} by reason.
 *
 * <p>The guesser sends through the tests' trusted proxy (127.0.0.2) on behalf of an address of its
 * own, so the budget of 127.0.0.1 that the rest of the suite shares is not touched.
 */
@IntegrationTest
class AuthFailureLimitsIntegrationTests {
    private static final SecureRandom RANDOM = new SecureRandom();

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    MeterRegistry meters;

    @Test
    void aBurstOfBadKeysIsRefusedBeforeTheKeyLookupOnceTheAddressBudgetIsSpent() throws Exception {
        TestApi api = new TestApi(port);
        TestApi guesser = api.viaProxy("192.0.2." + ThreadLocalRandom.current().nextInt(1, 255));
        double unknownBefore = failures("unknown");

        // spend the budget: concurrently, so the bucket empties faster than it refills
        AtomicInteger sent = new AtomicInteger();
        AtomicBoolean refused = new AtomicBoolean();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            for (int t = 0; t < 8; t++) {
                pool.submit(() -> {
                    while (!refused.get() && sent.incrementAndGet() <= 1000) {
                        if (guesser.get(aGuess(), "/v1/project").status() == 429) {
                            refused.set(true);
                        }
                    }
                });
            }
        }
        assertThat(refused).as("a 429 within 1000 guesses").isTrue();
        assertThat(failures("unknown") - unknownBefore)
                .as("failed lookups counted")
                .isGreaterThanOrEqualTo(50);

        // A refused guess borrows no connection. Other activity can only add borrows, so one refused
        // attempt that borrowed none proves it (a token comes back every 20 ms: some attempts pass).
        long fewest = Long.MAX_VALUE;
        int refusals = 0;
        for (int attempt = 0; attempt < 200 && (fewest > 0 || refusals < 3); attempt++) {
            long before = borrows();
            TestApi.Response r = guesser.get(aGuess(), "/v1/project");
            long borrowed = borrows() - before;
            if (r.status() == 429) {
                refusals++;
                fewest = Math.min(fewest, borrowed);
                assertThat(r.errorCode()).isEqualTo("RATE_LIMIT_EXCEEDED");
                assertThat(r.header("Retry-After")).isNotNull();
                assertThat(r.header("X-RateLimit-Remaining")).isEqualTo("0");
                assertThat(r.header("X-Request-Id")).startsWith("req_");
            }
        }
        assertThat(refusals).as("refused guesses").isGreaterThanOrEqualTo(1);
        assertThat(fewest).as("connections borrowed by a refused guess").isZero();

        // a key this server issued still works from the limited address
        var project = TestProjects.aProject(api);
        assertThat(guesser.get(project.adminKey(), "/v1/project").status()).isEqualTo(200);
    }

    @Test
    void failedAuthenticationsAreCountedByReasonOnMetrics() throws Exception {
        TestApi api = new TestApi(port)
                .viaProxy("192.0.2." + ThreadLocalRandom.current().nextInt(1, 255));
        double missing = failures("missing");
        double malformed = failures("malformed");
        double unknown = failures("unknown");
        assertThat(api.get(null, "/v1/project").status()).isEqualTo(401);
        assertThat(api.get("not-a-key", "/v1/project").status()).isEqualTo(401);
        assertThat(api.get(aGuess(), "/v1/project").status()).isEqualTo(401);
        assertThat(failures("missing")).isEqualTo(missing + 1);
        assertThat(failures("malformed")).isEqualTo(malformed + 1);
        assertThat(failures("unknown")).isEqualTo(unknown + 1);

        HttpResponse<String> scrape = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.body())
                .contains("colloquy_auth_failures_total{reason=\"unknown\"}")
                .contains("colloquy_auth_failures_total{reason=\"missing\"}")
                .doesNotContain("cq_key_");
    }

    private double failures(String reason) {
        Counter c = meters.find("colloquy.auth.failures").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    private long borrows() {
        Timer usage = meters.find("hikaricp.connections.usage")
                .tag("pool", "colloquy-app")
                .timer();
        assertThat(usage).as("HikariCP connection usage metric").isNotNull();
        return usage.count();
    }

    /** A well-formed key that does not exist. */
    private static String aGuess() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return "cq_key_" + HexFormat.of().formatHex(id) + "_"
                + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }
}
