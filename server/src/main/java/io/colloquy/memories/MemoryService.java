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
import io.colloquy.screening.PiiRedactor;
import io.colloquy.tenant.Namespace;
import io.colloquy.tenant.TenantContent;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
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

    /** A value as compact JSON, in bytes of UTF-8. */
    public static final int MAX_VALUE_BYTES = 64 * 1024;

    public static final int MAX_LABEL_CHARS = 200;
    public static final int MAX_DESCRIPTION_CHARS = 2000;

    /** A new memory: content, value or both; {@code id} a client-chosen id (null: one is made). */
    public record NewMemory(
            Memory.Kind kind,
            @Nullable String content,
            Metadata metadata,
            @Nullable Instant expiresAt,
            @Nullable String id,
            @Nullable String value,
            @Nullable String label,
            @Nullable String description) {
        public NewMemory(Memory.Kind kind, String content, Metadata metadata, @Nullable Instant expiresAt) {
            this(kind, content, metadata, expiresAt, null, null, null, null);
        }
    }

    /**
     * Changes; null leaves a field as it is ({@code clearExpiry} removes the expiry, the other clear flags
     * their field; content and value can't both end up absent).
     */
    public record MemoryChanges(
            Memory.@Nullable Kind kind,
            @Nullable String content,
            @Nullable Metadata metadata,
            @Nullable Instant expiresAt,
            boolean clearExpiry,
            boolean clearContent,
            @Nullable String value,
            boolean clearValue,
            @Nullable String label,
            boolean clearLabel,
            @Nullable String description,
            boolean clearDescription) {
        public MemoryChanges(
                Memory.@Nullable Kind kind,
                @Nullable String content,
                @Nullable Metadata metadata,
                @Nullable Instant expiresAt,
                boolean clearExpiry) {
            this(kind, content, metadata, expiresAt, clearExpiry, false, null, false, null, false, null, false);
        }
    }

    public Memory create(UUID project, Namespace ns, NewMemory m) {
        Instant now = clock.instant();
        requireFuture(m.expiresAt(), now);
        if (m.content() == null && m.value() == null) {
            throw ValidationFailed.of("content", "is required unless the memory has a value");
        }
        UUID id = Ids.newId();
        String clientId = null;
        if (m.id() != null) {
            java.util.Optional<UUID> generated = Ids.parse("mem", m.id());
            if (generated.isPresent()) {
                id = generated.get();
            } else if (Memory.CLIENT_ID.matcher(m.id()).matches()) {
                clientId = m.id();
            } else {
                throw ValidationFailed.of("id", CLIENT_ID_PROBLEM);
            }
        }
        Memory memory = new Memory(
                project,
                ns.name(),
                id,
                m.kind(),
                m.content() == null ? null : storedContent(project, m.content()),
                m.metadata(),
                m.expiresAt(),
                now,
                now,
                clientId,
                m.value(),
                m.label(),
                m.description());
        if (!memories.insert(memory)) {
            throw new ApiException(ErrorCode.ALREADY_EXISTS, "A memory with this id already exists in this namespace.");
        }
        audit.record(change(memory, Action.CREATED, MemoryView.of(memory)));
        quotas.consume(project, Quota.MEMORIES, 1); // last: its counter row is locked until commit
        return memory;
    }

    public static final String CLIENT_ID_PROBLEM =
            "must be 1 to 128 characters: a letter or digit, then letters, digits, '_', '.', ':' or '-'";

    public Memory get(UUID project, Namespace ns, String publicId) {
        return memories.find(project, ns.name(), id(project, ns, publicId), clock.instant())
                .orElseThrow(MemoryNotFound::new);
    }

    public Page<Memory> list(UUID project, Namespace ns, Memory.@Nullable Kind kind, PageRequest page) {
        return list(project, ns, kind, io.colloquy.web.ListFilters.none(), page);
    }

    /** A page of memories narrowed by kind, time ranges and metadata pairs (all ANDed). */
    public Page<Memory> list(
            UUID project,
            Namespace ns,
            Memory.@Nullable Kind kind,
            io.colloquy.web.ListFilters filters,
            PageRequest page) {
        UUID after = page.after() == null
                ? null
                : Ids.fromHex(page.after())
                        .orElseThrow(() -> ValidationFailed.of("cursor", "is not a cursor this API returned"));
        long[] metadata = null;
        if (!filters.metadata().isEmpty()) {
            java.util.Optional<long[]> digests = index.queryTerms(project, ns.name(), filters.metadataTerms());
            if (digests.isEmpty()) {
                return page.page(java.util.List.of(), m -> Ids.hex(m.id())); // no search key: nothing indexed here
            }
            metadata = digests.get();
        }
        return page.page(
                memories.list(project, ns.name(), kind, metadata, filters, after, page.limit() + 1, clock.instant()),
                m -> Ids.hex(m.id()));
    }

    /** The content as it is stored: redacted first when the project redacts PII on write (docs/screening.md). */
    private String storedContent(UUID project, String content) {
        return projects.screening(project).redactsOnWrite()
                ? PiiRedactor.newSession().redact(content)
                : content;
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
                c.clearContent() ? null : c.content() != null ? storedContent(project, c.content()) : m.content(),
                c.metadata() != null ? c.metadata() : m.metadata(),
                c.clearExpiry() ? null : c.expiresAt() != null ? c.expiresAt() : m.expiresAt(),
                m.createdAt(),
                now,
                m.clientId(),
                c.clearValue() ? null : c.value() != null ? c.value() : m.value(),
                c.clearLabel() ? null : c.label() != null ? c.label() : m.label(),
                c.clearDescription() ? null : c.description() != null ? c.description() : m.description());
        if (updated.content() == null && updated.value() == null) {
            throw ValidationFailed.of(c.clearContent() ? "content" : "value", "a memory keeps a content or a value");
        }
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
            audit.eraseData(project, java.util.List.of(auditId(m.id())));
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
        java.util.List<String> gone = memories.purge(project, ids).stream()
                .map(MemoryService::auditId)
                .toList();
        audit.recordAll(gone.stream()
                .map(id -> AuditLog.Change.of(project, null, EntityType.MEMORY, id, Action.PURGED, null)
                        .under(parentEvent))
                .toList());
        audit.eraseData(project, gone);
        return gone.size();
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
        if (window == 0 || !memories.restore(project, ns.name(), id(project, ns, publicId), windowStart)) {
            throw new MemoryNotFound();
        }
        Memory restored = get(project, ns, publicId);
        audit.record(change(restored, Action.RESTORED, MemoryView.of(restored)));
        return restored;
    }

    /** Memories of the namespace holding every keyword token, newest first (at most {@code limit}). */
    public java.util.List<Memory> search(UUID project, Namespace ns, java.util.List<String> tokens, int limit) {
        return search(project, ns, tokens, io.colloquy.web.ListFilters.none(), limit);
    }

    /** Like {@link #search(UUID, Namespace, java.util.List, int)}, narrowed by time ranges and metadata pairs. */
    public java.util.List<Memory> search(
            UUID project, Namespace ns, java.util.List<String> tokens, io.colloquy.web.ListFilters filters, int limit) {
        java.util.List<String> terms = new java.util.ArrayList<>(tokens);
        terms.addAll(filters.metadataTerms());
        return index.queryTerms(project, ns.name(), terms)
                .map(hashes -> memories.search(
                        project,
                        ns.name(),
                        java.util.Arrays.copyOf(hashes, tokens.size()),
                        hashes.length == tokens.size()
                                ? null
                                : java.util.Arrays.copyOfRange(hashes, tokens.size(), hashes.length),
                        filters,
                        limit,
                        clock.instant()))
                .orElse(java.util.List.of());
    }

    /**
     * Live memories of the namespace by id, in no particular order, narrowed by time ranges and metadata pairs
     * (semantic search's candidates; what the embedding worker embeds). Ids that are not there are left out.
     */
    public java.util.List<Memory> byIds(
            UUID project, Namespace ns, java.util.List<UUID> ids, io.colloquy.web.ListFilters filters) {
        long[] metadata = null;
        if (!filters.metadata().isEmpty()) {
            java.util.Optional<long[]> digests = index.queryTerms(project, ns.name(), filters.metadataTerms());
            if (digests.isEmpty()) {
                return java.util.List.of();
            }
            metadata = digests.get();
        }
        return memories.byIds(project, ns.name(), ids, metadata, filters, clock.instant());
    }

    /** A project is being deleted: each of its memories gets a deleted event under the project's. */
    @EventListener
    void onProjectDeleting(ProjectDeleting deleting) {
        audit.recordAll(memories.all(deleting.projectId()).stream()
                .map(m -> AuditLog.Change.of(
                                deleting.projectId(),
                                m.namespace(),
                                EntityType.MEMORY,
                                auditId(m.id()),
                                Action.DELETED,
                                null)
                        .under(deleting.parentEventId()))
                .toList());
    }

    private static AuditLog.Change change(Memory m, Action action, @Nullable Object data) {
        return AuditLog.Change.of(m.projectId(), m.namespace(), EntityType.MEMORY, auditId(m.id()), action, data);
    }

    /**
     * A memory's entity id in the audit log: always {@code mem_<32 hex>} of its row, unique in the project
     * (a client-chosen id is unique per namespace only, and the log erases data by entity id project-wide);
     * the event data carries the id the API shows.
     */
    private static String auditId(UUID id) {
        return Ids.format("mem", id);
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

    /** The row behind a public id: {@code mem_<32 hex>}, or a client-chosen id of this namespace. */
    private UUID id(UUID project, Namespace ns, String publicId) {
        java.util.Optional<UUID> generated = Ids.parse("mem", publicId);
        if (generated.isPresent()) {
            return generated.get();
        }
        if (!Memory.CLIENT_ID.matcher(publicId).matches()) {
            throw new MemoryNotFound();
        }
        return memories.resolve(project, ns.name(), publicId).orElseThrow(MemoryNotFound::new);
    }

    static final class MemoryNotFound extends NotFound {
        MemoryNotFound() {
            super("Memory not found.");
        }
    }
}
