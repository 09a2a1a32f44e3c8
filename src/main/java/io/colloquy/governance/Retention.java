package io.colloquy.governance;

import io.colloquy.audit.Action;
import io.colloquy.audit.AuditLog;
import io.colloquy.audit.EntityType;
import io.colloquy.dialogues.DialogueService;
import io.colloquy.memories.MemoryService;
import io.colloquy.platform.Ids;
import io.colloquy.tenancy.Project;
import io.colloquy.tenancy.ProjectService;
import io.colloquy.tenancy.TenantTransactions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
 * selection without deleting.
 */
@Service
public class Retention {
    static final int BATCH = 500;
    private static final int PREVIEW_IDS = 10;
    private static final int PREVIEW_COUNT_CAP = 100_000;
    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    private final ProjectService projects;
    private final DialogueService dialogues;
    private final MemoryService memories;
    private final TenantTransactions tenants;
    private final AuditLog audit;

    Retention(
            ProjectService projects,
            DialogueService dialogues,
            MemoryService memories,
            TenantTransactions tenants,
            AuditLog audit) {
        this.projects = projects;
        this.dialogues = dialogues;
        this.memories = memories;
        this.tenants = tenants;
        this.audit = audit;
    }

    /** The cutoffs in force for one project at {@code now}. */
    record Cutoffs(
            @Nullable Instant inactiveBefore,
            @Nullable Instant shortBefore,
            @Nullable Instant longBefore,
            Instant deletedBefore,
            boolean purgeDialogues) {}

    /** What one category would lose: how many (capped at 100,000) and the first ids. */
    public record Category(long count, List<String> firstIds) {}

    public record Preview(Category dialogues, Category memories) {
        boolean isEmpty() {
            return dialogues.count() == 0 && memories.count() == 0;
        }
    }

    /** What a run purged. */
    public record Outcome(long projects, long dialogues, long memories) {}

    Cutoffs cutoffs(UUID project, Instant now) {
        Project p = projects.get(project);
        Project.Retention r = projects.effectiveRetention(p);
        return new Cutoffs(
                before(now, r.dialogueDays()),
                before(now, r.shortTermMemoryDays()),
                before(now, r.longTermMemoryDays()),
                now.minus(Duration.ofDays(p.recoveryWindowDays())),
                !p.immutableDialogues());
    }

    /** The dry run, in the caller's (project-wide) tenant transaction. */
    public Preview preview(UUID project, Instant now) {
        Cutoffs c = cutoffs(project, now);
        List<UUID> d = c.purgeDialogues()
                ? dialogues.purgeable(project, c.inactiveBefore(), c.deletedBefore(), PREVIEW_COUNT_CAP)
                : List.of();
        List<UUID> m =
                memories.purgeable(project, c.shortBefore(), c.longBefore(), now, c.deletedBefore(), PREVIEW_COUNT_CAP);
        return new Preview(
                new Category(
                        d.size(),
                        d.stream()
                                .limit(PREVIEW_IDS)
                                .map(id -> Ids.format("dlg", id))
                                .toList()),
                new Category(
                        m.size(),
                        m.stream()
                                .limit(PREVIEW_IDS)
                                .map(id -> Ids.format("mem", id))
                                .toList()));
    }

    /** Purges every project, batch by batch, each batch in its own tenant transaction. */
    public Outcome runAll(Instant now) {
        long projectCount = 0;
        long dialogueCount = 0;
        long memoryCount = 0;
        for (UUID project : projects.allProjectIds()) {
            try {
                long[] purged = purgeProject(project, now);
                projectCount++;
                dialogueCount += purged[0];
                memoryCount += purged[1];
            } catch (RuntimeException e) {
                log.warn(
                        "Retention purge of a project failed; it is retried on the next run: {}",
                        e.getClass().getSimpleName());
            }
        }
        return new Outcome(projectCount, dialogueCount, memoryCount);
    }

    /** Purges one project; returns {@code [dialogues, memories]} removed. */
    long[] purgeProject(UUID project, Instant now) {
        Cutoffs c = tenants.inProject(project, () -> cutoffs(project, now));
        if (tenants.inProject(project, () -> preview(project, now)).isEmpty()) {
            return new long[] {0, 0};
        }
        UUID run = tenants.inProject(
                project,
                () -> audit.record(AuditLog.Change.of(
                        project,
                        null,
                        EntityType.PROJECT,
                        Ids.format("prj", project),
                        Action.RETENTION_RUN,
                        java.util.Map.of("at", now.toString()))));
        long d = 0;
        long m = 0;
        int n;
        if (c.purgeDialogues()) {
            do {
                n = tenants.inProject(
                        project,
                        () -> dialogues.purge(
                                project,
                                dialogues.purgeable(project, c.inactiveBefore(), c.deletedBefore(), BATCH),
                                run));
                d += n;
            } while (n == BATCH);
        }
        do {
            n = tenants.inProject(
                    project,
                    () -> memories.purge(
                            project,
                            memories.purgeable(project, c.shortBefore(), c.longBefore(), now, c.deletedBefore(), BATCH),
                            run));
            m += n;
        } while (n == BATCH);
        return new long[] {d, m};
    }

    private static @Nullable Instant before(Instant now, @Nullable Integer days) {
        return days == null ? null : now.minus(Duration.ofDays(days));
    }
}
