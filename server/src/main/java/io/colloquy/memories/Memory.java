package io.colloquy.memories;

import io.colloquy.web.Metadata;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** A memory of a namespace. An expired memory ({@code expiresAt} passed) is no longer readable. */
public record Memory(
        UUID projectId,
        String namespace,
        UUID id,
        Kind kind,
        String content,
        Metadata metadata,
        @Nullable Instant expiresAt,
        Instant createdAt,
        Instant updatedAt) {

    public enum Kind {
        SHORT_TERM,
        LONG_TERM;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Kind> fromWire(@Nullable String s) {
            for (Kind k : values()) {
                if (k.wireName().equals(s)) {
                    return Optional.of(k);
                }
            }
            return Optional.empty();
        }
    }
}
