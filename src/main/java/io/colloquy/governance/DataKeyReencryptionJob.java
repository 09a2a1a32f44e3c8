package io.colloquy.governance;

import io.colloquy.audit.AuditSignatures;
import io.colloquy.crypto.ProjectKeys;
import io.colloquy.dialogues.DialogueService;
import io.colloquy.memories.MemoryService;
import io.colloquy.tenancy.ProjectService;
import io.colloquy.tenancy.TenantTransactions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * After a rotation, values stay sealed under older data key versions until this job re-encrypts them
 * under the current one — once that version is older than {@code colloquy.encryption.reencrypt-after}
 * (default a day, so every instance's key cache has long moved on). Dialogues, messages, memories and
 * audit event data are rewritten in bounded batches (one transaction each); when nothing is left under
 * an older version it is destroyed. Checked daily.
 */
@Component
class DataKeyReencryptionJob {
    static final int BATCH = 500;
    /** A bound on batches per namespace and run: a run that hits it resumes on the next one. */
    private static final int MAX_ROUNDS = 10_000;

    private static final Logger log = LoggerFactory.getLogger(DataKeyReencryptionJob.class);
    private final ProjectService projects;
    private final ProjectKeys projectKeys;
    private final DialogueService dialogues;
    private final MemoryService memories;
    private final AuditSignatures audit;
    private final TenantTransactions tenants;
    private final Clock clock;
    private final Duration age;

    DataKeyReencryptionJob(
            ProjectService projects,
            ProjectKeys projectKeys,
            DialogueService dialogues,
            MemoryService memories,
            AuditSignatures audit,
            TenantTransactions tenants,
            Clock clock,
            @Value("${colloquy.encryption.reencrypt-after:P1D}") Duration age) {
        this.projects = projects;
        this.projectKeys = projectKeys;
        this.dialogues = dialogues;
        this.memories = memories;
        this.audit = audit;
        this.tenants = tenants;
        this.clock = clock;
        this.age = age;
    }

    @Scheduled(
            initialDelayString = "${colloquy.encryption.rotation-initial-delay:PT10M}",
            fixedDelayString = "${colloquy.encryption.rotation-check:P1D}")
    void run() {
        long[] done = reencryptAll(clock.instant().minus(age));
        log.info("Data key re-encryption: {} values re-encrypted, {} old key versions destroyed", done[0], done[1]);
    }

    /** Re-encrypts everything sealed under versions superseded by ones made before {@code currentMadeBefore}. */
    long[] reencryptAll(Instant currentMadeBefore) {
        long values = 0;
        long destroyed = 0;
        for (UUID project : projects.allProjectIds()) {
            try {
                long[] d = reencryptProject(project, currentMadeBefore);
                values += d[0];
                destroyed += d[1];
            } catch (RuntimeException e) {
                log.warn(
                        "Re-encryption of a project failed; it is retried on the next run: {}",
                        e.getClass().getSimpleName());
            }
        }
        return new long[] {values, destroyed};
    }

    long[] reencryptProject(UUID project, Instant currentMadeBefore) {
        Map<String, Integer> namespaces =
                tenants.inProject(project, () -> projectKeys.namespacesWithOlderDataKeys(project, currentMadeBefore));
        long values = 0;
        long destroyed = 0;
        for (Map.Entry<String, Integer> e : namespaces.entrySet()) {
            String ns = e.getKey();
            int current = e.getValue();
            int n;
            do {
                n = tenants.inProject(
                        project,
                        () -> dialogues.resealOlderValues(project, ns, current, BATCH)
                                + memories.resealOlderValues(project, ns, current, BATCH));
                values += n;
            } while (n > 0);
            boolean waiting = false;
            do {
                n = tenants.inProject(project, () -> audit.resealOlderData(project, ns, current, BATCH));
                if (n < 0) {
                    waiting = true;
                } else {
                    values += n;
                }
            } while (n > 0);
            if (!waiting) {
                destroyed += tenants.inProject(project, () -> projectKeys.destroyOlderDataKeys(project, ns, current));
            }
        }
        return new long[] {values, destroyed};
    }
}
