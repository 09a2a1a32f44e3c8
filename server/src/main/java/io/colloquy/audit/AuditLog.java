package io.colloquy.audit;

import io.colloquy.crypto.EncryptionKeyChanged;
import io.colloquy.crypto.FieldRef;
import io.colloquy.crypto.StoredValues;
import io.colloquy.platform.Ids;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * Records audit events in the CURRENT transaction, the one that makes the change: an event is written
 * if and only if its change commits (a failed insert fails the change). Events go to an outbox; the
 * sequencer gives them their place in the project's Merkle log shortly after commit (docs/audit.md).
 * The actor and the request's {@code Idempotency-Key} come from the bound {@link AuditContext}.
 */
@Service
public class AuditLog {
    static final String DATA_TABLE = "audit_events";
    private static final AuditActor SERVER = AuditActor.system("server");
    private static final JsonMapper PLAIN = JsonMapper.builder().build();
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final AuditRepository events;
    private final JsonMapper json;
    private final StoredValues values;
    private final Clock clock;

    AuditLog(AuditRepository events, JsonMapper json, StoredValues values, Clock clock) {
        this.events = events;
        this.json = json;
        this.values = values;
        this.clock = clock;
    }

    /**
     * One change: {@code data} is the entity as the API returns it (null for deletions), serialized with
     * the API's own JSON settings; {@code parentId} links e.g. a deleted message to its dialogue's event.
     */
    public record Change(
            UUID projectId,
            @Nullable String namespace,
            EntityType entityType,
            String entityId,
            Action action,
            @Nullable UUID parentId,
            @Nullable Object data) {

        public static Change of(
                UUID projectId,
                @Nullable String namespace,
                EntityType entityType,
                String entityId,
                Action action,
                @Nullable Object data) {
            return new Change(projectId, namespace, entityType, entityId, action, null, data);
        }

        public Change under(@Nullable UUID parent) {
            return new Change(projectId, namespace, entityType, entityId, action, parent, data);
        }
    }

    /** A project's key was supplied, revoked or rotated: recorded in the changing transaction (never key material). */
    @EventListener
    void onEncryptionKeyChanged(EncryptionKeyChanged changed) {
        record(Change.of(
                changed.projectId(),
                null,
                EntityType.PROJECT,
                Ids.format("prj", changed.projectId()),
                Action.UPDATED,
                java.util.Map.of(
                        "encryption_key",
                        changed.change(),
                        "customer_key",
                        changed.status().customerKey(),
                        "revoked",
                        changed.status().revoked(),
                        "version",
                        changed.status().version())));
    }

    /** Records one change; returns its event id (to use as the parent of follow-on changes). */
    public UUID record(Change change) {
        return recordAll(List.of(change)).getFirst();
    }

    /** Records changes in this order (one multi-row insert per 500); returns their event ids. */
    public List<UUID> recordAll(List<Change> changes) {
        List<AuditRepository.Pending> rows = pending(changes);
        events.insertOutbox(rows);
        return rows.stream().map(r -> r.event().eventId()).toList();
    }

    /**
     * The events of changes, for the caller to write in the same statement as the changes themselves (one
     * round trip, see {@link Outbox}), in the current transaction. The rows are written only if the
     * caller's {@code WITH} item {@code guard} returns a row; the caller checks that it did.
     *
     * @param name the name of the {@code WITH} item these events become
     */
    public Outbox outbox(String name, String guard, List<Change> changes) {
        return AuditRepository.outboxItem(name, guard, pending(changes));
    }

    /**
     * An insert of events into the outbox as a data-modifying {@code WITH} item ({@code name AS (INSERT ...)})
     * with its positional parameters, to put into a statement of the caller's; {@code eventIds} in order.
     */
    /**
     * The outbox rows of a change, as a {@code WITH} item of the change's statement ({@code withItem}) or, where
     * that one statement cannot run (a distributed database: docs/scale-out.md), as a statement of its own to run
     * right after the change ({@code insert}); both take {@code params}.
     */
    public record Outbox(String withItem, String insert, List<Object> params, List<UUID> eventIds) {}

    private List<AuditRepository.Pending> pending(List<Change> changes) {
        AuditContext context = AuditContext.current().orElse(null);
        AuditActor actor = context == null ? SERVER : context.actor();
        String idempotencyKey = context == null ? null : context.idempotencyKey();
        Instant now = clock.instant();
        List<AuditRepository.Pending> rows = new ArrayList<>(changes.size());
        for (Change c : changes) {
            UUID id = Ids.newId();
            byte[] data = null;
            byte[] dataHash = null;
            if (c.data() != null) {
                String text = json.writeValueAsString(c.data());
                byte[] salt = new byte[SaltedData.SALT_BYTES];
                RANDOM.nextBytes(salt);
                dataHash = SaltedData.dataHash(salt, PLAIN.readTree(text));
                data = sealOrNothing(c, id, SaltedData.stored(salt, text));
            }
            rows.add(new AuditRepository.Pending(
                    new AuditEvent(
                            c.projectId(),
                            0,
                            id,
                            now,
                            c.namespace(),
                            c.entityType().wireName(),
                            c.entityId(),
                            c.action().wireName(),
                            actor.type(),
                            actor.id(),
                            c.parentId(),
                            idempotencyKey,
                            dataHash),
                    data));
        }
        return rows;
    }

    /**
     * Removes the data (and with it the salt its data_hash commits with) of every event about these
     * entities, in the current tenant transaction: called when they are removed for good, so their content
     * does not outlive them in the log. Events still waiting for their seq are covered too; the log keeps
     * verifying (the leaves commit to data_hash, not to the data). See V23__erase_audit_data.sql.
     *
     * @param entityIds public entity ids as in events' {@code entity_id} ({@code msg_…}, {@code dlg_…}, …)
     */
    public void eraseData(UUID projectId, java.util.Collection<String> entityIds) {
        if (!entityIds.isEmpty()) {
            events.eraseData(projectId, entityIds);
        }
    }

    /**
     * The event's data sealed with its namespace's key; nothing (the data_hash still commits to it) while
     * the project's customer key is revoked, so metadata changes such as key management stay audited.
     */
    private byte @Nullable [] sealOrNothing(Change c, UUID id, String text) {
        try {
            return values.seal(
                    new FieldRef(c.projectId(), c.namespace() == null ? "" : c.namespace(), DATA_TABLE, id, "data"),
                    text);
        } catch (io.colloquy.crypto.EncryptionKeyRevoked revoked) {
            return null;
        }
    }

    static byte[] sha256(byte[] bytes) {
        return Merkle.sha256().digest(bytes);
    }
}
