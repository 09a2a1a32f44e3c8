package io.colloquy.webhooks;

import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One delivery attempt of an event to a webhook: the receiver's status code (null when none came: refused
 * by the SSRF guard, connection failed, timed out), what went wrong, how long it took, and when the next
 * attempt is due (null after a success or when the webhook was disabled).
 */
record Delivery(
        UUID id,
        long eventSeq,
        String eventId,
        int attempt,
        @Nullable Integer statusCode,
        @Nullable String error,
        int latencyMs,
        @Nullable Instant nextRetryAt,
        Instant at) {}
