package io.colloquy.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The live audit stream ({@code WebSocket /v1/audit/stream}) as a listener. The stream keeps the seq of the last event
 * it delivered; when the connection drops it reconnects (back-off with jitter) with {@code after_seq} set to it, so
 * no event is missed or delivered twice. It stops for good when closed, or when the server closes it for a credential
 * that is no longer valid (1008) or refuses the handshake with 401/403.
 */
public final class AuditStream implements AutoCloseable {
    /** Receives the stream's events, in seq order, on the stream's thread. */
    public interface Listener {
        /** One event, each once, in seq order. */
        void onEvent(AuditEvent event);

        /** The connection dropped and the stream reconnects after {@code afterSeq} (for logging). */
        default void onReconnecting(long afterSeq, Throwable cause) {}

        /** The stream stopped for good (closed by {@link #close()}, or refused by the server). */
        default void onClosed(int code, String reason) {}
    }

    private final Transport transport;
    private final Listener listener;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "colloquy-audit-stream");
        t.setDaemon(true);
        return t;
    });
    private volatile long lastSeq;
    private volatile boolean closed;
    private volatile WebSocket socket;
    private volatile long lastFrameNanos = System.nanoTime();
    private int failures;
    /** The server pings an idle stream every 15 s: this long without any frame means a dead connection. */
    private static final Duration SILENCE = Duration.ofSeconds(40);

    private AuditStream(Transport transport, long afterSeq, Listener listener) {
        this.transport = transport;
        this.lastSeq = afterSeq;
        this.listener = listener;
    }

    static AuditStream open(Transport transport, long afterSeq, Listener listener) {
        long start = afterSeq;
        if (start < 0) { // only new events: start after the current size, so a reconnect has a place to resume
            start = transport
                    .get("/v1/audit/checkpoint", JsonNode.class)
                    .path("tree_size")
                    .asLong();
        }
        AuditStream stream = new AuditStream(transport, start, listener);
        stream.connect().join();
        stream.scheduler.scheduleWithFixedDelay(stream::checkAlive, 5, 5, TimeUnit.SECONDS);
        return stream;
    }

    /** The seq of the last event delivered (or the start point). */
    public long lastSeq() {
        return lastSeq;
    }

    /** Whether the stream is delivering or reconnecting. */
    public boolean isOpen() {
        return !closed;
    }

    /** Stops the stream; no event is delivered after this returns. */
    @Override
    public void close() {
        stop(WebSocket.NORMAL_CLOSURE, "closed by the client");
    }

    private void stop(int code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
        scheduler.shutdownNow();
        listener.onClosed(code, reason);
    }

    /** A connection that went silent (half-open: no close ever arrives) is dropped and the stream resumes. */
    private void checkAlive() {
        WebSocket ws = socket;
        if (!closed && ws != null && System.nanoTime() - lastFrameNanos > SILENCE.toNanos()) {
            socket = null;
            ws.abort();
            reconnect(new java.io.IOException("no frame for " + SILENCE.toSeconds() + " s"));
        }
    }

    private CompletableFuture<Void> connect() {
        URI http = transport.uri("/v1/audit/stream?after_seq=" + lastSeq);
        URI ws = URI.create(http.toString().replaceFirst("^http", "ws"));
        return transport
                .http()
                .newWebSocketBuilder()
                .header("Authorization", "Bearer " + transport.apiKey())
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(ws, new Frames())
                .handle((socket, error) -> {
                    if (error == null) {
                        lastFrameNanos = System.nanoTime();
                        this.socket = socket;
                        if (closed) {
                            socket.abort();
                        }
                        return null;
                    }
                    Throwable cause =
                            error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    if (cause instanceof WebSocketHandshakeException refused) {
                        int status = refused.getResponse().statusCode();
                        if (status == 401 || status == 403 || status == 400) {
                            stop(1008, "the handshake was refused with HTTP " + status);
                            return null;
                        }
                    }
                    reconnect(cause);
                    return null;
                });
    }

    private synchronized void reconnect(Throwable cause) {
        if (closed) {
            return;
        }
        failures++;
        listener.onReconnecting(lastSeq, cause);
        Duration wait = transport.backoff(Math.min(failures, 6));
        try {
            scheduler.schedule(this::connect, wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closedMeanwhile) {
            // closed
        }
    }

    private final class Frames implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            lastFrameNanos = System.nanoTime();
            text.append(data);
            if (last) {
                String frame = text.toString();
                text.setLength(0);
                if (!closed) {
                    AuditEvent event =
                            AuditEvent.of(Transport.read(frame.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                    if (event.seq() > lastSeq) {
                        listener.onEvent(event);
                        lastSeq = event.seq();
                        synchronized (AuditStream.this) {
                            failures = 0;
                        }
                    }
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            lastFrameNanos = System.nanoTime();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            if (statusCode == 1008) {
                stop(statusCode, reason);
            } else {
                reconnect(new java.io.IOException("closed by the server: " + statusCode + " " + reason));
            }
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            reconnect(error);
        }
    }
}
