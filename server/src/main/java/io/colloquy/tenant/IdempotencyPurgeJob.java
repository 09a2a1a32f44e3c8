package io.colloquy.tenant;

import io.colloquy.crypto.KeyedProjects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes idempotency records once their 24 hours are over, project by project, each in its own tenant
 * transaction: a stored response (content, a new API key's secret) is kept no longer than a retry can
 * use it. Runs hourly ({@code colloquy.idempotency.purge-interval}).
 */
@Component
class IdempotencyPurgeJob {
    private static final Logger log = LoggerFactory.getLogger(IdempotencyPurgeJob.class);
    private final KeyedProjects projects;
    private final IdempotencyRecords records;
    private final TenantTransactions tenants;

    IdempotencyPurgeJob(KeyedProjects projects, IdempotencyRecords records, TenantTransactions tenants) {
        this.projects = projects;
        this.records = records;
        this.tenants = tenants;
    }

    @Scheduled(
            initialDelayString = "${colloquy.idempotency.purge-initial-delay:PT5M}",
            fixedDelayString = "${colloquy.idempotency.purge-interval:PT1H}")
    void run() {
        log.info("Idempotency records purged: {}", purge());
    }

    /** Deletes every record older than 24 hours; returns how many. */
    int purge() {
        int purged = 0;
        for (UUID project : projects.allProjectIds()) {
            try {
                purged += tenants.inProject(project, () -> records.purgeExpired(project));
            } catch (RuntimeException e) {
                log.warn(
                        "Purging a project's idempotency records failed; retried on the next run: {}",
                        e.getClass().getSimpleName());
            }
        }
        return purged;
    }
}
