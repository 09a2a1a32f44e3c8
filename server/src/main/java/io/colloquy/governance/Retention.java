package io.colloquy.governance;

import io.colloquy.audit.Action;
import io.colloquy.audit.AuditLog;
import io.colloquy.audit.EntityType;
import io.colloquy.platform.Ids;
import io.colloquy.projects.Project;
import io.colloquy.projects.ProjectService;
import io.colloquy.tenant.TenantContent;
import io.colloquy.tenant.TenantTransactions;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Retention: dialogues inactive longer than the project's dialogue retention, memories older than
 * their kind's retention or past their own expires_at, and anything deleted longer ago than the
 * recovery window are purged for good, in bounded batches (one transaction per batch). Legal holds
 * are never purged; in immutable projects dialogues are never purged. The preview runs the same
 * selection without deleting. Every {@link TenantContent} feature is asked in turn.
 */
@Service
public class Retention {
    static final int BATCH = 500;
    private static final int PREVIEW_IDS = 10;
    private static final int PREVIEW_COUNT_CAP = 100_000;
    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    private final ProjectService projects;
    private final List<TenantContent> contents;
    private final TenantTransactions tenants;
    private final AuditLog audit;

    Retention(ProjectService projects, List<TenantContent> contents, TenantTransactions tenants, AuditLog audit) {
        this.projects = projects;
        this.contents = List.copyOf(contents);
        this.tenants = tenants;
        this.audit = audit;
    }

    /** What one category would lose: how many (capped at 100,000) and the first ids. */
    public record Category(long count, List<String> firstIds) {}

    /** The dry run's answer (the contract's shape: one category per purged kind). */
    public record Preview(Category dialogues, Category memories) {
        static Preview of(Map<String, Category> byKind) {
            Category none = new Category(0, List.of());
            return new Preview(byKind.getOrDefault("dialogues", none), byKind.getOrDefault("memories", none));
        }

        boolean isEmpty() {
            return dialogues.count() == 0 && memories.count() == 0;
        }
    }

    /** What a run purged: how many projects it went through, and how many of each kind. */
    public record Outcome(long projects, Map<String, Long> purged) {}

    TenantContent.RetentionCutoffs cutoffs(UUID project, Instant now) {
        Project p = projects.get(project);
        Project.Retention r = projects.effectiveRetention(p);
        return new TenantContent.RetentionCutoffs(
                before(now, r.dialogueDays()),
                before(now, r.shortTermMemoryDays()),
                before(now, r.longTermMemoryDays()),
                now,
                now.minus(Duration.ofDays(p.recoveryWindowDays())),
                p.immutableDialogues());
    }

    /** The dry run, in the caller's (project-wide) tenant transaction. */
    public Preview preview(UUID project, Instant now) {
        TenantContent.RetentionCutoffs c = cutoffs(project, now);
        Map<String, Category> byKind = new LinkedHashMap<>();
        for (TenantContent content : contents) {
            List<UUID> ids = content.purgeable(project, c, PREVIEW_COUNT_CAP);
            byKind.put(
                    content.purgedKind(),
                    new Category(
                            ids.size(),
                            ids.stream()
                                    .limit(PREVIEW_IDS)
                                    .map(id -> Ids.format(content.idPrefix(), id))
                                    .toList()));
        }
        return Preview.of(byKind);
    }

    /** Purges every project, batch by batch, each batch in its own tenant transaction. */
    public Outcome runAll(Instant now) {
        long projectCount = 0;
        Map<String, Long> purged = new LinkedHashMap<>();
        for (UUID project : projects.allProjectIds()) {
            try {
                purgeProject(project, now).forEach((kind, n) -> purged.merge(kind, n, Long::sum));
                projectCount++;
            } catch (RuntimeException e) {
                log.warn(
                        "Retention purge of a project failed; it is retried on the next run: {}",
                        e.getClass().getSimpleName());
            }
        }
        return new Outcome(projectCount, purged);
    }

    /** Purges one project; returns how many of each kind it removed. */
    Map<String, Long> purgeProject(UUID project, Instant now) {
        Map<String, Long> purged = new LinkedHashMap<>();
        contents.forEach(content -> purged.put(content.purgedKind(), 0L));
        TenantContent.RetentionCutoffs c = tenants.inProject(project, () -> cutoffs(project, now));
        if (tenants.inProject(project, () -> preview(project, now)).isEmpty()) {
            return purged;
        }
        UUID run = tenants.inProject(
                project,
                () -> audit.record(AuditLog.Change.of(
                        project,
                        null,
                        EntityType.PROJECT,
                        Ids.format("prj", project),
                        Action.RETENTION_RUN,
                        Map.of("at", now.toString()))));
        for (TenantContent content : contents) {
            int n;
            do {
                n = tenants.inProject(project, () -> content.purge(project, content.purgeable(project, c, BATCH), run));
                purged.merge(content.purgedKind(), (long) n, Long::sum);
            } while (n == BATCH);
        }
        return purged;
    }

    private static @Nullable Instant before(Instant now, @Nullable Integer days) {
        return days == null ? null : now.minus(Duration.ofDays(days));
    }
}
