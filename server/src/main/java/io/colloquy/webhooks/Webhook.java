package io.colloquy.webhooks;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A webhook of a project: where its events go, which ones ({@code events}: {@code *}, {@code entity.*} or
 * {@code entity.action}; {@code namespace}: only that namespace's events), its signing secrets
 * ({@code whsec_…}; the previous one keeps signing until {@code previousSecretUntil} after a rotation), and
 * its place in the project's audit log ({@code cursorSeq}: everything up to it is delivered or skipped).
 */
record Webhook(
        UUID projectId,
        UUID id,
        String url,
        List<String> events,
        @Nullable String namespace,
        boolean includeData,
        Status status,
        @Nullable String disabledReason,
        String secret,
        @Nullable String previousSecret,
        @Nullable Instant previousSecretUntil,
        long cursorSeq,
        @Nullable Instant failingSince,
        int attempts,
        Instant nextAttemptAt,
        Instant createdAt,
        Instant updatedAt) {

    enum Status {
        ACTIVE,
        DISABLED;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Whether an event of this type ({@code entity_type.action}) is one the webhook asked for. */
    boolean wants(String entityType, String action) {
        for (String e : events) {
            if (e.equals("*") || e.equals(entityType + ".*") || e.equals(entityType + "." + action)) {
                return true;
            }
        }
        return false;
    }

    /** The secrets that sign a delivery now: the current one, and the previous one during its overlap. */
    List<String> signingSecrets(Instant now) {
        return previousSecret != null && previousSecretUntil != null && previousSecretUntil.isAfter(now)
                ? List.of(secret, previousSecret)
                : List.of(secret);
    }
}
