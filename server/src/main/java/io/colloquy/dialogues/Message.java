package io.colloquy.dialogues;

import io.colloquy.web.Metadata;
import java.time.Instant;
import java.util.UUID;

/**
 * A message of a dialogue; {@code seq} is dense per dialogue, starting at 1; {@code updatedAt} null until edited;
 * {@code screening} its prompt-injection screening (null for a message stored before screening existed).
 */
public record Message(
        UUID projectId,
        String namespace,
        UUID dialogueId,
        UUID id,
        long seq,
        Role role,
        String content,
        Metadata metadata,
        Instant createdAt,
        @org.jspecify.annotations.Nullable Instant updatedAt,
        io.colloquy.screening.@org.jspecify.annotations.Nullable Screening screening) {

    /** A message without a screening (as stored before screening existed). */
    public Message(
            UUID projectId,
            String namespace,
            UUID dialogueId,
            UUID id,
            long seq,
            Role role,
            String content,
            Metadata metadata,
            Instant createdAt,
            @org.jspecify.annotations.Nullable Instant updatedAt) {
        this(projectId, namespace, dialogueId, id, seq, role, content, metadata, createdAt, updatedAt, null);
    }

    public enum Role {
        USER,
        ASSISTANT,
        SYSTEM,
        TOOL;

        private final String wireName = name().toLowerCase(java.util.Locale.ROOT);

        public String wireName() {
            return wireName;
        }

        /** The role stored as {@link #wireName()}. */
        static Role ofWire(String wireName) {
            return switch (wireName) {
                case "user" -> USER;
                case "assistant" -> ASSISTANT;
                case "system" -> SYSTEM;
                case "tool" -> TOOL;
                default -> throw new IllegalArgumentException("Unknown role " + wireName);
            };
        }
    }
}
