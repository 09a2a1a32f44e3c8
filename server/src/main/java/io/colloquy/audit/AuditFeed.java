package io.colloquy.audit;

import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * A project's log as a feed for consumers that keep their own cursor on its {@code seq} (webhooks):
 * sequenced events after a seq, ascending, each serialized exactly as {@code GET /v1/audit/events} shows
 * it. Runs in the caller's tenant transaction.
 */
@Service
public class AuditFeed {
    private final AuditRepository log;
    private final JsonMapper json;

    AuditFeed(AuditRepository log, JsonMapper json) {
        this.log = log;
        this.json = json;
    }

    /**
     * One event: its routing fields and its JSON, with and without {@code data} (and its salt; the
     * {@code data_hash} stays, so the leaf hash still verifies).
     */
    public record FeedEvent(
            long seq,
            String id,
            @Nullable String namespace,
            String entityType,
            String action,
            String json,
            String jsonWithoutData,
            String entityId) {

        /** {@code entity_type.action}, the name webhook filters use (e.g. {@code message.created}). */
        public String type() {
            return entityType + "." + action;
        }
    }

    /** The highest seq in the project's log (0 when empty). */
    public long lastSeq(UUID project) {
        return log.maxSeq(project);
    }

    /**
     * How many events of {@code entityTypes} in {@code namespace} come after {@code afterSeq}, those recorded but
     * not sequenced yet included: what a consumer at that cursor has still to apply.
     */
    public long countAfter(UUID project, long afterSeq, String namespace, List<String> entityTypes) {
        return log.countAfter(project, afterSeq, namespace, entityTypes);
    }

    /** Up to {@code limit} events after {@code afterSeq}, of {@code namespace} only when it is not null. */
    public List<FeedEvent> after(UUID project, long afterSeq, @Nullable String namespace, int limit) {
        return log
                .events(project, afterSeq, Long.MAX_VALUE, new AuditRepository.Filter(namespace, null, null), limit)
                .stream()
                .map(s -> {
                    AuditEvent.View v = s.view();
                    AuditEvent.View bare = new AuditEvent.View(
                            v.seq(),
                            v.id(),
                            v.at(),
                            v.projectId(),
                            v.namespace(),
                            v.entityType(),
                            v.entityId(),
                            v.action(),
                            v.actor(),
                            v.parentId(),
                            v.idempotencyKey(),
                            null,
                            null,
                            v.dataHash(),
                            v.leafHash());
                    return new FeedEvent(
                            v.seq(),
                            v.id(),
                            v.namespace(),
                            v.entityType(),
                            v.action(),
                            json.writeValueAsString(v),
                            json.writeValueAsString(bare),
                            v.entityId());
                })
                .toList();
    }
}
