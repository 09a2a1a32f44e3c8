package io.colloquy.memories;

import java.time.Instant;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** A memory as the API shows it (over HTTP and as MCP tool results). */
public record MemoryView(
        String id,
        String namespace,
        String kind,
        @Nullable String content,
        ObjectNode metadata,
        @Nullable Instant expiresAt,
        Instant createdAt,
        Instant updatedAt,
        @Nullable JsonNode value,
        @Nullable String label,
        @Nullable String description) {
    private static final JsonMapper VALUES = JsonMapper.builder().build();

    public static MemoryView of(Memory m) {
        return new MemoryView(
                m.publicId(),
                m.namespace(),
                m.kind().wireName(),
                m.content(),
                m.metadata().value(),
                m.expiresAt(),
                m.createdAt(),
                m.updatedAt(),
                m.value() == null ? null : VALUES.readTree(m.value()),
                m.label(),
                m.description());
    }

    /** This view with its content passed through {@code redact} (see {@code PiiRedactor.forParameter}). */
    public MemoryView redacted(java.util.function.UnaryOperator<String> redact) {
        return new MemoryView(
                id,
                namespace,
                kind,
                content == null ? null : redact.apply(content),
                metadata,
                expiresAt,
                createdAt,
                updatedAt,
                value,
                label,
                description);
    }
}
