package io.colloquy.memories;

import io.colloquy.platform.Ids;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/** A memory as the API shows it (over HTTP and as MCP tool results). */
public record MemoryView(
        String id,
        String namespace,
        String kind,
        String content,
        ObjectNode metadata,
        @Nullable Instant expiresAt,
        Instant createdAt,
        Instant updatedAt) {
    public static MemoryView of(Memory m) {
        return new MemoryView(
                Ids.format("mem", m.id()),
                m.namespace(),
                m.kind().wireName(),
                m.content(),
                m.metadata().value(),
                m.expiresAt(),
                m.createdAt(),
                m.updatedAt());
    }
}
