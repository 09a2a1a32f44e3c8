package io.colloquy.client;

import java.util.Map;

/**
 * A message to append.
 *
 * @param role user, assistant, system or tool
 * @param content its text (1 to 32,000 characters by default)
 * @param metadata a free-form JSON object, or null
 */
public record NewMessage(String role, String content, Map<String, Object> metadata) {
    /** A user message. */
    public static NewMessage user(String content) {
        return new NewMessage("user", content, null);
    }

    /** An assistant message. */
    public static NewMessage assistant(String content) {
        return new NewMessage("assistant", content, null);
    }

    /** A system message. */
    public static NewMessage system(String content) {
        return new NewMessage("system", content, null);
    }

    /** A tool message (a tool's result). */
    public static NewMessage tool(String content) {
        return new NewMessage("tool", content, null);
    }

    /** This message with metadata. */
    public NewMessage withMetadata(Map<String, Object> metadata) {
        return new NewMessage(role, content, metadata);
    }
}
