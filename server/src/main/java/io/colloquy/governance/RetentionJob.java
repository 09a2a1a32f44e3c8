package io.colloquy.governance;

import io.colloquy.platform.JobLeadership;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Runs the retention purge periodically ({@code colloquy.retention.interval}, default hourly). */
@Component
final class RetentionJob {
    private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);
    private final Retention retention;
    private final Clock clock;
    private final JobLeadership leadership;

    RetentionJob(Retention retention, Clock clock, JobLeadership leadership) {
        this.leadership = leadership;
        this.retention = retention;
        this.clock = clock;
    }

    @Scheduled(
            initialDelayString = "${colloquy.retention.initial-delay:PT5M}",
            fixedDelayString = "${colloquy.retention.interval:PT1H}")
    void run() {
        if (!leadership.runAsLeader("retention", this::purge)) {
            log.info("Retention purge: another instance is running it");
        }
    }

    private void purge() {
        long started = System.nanoTime();
        Retention.Outcome outcome = retention.runAll(clock.instant());
        log.info(
                "Retention purge: {} projects, purged {} in {} ms",
                outcome.projects(),
                outcome.purged(),
                (System.nanoTime() - started) / 1_000_000);
    }
}
