package io.colloquy.client;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A dialogue (a conversation) of one namespace.
 *
 * @param id {@code dlg_...}
 * @param namespace its namespace
 * @param key the application's own id for it (unique in the namespace), or null
 * @param title its title, or null
 * @param metadata free-form JSON object
 * @param tags its tags
 * @param messageCount how many messages it holds
 * @param legalHold whether it is under legal hold (no edits or deletes)
 * @param createdAt when it was created
 * @param updatedAt when it last changed
 * @param revision goes up with every change to the dialogue or its messages except an append
 */
public record Dialogue(
        String id,
        String namespace,
        String key,
        String title,
        Map<String, Object> metadata,
        List<String> tags,
        int messageCount,
        boolean legalHold,
        Instant createdAt,
        Instant updatedAt,
        long revision) {}
