package io.colloquy.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.TestApi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Reading a project's audit log through the API, waiting for the sequencer where needed. */
public final class TestAudit {
    private TestAudit() {}

    /** Every event of the key's project (all pages), once at least {@code atLeast} are sequenced. */
    public static List<JsonNode> events(TestApi api, String adminKey, int atLeast) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            List<JsonNode> all = all(api, adminKey, "");
            if (all.size() >= atLeast || System.nanoTime() > deadline) {
                assertThat(all.size()).as("events sequenced in time").isGreaterThanOrEqualTo(atLeast);
                return all;
            }
            sleep(20);
        }
    }

    public static List<JsonNode> all(TestApi api, String adminKey, String query) {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        do {
            TestApi.Response r = api.get(
                    adminKey, "/v1/audit/events?limit=200" + query + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            r.json().get("data").values().forEach(out::add);
            JsonNode next = r.json().get("next_cursor");
            cursor = next.isNull() ? null : next.asString();
        } while (cursor != null);
        return out;
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
