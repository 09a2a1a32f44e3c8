package io.colloquy.client;

import java.time.Instant;
import java.util.Map;

/**
 * A memory to create.
 *
 * @param kind short_term or long_term
 * @param content its text
 * @param metadata a free-form JSON object, or null
 * @param expiresAt after when it is no longer readable, or null
 */
public record NewMemory(String kind, String content, Map<String, Object> metadata, Instant expiresAt) {
    /** A long-term memory. */
    public static NewMemory longTerm(String content) {
        return new NewMemory("long_term", content, null, null);
    }

    /** A short-term memory. */
    public static NewMemory shortTerm(String content) {
        return new NewMemory("short_term", content, null, null);
    }
}
