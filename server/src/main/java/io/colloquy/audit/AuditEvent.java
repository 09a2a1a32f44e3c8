package io.colloquy.audit;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonRawValue;
import io.colloquy.platform.Ids;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One event's fields as stored. Its leaf hash is {@code SHA-256(0x00 || JCS(envelope))}, where the
 * envelope is the event exactly as the API shows it minus {@code data}, {@code data_salt} and
 * {@code leaf_hash}: {@code data} is committed to through {@code data_hash} (see {@link SaltedData}).
 */
record AuditEvent(
        UUID projectId,
        long seq,
        UUID eventId,
        Instant at,
        @Nullable String namespace,
        String entityType,
        String entityId,
        String action,
        String actorType,
        String actorId,
        @Nullable UUID parentId,
        @Nullable String idempotencyKey,
        byte @Nullable [] dataHash) {

    /** Timestamps in events: RFC 3339, UTC, always six fractional digits (PostgreSQL keeps microseconds). */
    static final DateTimeFormatter AT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private static final HexFormat HEX = HexFormat.of();

    AuditEvent withSeq(long newSeq) {
        return new AuditEvent(
                projectId,
                newSeq,
                eventId,
                at,
                namespace,
                entityType,
                entityId,
                action,
                actorType,
                actorId,
                parentId,
                idempotencyKey,
                dataHash);
    }

    /** The members the leaf hash covers (docs/audit.md, "Canonical encoding"). */
    ObjectNode envelope() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode actor = f.objectNode().put("type", actorType).put("id", actorId);
        ObjectNode e = f.objectNode();
        e.put("seq", seq);
        e.put("id", Ids.format("evt", eventId));
        e.put("at", AT.format(at));
        e.put("project_id", Ids.format("prj", projectId));
        e.put("namespace", namespace);
        e.put("entity_type", entityType);
        e.put("entity_id", entityId);
        e.put("action", action);
        e.set("actor", actor);
        e.put("parent_id", parentId == null ? null : Ids.format("evt", parentId));
        e.put("idempotency_key", idempotencyKey);
        e.put("data_hash", dataHash == null ? null : HEX.formatHex(dataHash));
        return e;
    }

    byte[] leafHash() {
        return Merkle.leafHash(Jcs.canonical(envelope()));
    }

    View view(@Nullable String data, byte @Nullable [] dataSalt, byte[] leafHash) {
        return new View(
                seq,
                Ids.format("evt", eventId),
                AT.format(at),
                Ids.format("prj", projectId),
                namespace,
                entityType,
                entityId,
                action,
                new View.Actor(actorType, actorId),
                parentId == null ? null : Ids.format("evt", parentId),
                idempotencyKey,
                data,
                dataSalt == null ? null : HEX.formatHex(dataSalt),
                dataHash == null ? null : HEX.formatHex(dataHash),
                HEX.formatHex(leafHash));
    }

    /** The event as the API shows it; {@code data} is the stored JSON text, embedded as is. */
    @JsonPropertyOrder({
        "seq",
        "id",
        "at",
        "project_id",
        "namespace",
        "entity_type",
        "entity_id",
        "action",
        "actor",
        "parent_id",
        "idempotency_key",
        "data",
        "data_salt",
        "data_hash",
        "leaf_hash"
    })
    record View(
            @JsonProperty("seq") long seq,
            @JsonProperty("id") String id,
            @JsonProperty("at") String at,
            @JsonProperty("project_id") String projectId,
            @JsonProperty("namespace") @Nullable String namespace,
            @JsonProperty("entity_type") String entityType,
            @JsonProperty("entity_id") String entityId,
            @JsonProperty("action") String action,
            @JsonProperty("actor") Actor actor,
            @JsonProperty("parent_id") @Nullable String parentId,
            @JsonProperty("idempotency_key") @Nullable String idempotencyKey,
            @JsonProperty("data") @JsonRawValue @Nullable String data,
            @JsonProperty("data_salt") @Nullable String dataSalt,
            @JsonProperty("data_hash") @Nullable String dataHash,
            @JsonProperty("leaf_hash") String leafHash) {

        record Actor(
                @JsonProperty("type") String type,
                @JsonProperty("id") String id) {}
    }
}
