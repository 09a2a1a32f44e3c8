package io.colloquy.dialogues;

import io.colloquy.web.Metadata;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A dialogue of one namespace; {@code lastSeq} is the seq of its newest message ever appended; {@code key} the
 * application's own id for it (unique in the namespace), if it was given one.
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
        @Nullable String key) {}
