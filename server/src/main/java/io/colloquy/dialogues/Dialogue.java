package io.colloquy.dialogues;

import io.colloquy.web.Metadata;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A dialogue of one namespace; {@code lastSeq} is the seq of its newest message ever appended. A thread is a
 * dialogue with a parent ({@code parentId}) in the same namespace; {@code threadCount} counts its direct threads. {@code key} is the
 * application's own id for it (unique in the namespace), if it was given one. {@code revision} goes up by one with every
 * change to the dialogue or its messages except an append (which moves {@code lastSeq}).
 */
public record Dialogue(
        UUID projectId,
        String namespace,
        UUID id,
        @Nullable String title,
        Metadata metadata,
        List<String> tags,
        int messageCount,
        long lastSeq,
        boolean legalHold,
        Instant createdAt,
        Instant updatedAt,
        Status status,
        @Nullable UUID parentId,
        int threadCount,
        @Nullable String key,
        long revision) {

    /** Where a dialogue is in its life; any status may follow any other. */
    public enum Status {
        ACTIVE,
        ENDED,
        ARCHIVED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static java.util.Optional<Status> fromWire(@Nullable String s) {
            for (Status v : values()) {
                if (v.wireName().equals(s)) {
                    return java.util.Optional.of(v);
                }
            }
            return java.util.Optional.empty();
        }
    }
}
