package io.colloquy.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.colloquy.IntegrationTest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * Two instances on one database (this server, and a second instance's own connection as the app role): a periodic
 * job runs in one of them at a time, the other skips its run, and after the leader's run the next run may lead.
 */
@IntegrationTest
class JobLeadershipIntegrationTests {
    @Autowired
    JobLeadership thisInstance;

    @Autowired
    DatabaseEndpoint db;

    @Test
    void aJobRunsInOneInstanceAtATimeAndTheOtherSkipsItsRun() throws Exception {
        try (SingleConnectionDataSource other =
                new SingleConnectionDataSource(db.jdbcUrl(), db.appUser(), db.appPassword(), true)) {
            JobLeadership otherInstance = new JobLeadership(new JdbcTemplate(other));
            CountDownLatch leading = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            AtomicInteger runs = new AtomicInteger();
            CompletableFuture<Boolean> leader =
                    CompletableFuture.supplyAsync(() -> thisInstance.runAsLeader("retention", () -> {
                        runs.incrementAndGet();
                        leading.countDown();
                        await(finish);
                    }));
            assertThat(leading.await(30, TimeUnit.SECONDS)).isTrue();

            assertThat(otherInstance.runAsLeader("retention", runs::incrementAndGet))
                    .as("the other instance while the leader runs")
                    .isFalse();
            assertThat(otherInstance.runAsLeader("key-rotation", () -> {}))
                    .as("another job is not held by this one")
                    .isTrue();

            finish.countDown();
            assertThat(leader.get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(runs).hasValue(1);
            assertThat(otherInstance.runAsLeader("retention", runs::incrementAndGet))
                    .as("the next run, once the leader's ended")
                    .isTrue();
            assertThat(runs).hasValue(2);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the leader finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
