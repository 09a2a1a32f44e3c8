package io.colloquy.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;

/**
 * One event of the project's audit log.
 *
 * @param seq its place in the log, from 1, dense
 * @param id {@code evt_...}
 * @param at when it was recorded
 * @param projectId its project
 * @param namespace its namespace, null for projects and keys
 * @param entityType project, key, dialogue, message, memory, ...
 * @param entityId the entity's id
 * @param action created, updated, deleted, ...
 * @param actorType api_key or system
 * @param actorId the actor's id
 * @param parentId the event it belongs under, or null
 * @param idempotencyKey the request's Idempotency-Key, or null
 * @param data the entity as the API returned it, null for deletions and erased data
 * @param dataHash the commitment to the data, or null
 * @param leafHash the Merkle leaf hash the server computed (hex)
 * @param json the event exactly as the server sent it (what the leaf hash is computed from)
 */
public record AuditEvent(
        long seq,
        String id,
        Instant at,
        String projectId,
        String namespace,
        String entityType,
        String entityId,
        String action,
        String actorType,
        String actorId,
        String parentId,
        String idempotencyKey,
        JsonNode data,
        String dataHash,
        String leafHash,
        JsonNode json) {

    static AuditEvent of(JsonNode e) {
        return new AuditEvent(
                e.path("seq").asLong(),
                text(e, "id"),
                Instant.parse(e.path("at").asText()),
                text(e, "project_id"),
                text(e, "namespace"),
                text(e, "entity_type"),
                text(e, "entity_id"),
                text(e, "action"),
                text(e.path("actor"), "type"),
                text(e.path("actor"), "id"),
                text(e, "parent_id"),
                text(e, "idempotency_key"),
                e.path("data").isObject() ? e.get("data") : null,
                text(e, "data_hash"),
                text(e, "leaf_hash"),
                e);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /**
     * The leaf hash computed here from the event's envelope (the event minus {@code data}, {@code data_salt} and
     * {@code leaf_hash}): {@code SHA-256(0x00 || JCS(envelope))}, hex. Equal to {@link #leafHash()} for an event
     * the server did not alter after logging it.
     */
    public String computeLeafHash() {
        ObjectNode envelope = ((ObjectNode) json).deepCopy();
        envelope.remove("data");
        envelope.remove("data_salt");
        envelope.remove("leaf_hash");
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((byte) 0);
            sha.update(Jcs.canonical(envelope));
            return Merkle.hex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
