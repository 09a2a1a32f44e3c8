package io.colloquy.limits;

import static io.colloquy.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import io.colloquy.TestApi;
import io.colloquy.TestProjects;
import io.colloquy.TestProjects.TestProject;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Rate limits through the API, on projects given the test plan {@code test-rate} (2 requests a second,
 * bursts of 4) by the operator; every other test's project stays on the unlimited default.
 */
@IntegrationTest
class RateLimitIntegrationTests {
    private static final String MAX = Integer.toString(Integer.MAX_VALUE);

    @LocalServerPort
    int port;

    TestApi api;

    @BeforeEach
    void setUp() {
        api = new TestApi(port);
    }

    private TestProject aProjectOnPlan(String plan) {
        TestProject p = TestProjects.aProject(api);
        TestApi.Response changed =
                api.patch(io.colloquy.IntegrationTest.OPERATOR_TOKEN, "/v1/projects/" + p.id(), json("plan", plan));
        assertThat(changed.status()).as(changed.body()).isEqualTo(200);
        return p;
    }

    /** Sends until the first 429 (bounded); returns it. */
    private TestApi.Response exhaust(TestApi client, String token, String path, int atMost) {
        for (int i = 0; i < atMost; i++) {
            TestApi.Response r = client.get(token, path);
            if (r.status() == 429) {
                return r;
            }
        }
        throw new AssertionError("no 429 within " + atMost + " requests");
    }

    /** Like {@link #exhaust}, from 8 clients at once: drains a bucket faster than it refills on a slow machine. */
    private TestApi.Response exhaustConcurrently(TestApi client, String token, String path, int atMost)
            throws Exception {
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<TestApi.Response> refused =
                new java.util.concurrent.atomic.AtomicReference<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            for (int t = 0; t < 8; t++) {
                pool.submit(() -> {
                    while (refused.get() == null && sent.incrementAndGet() <= atMost) {
                        TestApi.Response r = client.get(token, path);
                        if (r.status() == 429) {
                            refused.compareAndSet(null, r);
                        }
                    }
                });
            }
        }
        assertThat(refused.get()).as("a 429 within " + atMost + " requests").isNotNull();
        return refused.get();
    }

    @Test
    void aBurstOverTheLimitGets429WithACorrectRetryAfterAndPassesAfterWaiting() throws Exception {
        TestProject p = aProjectOnPlan("test-rate");
        long start = Instant.now().getEpochSecond();
        long began = System.nanoTime();
        int admitted = 0;
        TestApi.Response refused = null;
        for (int i = 0; i < 30 && refused == null; i++) {
            TestApi.Response r = api.get(p.adminKey(), "/v1/project");
            if (r.status() == 429) {
                refused = r;
            } else {
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("X-RateLimit-Limit")).isEqualTo("4");
                admitted++;
            }
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        assertThat(refused).as("a burst against a bucket of 4").isNotNull();
        // the 4 in the bucket, plus what 2/s refilled while the burst was being sent
        assertThat(admitted).isBetween(4, 4 + (int) Math.ceil(2 * seconds));
        assertThat(refused.errorCode()).isEqualTo("RATE_LIMIT_EXCEEDED");
        assertThat(refused.text("/error/type")).isEqualTo("rate_limit");
        assertThat(refused.text("/error/request_id")).startsWith("req_");
        assertThat(refused.header("X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(Long.parseLong(refused.header("X-RateLimit-Reset"))).isBetween(start + 1, start + 4);
        // the next token comes within half a second at 2/s: Retry-After rounds that up to 1
        int retryAfter = Integer.parseInt(refused.header("Retry-After"));
        assertThat(retryAfter).isEqualTo(1);

        Thread.sleep(retryAfter * 1000L);
        TestApi.Response after = api.get(p.adminKey(), "/v1/project");
        assertThat(after.status()).isEqualTo(200);
    }

    @Test
    void oneProjectsTrafficNeverLimitsAnothers() {
        TestProject busy = aProjectOnPlan("test-rate");
        TestProject quiet = aProjectOnPlan("test-rate");
        String reader = busy.key("read");
        exhaust(api, busy.adminKey(), "/v1/project", 20);
        TestApi.Response other = api.get(quiet.adminKey(), "/v1/project");
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.header("X-RateLimit-Remaining")).isEqualTo("3");
        // a second key of the busy project shares its (nearly empty) bucket: the limit is per project
        TestApi.Response sameProject = api.get(reader, "/v1/project");
        if (sameProject.status() != 429) {
            assertThat(Integer.parseInt(sameProject.header("X-RateLimit-Remaining")))
                    .isLessThan(3);
        }
        // and requests without a key, from the same address, are counted apart
        assertThat(api.get(null, "/v1/project").status()).isEqualTo(401);
    }

    @Test
    void aPlanChangeTakesEffectOnTheNextRequest() {
        TestProject p = TestProjects.aProject(api);
        assertThat(api.get(p.adminKey(), "/v1/project").header("X-RateLimit-Limit"))
                .isEqualTo(MAX);
        api.patch(io.colloquy.IntegrationTest.OPERATOR_TOKEN, "/v1/projects/" + p.id(), json("plan", "test-rate"));
        assertThat(api.get(p.adminKey(), "/v1/project").header("X-RateLimit-Limit"))
                .isEqualTo("4");
        TestApi.Response limited = exhaust(api, p.adminKey(), "/v1/project", 20);
        assertThat(limited.status()).isEqualTo(429);
        api.patch(io.colloquy.IntegrationTest.OPERATOR_TOKEN, "/v1/projects/" + p.id(), json("plan", "business"));
        TestApi.Response upgraded = api.get(p.adminKey(), "/v1/project");
        assertThat(upgraded.status()).isEqualTo(200);
        assertThat(upgraded.header("X-RateLimit-Limit")).isEqualTo("200");
        assertThat(upgraded.header("X-RateLimit-Remaining")).isEqualTo("199");
        assertThat(api.patch(
                                io.colloquy.IntegrationTest.OPERATOR_TOKEN,
                                "/v1/projects/" + p.id(),
                                json("plan", "unlimited"))
                        .status())
                .isEqualTo(200);
        TestApi.Response unlimited = api.get(p.adminKey(), "/v1/project");
        assertThat(unlimited.header("X-RateLimit-Limit")).isEqualTo(MAX);
        assertThat(unlimited.header("X-RateLimit-Remaining")).isEqualTo(MAX);
    }

    @Test
    void requestsWithoutAValidKeyAreLimitedPerClientAddress() throws Exception {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String guesser = "198.51.100." + random.nextInt(1, 127);
        String neighbour = "198.51.100." + random.nextInt(128, 255);
        TestApi fromGuesser = api.viaProxy(guesser);
        String guess = "cq_key_" + "0".repeat(32) + "_" + "A".repeat(43);
        TestApi.Response refused = exhaustConcurrently(fromGuesser, guess, "/v1/project", 1000);
        assertThat(refused.errorCode()).isEqualTo("RATE_LIMIT_EXCEEDED");
        assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 2);
        assertThat(refused.header("X-RateLimit-Limit")).isEqualTo("100");
        // no key at all counts the same way; health probes are never refused (concurrently: at 50/s a
        // token comes back every 20 ms, and a pause of the test JVM refills the bucket for a while)
        assertThat(exhaustConcurrently(fromGuesser, null, "/v1/project", 1000).errorCode())
                .isEqualTo("RATE_LIMIT_EXCEEDED");
        assertThat(fromGuesser.get(null, "/healthz").status()).isEqualTo(200);
        // another address, and a valid key from the limited address, are not affected
        assertThat(api.viaProxy(neighbour).get(guess, "/v1/project").status()).isEqualTo(401);
        TestProject p = TestProjects.aProject(api);
        assertThat(fromGuesser.get(p.adminKey(), "/v1/project").status()).isEqualTo(200);
    }

    @Test
    void theOperatorIsNotRateLimited() {
        TestApi.Response created =
                api.post(io.colloquy.IntegrationTest.OPERATOR_TOKEN, "/v1/projects", json("name", "operator"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("X-RateLimit-Limit")).isEqualTo(MAX);
        assertThat(Long.parseLong(created.header("X-RateLimit-Reset")))
                .isBetween(Instant.now().getEpochSecond() - 1, Instant.now().getEpochSecond() + 1);
    }
}
