package io.colloquy.audit;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.PingMessage;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import tools.jackson.databind.json.JsonMapper;

/**
 * One live stream. Its pump (a virtual thread) PULLS events from the log by seq: everything after the
 * cursor up to the latest announced size, a page at a time, each page in its own tenant transaction,
 * sent before the next is read. The stored log and the live tail are one sequence, so resuming with
 * {@code after_seq} has no gap and no duplicate, and a slow client costs one page of memory at most: a
 * send blocked longer than the send timeout disconnects it with a close reason. Before each page it sends,
 * and after every idle wait (at most the recheck interval), it checks the credential the stream was opened
 * with again and closes the stream (1008) once that no longer holds.
 */
final class StreamSession {
    static final int PAGE = 200;
    private static final Logger log = LoggerFactory.getLogger(StreamSession.class);
    private static final Duration IDLE = Duration.ofSeconds(15);

    private final WebSocketSession ws;
    private final Subscription subscription;
    private final AuditRepository events;
    private final TenantScope tenants;
    private final JsonMapper json;
    private final StreamCredentials.Credential credential;
    private final long recheckNanos;
    private final AtomicLong target;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean recheck;
    private volatile boolean stopped;
    private long cursor;
    private long checkedAt = System.nanoTime();

    /** What a client asked for at the handshake: the project, filters, where to start and the size then. */
    record Subscription(UUID project, AuditRepository.Filter filter, long afterSeq, long head) {}

    StreamSession(
            WebSocketSession ws,
            Subscription subscription,
            AuditRepository events,
            TenantScope tenants,
            JsonMapper json,
            StreamCredentials.Credential credential,
            Duration recheckEvery) {
        this.ws = ws;
        this.credential = credential;
        this.recheckNanos = recheckEvery.toNanos();
        this.subscription = subscription;
        this.events = events;
        this.tenants = tenants;
        this.json = json;
        this.cursor = subscription.afterSeq();
        this.target = new AtomicLong(subscription.head());
    }

    UUID project() {
        return subscription.project();
    }

    void start() {
        Thread.ofVirtual().name("audit-stream").start(this::pump);
    }

    /** Ends the pump without interrupting it (an interrupt would close a pooled database socket). */
    void stop() {
        stopped = true;
        wake.release();
    }

    void advance(long size) {
        target.accumulateAndGet(size, Math::max);
        wake.release();
    }

    void recheck() {
        recheck = true;
        wake.release();
    }

    private void pump() {
        UUID project = subscription.project();
        long idleSince = System.nanoTime();
        try {
            while (!stopped && ws.isOpen()) {
                long upto = target.get();
                if (cursor < upto) {
                    if (!credentialHolds()) {
                        return;
                    }
                    long after = cursor;
                    List<AuditRepository.Stored> page = tenants.inProject(
                            project, () -> events.events(project, after, upto, subscription.filter(), PAGE));
                    for (AuditRepository.Stored s : page) {
                        ws.sendMessage(new TextMessage(json.writeValueAsString(s.view())));
                    }
                    cursor = page.size() < PAGE ? upto : page.getLast().view().seq();
                    idleSince = System.nanoTime();
                    continue;
                }
                boolean woken = wake.tryAcquire(recheckNanos, TimeUnit.NANOSECONDS);
                wake.drainPermits();
                if ((!woken || System.nanoTime() - checkedAt >= recheckNanos) && !credentialHolds()) {
                    return;
                }
                boolean idle = System.nanoTime() - idleSince >= IDLE.toNanos();
                if (idle || recheck) {
                    recheck = false;
                    target.accumulateAndGet(tenants.inProject(project, () -> events.treeSize(project)), Math::max);
                    if (idle) {
                        ws.sendMessage(new PingMessage());
                        idleSince = System.nanoTime();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            if (ws.isOpen()) {
                close(new CloseStatus(
                        CloseStatus.POLICY_VIOLATION.getCode(),
                        "slow consumer: reconnect with after_seq = the last seq you processed"));
            }
        } catch (RuntimeException e) {
            log.warn("Audit stream of project {} failed", project, e);
            close(CloseStatus.SERVER_ERROR);
        }
    }

    /** Whether the stream's key may still read the log; if not, the stream is closed (1008) and false returned. */
    private boolean credentialHolds() {
        checkedAt = System.nanoTime();
        if (credential.stillValid()) {
            return true;
        }
        close(new CloseStatus(
                CloseStatus.POLICY_VIOLATION.getCode(),
                "credential no longer valid: the key was revoked, expired or lost access"));
        return false;
    }

    private void close(CloseStatus status) {
        try {
            ws.close(status);
        } catch (IOException | RuntimeException ignored) {
            // the connection is gone either way
        }
    }
}
