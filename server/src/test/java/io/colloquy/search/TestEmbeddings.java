package io.colloquy.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.TestApi;
import java.time.Duration;
import java.time.Instant;

/** Waits for the embedding worker: polls a namespace's semantic search until it reports nothing pending. */
public final class TestEmbeddings {
    private TestEmbeddings() {}

    public static void awaitEmbedded(TestApi api, String key, String ns) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60)); // the first call loads the model
        while (true) {
            TestApi.Response r = api.get(key, "/v1/namespaces/" + ns + "/search?q=anything&mode=semantic&limit=1");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            if (r.json().get("pending").asLong() == 0) {
                return;
            }
            assertThat(Instant.now()).as("the worker embeds within a minute").isBefore(deadline);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
