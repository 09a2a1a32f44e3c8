package io.colloquy.client;

import java.time.Instant;

/**
 * One result of a keyword search.
 *
 * @param type message or memory
 * @param id the message's or memory's id
 * @param dialogueId a message's dialogue, else null
 * @param seq a message's seq, else null
 * @param role a message's role, else null
 * @param kind a memory's kind, else null
 * @param score its rank (higher is better)
 * @param content its text
 * @param createdAt when it was created
 */
public record SearchHit(
        String type,
        String id,
        String dialogueId,
        Long seq,
        String role,
        String kind,
        double score,
        String content,
        Instant createdAt) {}
