package io.colloquy.memories;

import io.colloquy.web.Metadata;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A memory of a namespace. An expired memory ({@code expiresAt} passed) is no longer readable. It holds a
 * {@code content} text, a {@code value} (any JSON, as compact JSON text) or both; {@code clientId} is the id
 * its creator chose (then its public id), if any.
 */
public record Memory(
        UUID projectId,
        String namespace,
        UUID id,
        Kind kind,
        @Nullable String content,
        Metadata metadata,
        @Nullable Instant expiresAt,
        Instant createdAt,
        Instant updatedAt,
        @Nullable String clientId,
        @Nullable String value,
        @Nullable String label,
        @Nullable String description) {

    /** A client-chosen id: a letter or digit, then up to 127 letters, digits and {@code _ . : -}. */
    public static final java.util.regex.Pattern CLIENT_ID =
            java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");

    /** The id the API shows: the client's, or {@code mem_<32 hex>}. */
    public String publicId() {
        return clientId != null ? clientId : io.colloquy.platform.Ids.format("mem", id);
    }

    /** The text keyword search sees: content, label and description. */
    public String searchText() {
        StringBuilder text = new StringBuilder();
        for (String part : new String[] {content, label, description}) {
            if (part != null) {
                text.append(text.isEmpty() ? "" : "\n").append(part);
            }
        }
        return text.toString();
    }

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
