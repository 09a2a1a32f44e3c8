package io.colloquy.crypto;

import io.colloquy.platform.JobLeadership;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Automatic key rotation: every server-managed project key older than
 * {@code colloquy.encryption.rotation-period} (default 90 days) is rotated, project by project, each
 * in its own tenant transaction. Checked daily ({@code colloquy.encryption.rotation-check}).
 */
@Component
class KeyRotationJob {
    private static final Logger log = LoggerFactory.getLogger(KeyRotationJob.class);
    private final KeyedProjects projects;
    private final ProjectKeys projectKeys;
    private final Clock clock;
    private final Duration period;
    private final JobLeadership leadership;

    KeyRotationJob(
            JobLeadership leadership,
            KeyedProjects projects,
            ProjectKeys projectKeys,
            Clock clock,
            @Value("${colloquy.encryption.rotation-period:P90D}") Duration period) {
        this.projects = projects;
        this.projectKeys = projectKeys;
        this.clock = clock;
        this.period = period;
        this.leadership = leadership;
    }

    @Scheduled(
            initialDelayString = "${colloquy.encryption.rotation-initial-delay:PT10M}",
            fixedDelayString = "${colloquy.encryption.rotation-check:P1D}")
    void run() {
        if (!leadership.runAsLeader(
                "key-rotation",
                () -> log.info(
                        "Automatic key rotation: {} project keys rotated",
                        rotateDue(clock.instant().minus(period))))) {
            log.info("Automatic key rotation: another instance is running it");
        }
    }

    /** Rotates every project key made before {@code dueBefore}; returns how many. */
    int rotateDue(Instant dueBefore) {
        int rotated = 0;
        for (UUID project : projects.allProjectIds()) {
            try {
                if (projects.inProject(project, () -> projectKeys.rotateIfDue(project, dueBefore))) {
                    rotated++;
                }
            } catch (RuntimeException e) {
                log.warn(
                        "Key rotation of a project failed; it is retried on the next run: {}",
                        e.getClass().getSimpleName());
            }
        }
        return rotated;
    }
}
