package io.colloquy.audit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * <p>A round: draw a watermark {@code W} from the order sequence; for each project with events waiting,
 * note the transactions holding its writer lock (taken by every transaction before it places an event
 * of the project, V29) and wait until those have ended; now every outbox row of that project with
 * {@code ord < W} is committed (or gone), so those rows can take their seqs in {@code ord} order without
 * any later commit needing a smaller one. A project whose writers are still running is left for the
 * next round: a long transaction holds back its own project's log only. No lock is held across business transactions: they
 * only insert into the outbox. See docs/audit.md, "Sequencing".
 */
@Component
@ConditionalOnWebApplication
final class AuditSequencer implements SmartLifecycle {
    static final int BATCH = 1000;
    private static final Logger log = LoggerFactory.getLogger(AuditSequencer.class);
    /** How long a round waits for projects' writers; a project still waiting is checked again next round. */
    private static final Duration SETTLE_TIMEOUT = Duration.ofMillis(200);

    private final SequencerRepository sequencer;
    private final AuditRepository events;
    private final TenantScope tenants;
    private final Clock clock;
    private final Duration interval;
    private final @Nullable Timer lag;
    private final Map<UUID, Waiting> waiting = new LinkedHashMap<>();
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

    /**
     * One round; true when some project had more than a batch waiting (so the next round starts at once).
     * A project whose writers from before its watermark are still running after {@link #SETTLE_TIMEOUT}
     * stays waiting (for those same writers) into the next round; the others are sequenced meanwhile.
     */
    boolean round() {
        if (sequencer.pendingProjects(Long.MAX_VALUE).isEmpty()) {
            return false;
        }
        AtomicBoolean backlog = new AtomicBoolean();
        sequencer.asLeader(() -> {
            long watermark = sequencer.nextOrd();
            for (UUID project : sequencer.pendingProjects(watermark)) {
                waiting.computeIfAbsent(project, p -> new Waiting(watermark, sequencer.writers(p)));
            }
            long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
            while (!waiting.isEmpty() && running) {
                for (var i = waiting.entrySet().iterator(); i.hasNext(); ) {
                    var entry = i.next();
                    Set<String> writers = entry.getValue().writers();
                    if (!writers.isEmpty()) {
                        writers.retainAll(sequencer.writers(entry.getKey()));
                    }
                    if (writers.isEmpty()) {
                        i.remove();
                        backlog.compareAndSet(
                                false,
                                sequenceAll(entry.getKey(), entry.getValue().watermark()));
                    }
                }
                if (waiting.isEmpty() || System.nanoTime() > deadline) {
                    return;
                }
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
            }
        });
        return backlog.get();
    }

    /**
     * A project's events below {@code watermark} are final once these transactions (which held its writer
     * lock after the watermark was drawn) have ended. Kept across rounds, so a project whose writers are
     * slow is neither starved by new writers nor holding back any other project.
     */
    private record Waiting(long watermark, Set<String> writers) {}

    /** Sequences the project's events below the watermark, a batch per transaction; true if a batch was full. */
    private boolean sequenceAll(UUID project, long watermark) {
        boolean full = false;
        try {
            int n;
            do {
                n = tenants.inProject(project, () -> sequence(project, watermark));
                full |= n == BATCH;
            } while (n == BATCH && running);
        } catch (RuntimeException e) {
            log.error("Cannot sequence the audit events of project {}", project, e);
        }
        return full;
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
