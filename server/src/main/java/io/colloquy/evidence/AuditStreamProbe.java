package io.colloquy.evidence;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** Reads a project's live audit stream (WebSocket) from the start and counts events of any other project. */
final class AuditStreamProbe {
    private final Api api;

    AuditStreamProbe(Api api) {
        this.api = api;
    }

    record Seen(int count, int foreign, @Nullable String error) {}

    /** Reads until {@code expected} events arrived (or the deadline passed); the key's project is read first. */
    Seen read(String key, long expected, Duration deadline) {
        String own = api.get(key, "/v1/project").text("/id");
        URI uri = URI.create(api.base().replaceFirst("^http", "ws") + "/v1/audit/stream?after_seq=0");
        AtomicInteger count = new AtomicInteger();
        AtomicInteger foreign = new AtomicInteger();
        CompletableFuture<Void> enough = new CompletableFuture<>();
        StringBuilder partial = new StringBuilder();
        WebSocket.Listener listener = new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    JsonNode event = Api.JSON.readTree(partial.toString());
                    partial.setLength(0);
                    if (event.has("seq")) {
                        count.incrementAndGet();
                        if (!own.equals(event.path("project_id").asString(""))) {
                            foreign.incrementAndGet();
                        }
                    }
                    if (count.get() >= expected) {
                        enough.complete(null);
                    }
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                enough.completeExceptionally(new IllegalStateException("closed " + status + " " + reason));
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                enough.completeExceptionally(error);
            }
        };
        WebSocket socket = null;
        try {
            socket = HttpClient.newBuilder()
                    .sslContext(api.tls())
                    .connectTimeout(Duration.ofSeconds(10))
                    .build()
                    .newWebSocketBuilder()
                    .header("Authorization", "Bearer " + key)
                    .buildAsync(uri, listener)
                    .get(10, TimeUnit.SECONDS);
            if (expected > 0) {
                enough.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            }
            return new Seen(count.get(), foreign.get(), null);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new Seen(count.get(), foreign.get(), cause.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Seen(count.get(), foreign.get(), "interrupted");
        } finally {
            if (socket != null) {
                socket.abort();
            }
        }
    }
}
