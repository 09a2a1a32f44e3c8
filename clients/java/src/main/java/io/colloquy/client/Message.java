package io.colloquy.client;

import java.time.Instant;
import java.util.Map;

/**
 * A message of a dialogue.
 *
 * @param id {@code msg_...}
 * @param dialogueId its dialogue
 * @param seq its place in the dialogue: 1, 2, 3, ... with no gap
 * @param role user, assistant, system or tool
 * @param content its text
 * @param metadata free-form JSON object
 * @param createdAt when it was appended
 */
public record Message(
        String id,
        String dialogueId,
        long seq,
        String role,
        String content,
        Map<String, Object> metadata,
        Instant createdAt) {}
