package io.colloquy.client;

import java.time.Instant;
import java.util.Map;

/**
 * A memory of one namespace.
 *
 * @param id {@code mem_...}
 * @param namespace its namespace
 * @param kind short_term or long_term
 * @param content its text
 * @param metadata free-form JSON object
 * @param expiresAt after when it is no longer readable, or null
 * @param createdAt when it was created
 * @param updatedAt when it last changed
 */
public record Memory(
        String id,
        String namespace,
        String kind,
        String content,
        Map<String, Object> metadata,
        Instant expiresAt,
        Instant createdAt,
        Instant updatedAt) {}
