package io.colloquy.memories;

import io.colloquy.audit.Action;
import io.colloquy.audit.AuditLog;
import io.colloquy.audit.EntityType;
import io.colloquy.audit.ProjectDeleting;
import io.colloquy.crypto.BlindIndex;
import io.colloquy.crypto.SealedContent;
import io.colloquy.limits.Quota;
import io.colloquy.limits.QuotaService;
import io.colloquy.platform.ColloquySettings;
import io.colloquy.platform.Ids;
import io.colloquy.projects.ProjectService;
import io.colloquy.tenant.Namespace;
import io.colloquy.tenant.TenantContent;
import io.colloquy.web.Metadata;
import io.colloquy.web.NotFound;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import io.colloquy.web.ValidationFailed;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Service;

/** Memories of a namespace, in the current tenant transaction. */
@Service
@Order(2)
public class MemoryService implements SealedContent, TenantContent {
    private final MemoryRepository memories;
    private final ProjectService projects;
    private final BlindIndex index;
    private final QuotaService quotas;
    private final AuditLog audit;
    private final Clock clock;
    private final int maxContentChars;

    MemoryService(
            MemoryRepository memories,
            ProjectService projects,
            BlindIndex index,
            QuotaService quotas,
            AuditLog audit,
            ColloquySettings settings,
            Clock clock) {
        this.memories = memories;
        this.projects = projects;
        this.index = index;
        this.quotas = quotas;
        this.audit = audit;
        this.clock = clock;
        this.maxContentChars = settings.limits().memoryContentMaxChars();
    }

    public record NewMemory(
            Memory.Kind kind,
            String content,
            Metadata metadata,
            @Nullable Instant expiresAt) {}

    /** Changes; null leaves a field as it is ({@code clearExpiry} removes the expiry). */
    public record MemoryChanges(
            Memory.@Nullable Kind kind,
            @Nullable String content,
            @Nullable Metadata metadata,
            @Nullable Instant expiresAt,
            boolean clearExpiry) {}

    public Memory create(UUID project, Namespace ns, NewMemory m) {
        Instant now = clock.instant();
        requireFuture(m.expiresAt(), now);
        Memory memory = new Memory(
                project, ns.name(), Ids.newId(), m.kind(), m.content(), m.metadata(), m.expiresAt(), now, now);
        memories.insert(memory);
        audit.record(change(memory, Action.CREATED, MemoryView.of(memory)));
        quotas.consume(project, Quota.MEMORIES, 1); // last: its counter row is locked until commit
        return memory;
    }

    public Memory get(UUID project, Namespace ns, String publicId) {
        return memories.find(project, ns.name(), id(publicId), clock.instant()).orElseThrow(MemoryNotFound::new);
    }

    public Page<Memory> list(UUID project, Namespace ns, Memory.@Nullable Kind kind, PageRequest page) {
        UUID after = page.after() == null
                ? null
                : Ids.fromHex(page.after())
                        .orElseThrow(() -> ValidationFailed.of("cursor", "is not a cursor this API returned"));
        return page.page(
                memories.list(project, ns.name(), kind, after, page.limit() + 1, clock.instant()),
                m -> Ids.hex(m.id()));
    }

    public Memory update(UUID project, Namespace ns, String publicId, MemoryChanges c) {
        Memory m = get(project, ns, publicId);
        Instant now = clock.instant();
        requireFuture(c.expiresAt(), now);
        Memory updated = new Memory(
                m.projectId(),
                m.namespace(),
                m.id(),
                c.kind() != null ? c.kind() : m.kind(),
                c.content() != null ? c.content() : m.content(),
                c.metadata() != null ? c.metadata() : m.metadata(),
                c.clearExpiry() ? null : c.expiresAt() != null ? c.expiresAt() : m.expiresAt(),
                m.createdAt(),
                now);
        memories.update(updated);
        audit.record(change(updated, Action.UPDATED, MemoryView.of(updated)));
        return updated;
    }

    /** Deletes a memory: at once, or into the project's recovery window (see DialogueService#delete). */
    public void delete(UUID project, Namespace ns, String publicId) {
        Memory m = get(project, ns, publicId);
        if (projects.get(project).recoveryWindowDays() > 0) {
            memories.softDelete(project, ns.name(), m.id(), clock.instant());
        } else {
            memories.delete(project, ns.name(), m.id());
            audit.eraseData(project, java.util.List.of(Ids.format("mem", m.id())));
        }
        audit.record(change(m, Action.DELETED, null));
    }

    @Override
    public String purgedKind() {
        return "memories";
    }

    @Override
    public String idPrefix() {
        return "mem";
    }

    /** How many memories there are (namespace null = the whole project), soft-deleted ones included. */
    @Override
    public java.util.Map<String, Long> count(UUID project, @Nullable Namespace ns) {
        return java.util.Map.of("memories", memories.count(project, ns == null ? null : ns.name()));
    }

    /** Erases every memory of a namespace (its keys must be shredded first by the caller); returns how many. */
    @Override
    public java.util.Map<String, Long> eraseNamespace(UUID project, Namespace ns) {
        java.util.Map<String, Long> n = count(project, ns);
        memories.eraseNamespace(project, ns.name());
        return n;
    }

    /**
     * Ids of memories (any namespace) the retention purge may remove: short- or long-term ones created
     * before their cutoff (null = keep), expired ones, and ones deleted before {@code deletedBefore}.
     */
    @Override
    public java.util.List<UUID> purgeable(UUID project, RetentionCutoffs cutoffs, int limit) {
        return memories.purgeable(
                project,
                cutoffs.shortTermBefore(),
                cutoffs.longTermBefore(),
                cutoffs.now(),
                cutoffs.deletedBefore(),
                limit);
    }

    /** Removes memories for good, each with a purged event under {@code parentEvent} (the retention run). */
    @Override
    public int purge(UUID project, java.util.List<UUID> ids, UUID parentEvent) {
        if (ids.isEmpty()) {
            return 0;
        }
        audit.recordAll(ids.stream()
                .map(id -> AuditLog.Change.of(
                                project, null, EntityType.MEMORY, Ids.format("mem", id), Action.PURGED, null)
                        .under(parentEvent))
                .toList());
        audit.eraseData(project, ids.stream().map(id -> Ids.format("mem", id)).toList());
        return memories.purge(project, ids);
    }

    /** Re-encrypts up to {@code limit} memories sealed under a data key version other than {@code current}. */
    @Override
    public int resealOlderValues(UUID project, String ns, int current, int limit) {
        java.util.List<Memory> old = memories.withOlderValues(project, ns, current, limit);
        old.forEach(memories::update);
        return old.size();
    }

    /** Brings back a memory deleted within the project's recovery window; 404 otherwise. */
    public Memory restore(UUID project, Namespace ns, String publicId) {
        int window = projects.get(project).recoveryWindowDays();
        Instant windowStart = clock.instant().minus(java.time.Duration.ofDays(window));
        if (window == 0 || !memories.restore(project, ns.name(), id(publicId), windowStart)) {
            throw new MemoryNotFound();
        }
        Memory restored = get(project, ns, publicId);
        audit.record(change(restored, Action.RESTORED, MemoryView.of(restored)));
        return restored;
    }

    /** Memories of the namespace holding every keyword token, newest first (at most {@code limit}). */
    public java.util.List<Memory> search(UUID project, Namespace ns, java.util.List<String> tokens, int limit) {
        return index.queryTerms(project, ns.name(), tokens)
                .map(hashes -> memories.search(project, ns.name(), hashes, limit, clock.instant()))
                .orElse(java.util.List.of());
    }

    /** A project is being deleted: each of its memories gets a deleted event under the project's. */
    @EventListener
    void onProjectDeleting(ProjectDeleting deleting) {
        audit.recordAll(memories.all(deleting.projectId()).stream()
                .map(m -> AuditLog.Change.of(
                                deleting.projectId(),
                                m.namespace(),
                                EntityType.MEMORY,
                                Ids.format("mem", m.id()),
                                Action.DELETED,
                                null)
                        .under(deleting.parentEventId()))
                .toList());
    }

    private static AuditLog.Change change(Memory m, Action action, @Nullable Object data) {
        return AuditLog.Change.of(
                m.projectId(), m.namespace(), EntityType.MEMORY, Ids.format("mem", m.id()), action, data);
    }

    public String content(@Nullable String content) {
        if (content == null) {
            throw ValidationFailed.of("content", "is required");
        }
        int chars = content.codePointCount(0, content.length());
        if (chars < 1 || chars > maxContentChars) {
            throw ValidationFailed.of("content", "must be 1 to " + maxContentChars + " characters");
        }
        return content;
    }

    private static void requireFuture(@Nullable Instant expiresAt, Instant now) {
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw ValidationFailed.of("expires_at", "must be in the future");
        }
    }

    private static UUID id(String publicId) {
        return Ids.parse("mem", publicId).orElseThrow(MemoryNotFound::new);
    }

    static final class MemoryNotFound extends NotFound {
        MemoryNotFound() {
            super("Memory not found.");
        }
    }
}
