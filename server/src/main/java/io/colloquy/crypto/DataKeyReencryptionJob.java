package io.colloquy.crypto;

import io.colloquy.platform.JobLeadership;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
 * (default a day, so every instance's key cache has long moved on). Every {@link SealedContent} (dialogues
 * and messages, memories, audit event data) is rewritten in bounded batches (one transaction each);
 * resealing also upgrades values of older formats. When nothing is left under an older version it is
 * destroyed. Checked daily.
 */
@Component
class DataKeyReencryptionJob {
    static final int BATCH = 500;
    /** A bound on batches per namespace and run: a run that hits it resumes on the next one. */
    private static final int MAX_ROUNDS = 10_000;

    private static final Logger log = LoggerFactory.getLogger(DataKeyReencryptionJob.class);
    private final KeyedProjects projects;
    private final ProjectKeys projectKeys;
    private final List<SealedContent> contents;
    private final Clock clock;
    private final Duration age;
    private final JobLeadership leadership;

    DataKeyReencryptionJob(
            JobLeadership leadership,
            KeyedProjects projects,
            ProjectKeys projectKeys,
            List<SealedContent> contents,
            Clock clock,
            @Value("${colloquy.encryption.reencrypt-after:P1D}") Duration age) {
        this.projects = projects;
        this.projectKeys = projectKeys;
        this.contents = List.copyOf(contents);
        this.clock = clock;
        this.age = age;
        this.leadership = leadership;
    }

    @Scheduled(
            initialDelayString = "${colloquy.encryption.rotation-initial-delay:PT10M}",
            fixedDelayString = "${colloquy.encryption.rotation-check:P1D}")
    void run() {
        if (!leadership.runAsLeader("data-key-reencryption", () -> {
            long[] done = reencryptAll(clock.instant().minus(age));
            log.info("Data key re-encryption: {} values re-encrypted, {} old key versions destroyed", done[0], done[1]);
        })) {
            log.info("Data key re-encryption: another instance is running it");
        }
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
                projects.inProject(project, () -> projectKeys.namespacesWithOlderDataKeys(project, currentMadeBefore));
        long values = 0;
        long destroyed = 0;
        for (Map.Entry<String, Integer> e : namespaces.entrySet()) {
            String ns = e.getKey();
            int current = e.getValue();
            boolean waiting = false;
            for (SealedContent content : contents) {
                int n;
                do {
                    n = projects.inProject(project, () -> content.resealOlderValues(project, ns, current, BATCH));
                    if (n < 0) {
                        waiting = true;
                    } else {
                        values += n;
                    }
                } while (n > 0);
            }
            if (!waiting) {
                destroyed += projects.inProject(project, () -> projectKeys.destroyOlderDataKeys(project, ns, current));
            }
        }
        return new long[] {values, destroyed};
    }
}
