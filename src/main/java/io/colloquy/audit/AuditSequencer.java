package io.colloquy.audit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Moves committed events from the outbox into each project's log, giving them dense seqs 1, 2, 3, ...
 * and appending their leaves to the Merkle tree. Runs on one virtual thread per server; of several
 * servers on one database only the one holding the leader lock works in a round.
 *
 * <p>A round: draw a watermark {@code W} from the order sequence, note the snapshot's {@code xmax},
 * wait until every transaction older than that has ended ({@code xmin >= xmax}); now every outbox row
 * with {@code ord < W} is committed (or gone), so those rows can take their seqs in {@code ord} order
 * without any later commit needing a smaller one. No lock is held across business transactions: they
 * only insert into the outbox. See docs/audit.md, "Sequencing".
 */
@Component
@ConditionalOnWebApplication
final class AuditSequencer implements SmartLifecycle {
    static final int BATCH = 1000;
    private static final Logger log = LoggerFactory.getLogger(AuditSequencer.class);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(2);

    private final SequencerRepository sequencer;
    private final AuditRepository events;
    private final TenantScope tenants;
    private final Clock clock;
    private final Duration interval;
    private final @Nullable Timer lag;
    private volatile boolean running;
    private @Nullable Thread thread;

    AuditSequencer(
            SequencerRepository sequencer,
            AuditRepository events,
            TenantScope tenants,
            Clock clock,
            ObjectProvider<MeterRegistry> meters,
            @Value("${colloquy.audit.sequencer-interval:100ms}") Duration interval) {
        this.sequencer = sequencer;
        this.events = events;
        this.tenants = tenants;
        this.clock = clock;
        this.interval = interval;
        MeterRegistry registry = meters.getIfAvailable();
        this.lag = registry == null
                ? null
                : Timer.builder("colloquy.audit.sequencing.lag")
                        .description("Time from a change to its event's place in the log")
                        .publishPercentiles(0.5, 0.99)
                        .register(registry);
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofVirtual().name("audit-sequencer").start(this::loop);
    }

    /** Lets the current round finish (no interrupt: it would close a pooled database socket mid-work). */
    @Override
    public void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Rounds every {@code interval}; back to back only while a backlog remains (a full batch moved), so
     * under load each round moves many events in few statements instead of a few events each.
     */
    private void loop() {
        while (running) {
            boolean backlog = false;
            try {
                backlog = round();
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("Audit sequencing round failed; retrying", e);
                }
            }
            if (!backlog && running) {
                LockSupport.parkNanos(interval.toNanos());
            }
        }
    }

    /** One round; true when some project had more than a batch waiting (so the next round starts at once). */
    boolean round() {
        if (sequencer.pendingProjects(Long.MAX_VALUE).isEmpty()) {
            return false;
        }
        AtomicBoolean backlog = new AtomicBoolean();
        sequencer.asLeader(() -> {
            long watermark = sequencer.nextOrd();
            long xmax = sequencer.snapshotXmax();
            if (!settled(xmax)) {
                return;
            }
            for (UUID project : sequencer.pendingProjects(watermark)) {
                try {
                    int n;
                    do {
                        n = tenants.inProject(project, () -> sequence(project, watermark));
                        backlog.compareAndSet(false, n == BATCH);
                    } while (n == BATCH && running);
                } catch (RuntimeException e) {
                    log.error("Cannot sequence the audit events of project {}", project, e);
                }
            }
        });
        return backlog.get();
    }

    /** Waits until every transaction that existed when {@code xmax} was read has ended. */
    private boolean settled(long xmax) {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (sequencer.snapshotXmin() < xmax) {
            if (System.nanoTime() > deadline || !running) {
                return false;
            }
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
        }
        return true;
    }

    /** In the project's transaction: appends up to {@link #BATCH} events below the watermark to its log. */
    private int sequence(UUID project, long watermark) {
        sequencer.lockProject(project);
        long size = events.treeSize(project);
        List<AuditRepository.Waiting> rows = events.outboxBatch(project, watermark, BATCH);
        if (rows.isEmpty()) {
            return 0;
        }
        long[] ords = new long[rows.size()];
        long[] seqs = new long[rows.size()];
        List<byte[]> leaves = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            AuditEvent e = rows.get(i).event().withSeq(size + 1 + i);
            ords[i] = rows.get(i).ord();
            seqs[i] = e.seq();
            leaves.add(e.leafHash());
        }
        List<Merkle.Coord> frontierCoords = Merkle.frontier(size);
        Map<Merkle.Coord, byte[]> frontier = events.nodes(project, frontierCoords);
        if (frontier.size() != frontierCoords.size()) {
            throw new IllegalStateException("The stored Merkle tree is incomplete at size " + size);
        }
        Map<Merkle.Coord, byte[]> created = Merkle.append(size, frontier, leaves);
        if (events.append(project, ords, seqs, leaves, created) != rows.size()) {
            throw new IllegalStateException("Outbox rows changed while being sequenced");
        }
        sequencer.announce(project, size + rows.size());
        if (lag != null) {
            Instant now = clock.instant();
            for (AuditRepository.Waiting w : rows) {
                lag.record(Duration.between(w.event().at(), now));
            }
        }
        return rows.size();
    }
}
