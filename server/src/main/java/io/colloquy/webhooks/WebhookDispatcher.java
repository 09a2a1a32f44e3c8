package io.colloquy.webhooks;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookSigningException;
import io.colloquy.audit.AuditFeed;
import io.colloquy.crypto.EncryptionKeyRevoked;
import io.colloquy.platform.Ids;
import io.colloquy.tenant.TenantTransactions;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Delivers each project's audit log to its webhooks. Every poll interval it asks which projects have an
 * active webhook due; each such project gets ONE virtual thread (so a slow receiver holds back only its own
 * project), which runs its due webhooks at most {@code concurrency-per-project} at a time. A webhook walks
 * the log from its cursor in seq order: events it does not want are skipped, the next one it wants is
 * signed (Standard Webhooks) and sent, and only a 2xx moves the cursor past it (at-least-once, in order,
 * surviving restarts: the cursor is in the database). A failure schedules a retry with exponential back-off
 * and jitter; after {@code retry-for} the webhook is disabled, and a 410 disables it at once (both audited).
 */
@Component
@ConditionalOnWebApplication
final class WebhookDispatcher implements SmartLifecycle {
    /** Events read from the log per step, and deliveries per webhook before it yields to the next round. */
    static final int BATCH = 100;

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

    private final WebhookRepository webhooks;
    private final WebhookService service;
    private final AuditFeed feed;
    private final TenantTransactions tenants;
    private final EgressGuard guard;
    private final WebhookSender sender;
    private final WebhookSettings settings;
    private final Clock clock;
    private final Set<UUID> busy = ConcurrentHashMap.newKeySet();
    private volatile boolean running;
    private volatile @Nullable Thread thread;

    WebhookDispatcher(
            WebhookRepository webhooks,
            WebhookService service,
            AuditFeed feed,
            TenantTransactions tenants,
            EgressGuard guard,
            WebhookSender sender,
            WebhookSettings settings,
            Clock clock) {
        this.webhooks = webhooks;
        this.service = service;
        this.feed = feed;
        this.tenants = tenants;
        this.guard = guard;
        this.sender = sender;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public synchronized void start() {
        running = true;
        thread = Thread.ofVirtual().name("webhook-dispatcher").start(this::loop);
    }

    /** Stops polling and aborts deliveries in flight; what they were sending is sent again after a restart. */
    @Override
    public synchronized void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        sender.abortAll();
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread = null;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void loop() {
        while (running) {
            try {
                round();
            } catch (RuntimeException e) {
                log.warn(
                        "Webhook round failed ({}); trying again next round",
                        e.getClass().getSimpleName());
            }
            try {
                Thread.sleep(settings.pollInterval());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Starts a worker for every project with a webhook due that has none running. */
    void round() {
        for (UUID project : webhooks.dueProjects(clock.instant())) {
            if (running && busy.add(project)) {
                Thread.ofVirtual().name("webhooks-" + project).start(() -> {
                    try {
                        runProject(project);
                    } finally {
                        busy.remove(project);
                    }
                });
            }
        }
    }

    private void runProject(UUID project) {
        List<UUID> due = tenants.inProject(project, () -> webhooks.due(project, clock.instant()));
        Semaphore permits = new Semaphore(settings.concurrencyPerProject());
        List<Thread> workers = new ArrayList<>();
        for (UUID id : due) {
            workers.add(Thread.ofVirtual().start(() -> {
                try {
                    permits.acquire();
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    runWebhook(project, id);
                } catch (EncryptionKeyRevoked revoked) {
                    // its secret can't be opened while the customer key is revoked: deliveries wait for it
                } catch (RuntimeException e) {
                    log.warn(
                            "Webhook {} could not be served ({}); trying again next round",
                            Ids.format("whk", id),
                            e.getClass().getSimpleName());
                } finally {
                    permits.release();
                }
            }));
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void runWebhook(UUID project, UUID id) {
        for (int i = 0; i < BATCH && running; i++) {
            if (!step(project, id)) {
                return;
            }
        }
    }

    /** The next event a webhook wants and the webhook as it was read (secrets opened). */
    private record Next(io.colloquy.webhooks.Webhook webhook, AuditFeed.FeedEvent event) {}

    /** One step: skip unwanted events, or deliver the next wanted one. False when there is nothing more now. */
    private boolean step(UUID project, UUID id) {
        Instant now = clock.instant();
        Object found = tenants.inProject(project, () -> {
            io.colloquy.webhooks.Webhook w = webhooks.find(project, id, true).orElse(null);
            if (w == null
                    || w.status() != io.colloquy.webhooks.Webhook.Status.ACTIVE
                    || w.nextAttemptAt().isAfter(now)) {
                return Boolean.FALSE;
            }
            List<AuditFeed.FeedEvent> batch = feed.after(project, w.cursorSeq(), w.namespace(), BATCH);
            for (AuditFeed.FeedEvent e : batch) {
                if (w.wants(e.entityType(), e.action())) {
                    if (e.seq() - 1 > w.cursorSeq()) {
                        webhooks.advance(project, id, e.seq() - 1, now); // past the ones it does not want
                    }
                    return new Next(w, e);
                }
            }
            if (batch.isEmpty()) {
                return Boolean.FALSE;
            }
            webhooks.advance(project, id, batch.getLast().seq(), now);
            return Boolean.TRUE;
        });
        if (found instanceof Next next) {
            WebhookSender.Outcome outcome = deliver(next);
            if (!running) {
                return false; // stopping: nothing recorded, the event is sent again after the restart
            }
            return tenants.inProject(project, () -> record(next, outcome));
        }
        return (Boolean) found;
    }

    private WebhookSender.Outcome deliver(Next next) {
        io.colloquy.webhooks.Webhook w = next.webhook();
        EgressGuard.Target target;
        try {
            target = guard.check(w.url()); // again at every delivery: the name may resolve elsewhere now
        } catch (EgressGuard.Refused refused) {
            return new WebhookSender.Outcome(null, "refused: the URL " + refused.getMessage(), 0);
        }
        String body = w.includeData() ? next.event().json() : next.event().jsonWithoutData();
        long timestamp = clock.instant().getEpochSecond();
        Map<String, String> headers = Map.of(
                "webhook-id", next.event().id(),
                "webhook-timestamp", Long.toString(timestamp),
                "webhook-signature", signature(w, next.event().id(), timestamp, body));
        return sender.send(target, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code v1,<base64>} per signing secret, space-separated (both during a rotation's overlap). */
    private String signature(io.colloquy.webhooks.Webhook w, String id, long timestamp, String body) {
        List<String> signatures = new ArrayList<>();
        for (String secret : w.signingSecrets(clock.instant())) {
            try {
                signatures.add(new Webhook(secret).sign(id, timestamp, body));
            } catch (WebhookSigningException e) {
                throw new IllegalStateException("a webhook secret could not sign", e);
            }
        }
        return String.join(" ", signatures);
    }

    /** Logs the attempt; moves the cursor on a 2xx, else schedules the retry or disables the webhook. */
    private boolean record(Next next, WebhookSender.Outcome outcome) {
        io.colloquy.webhooks.Webhook w = next.webhook();
        UUID project = w.projectId();
        Instant now = clock.instant();
        int attempt = w.attempts() + 1;
        Instant retryAt = null;
        boolean advanced = false;
        if (outcome.success()) {
            webhooks.advance(project, w.id(), next.event().seq(), now);
            advanced = true;
        } else if (outcome.status() != null && outcome.status() == 410) {
            service.disable(w, "gone: the receiver answered 410");
        } else {
            Instant failingSince = w.failingSince() == null ? now : w.failingSince();
            if (!now.isBefore(failingSince.plus(settings.retryFor()))) {
                service.disable(w, "retries exhausted: failing since " + failingSince);
            } else {
                retryAt = now.plus(backoff(attempt));
                webhooks.failed(project, w.id(), attempt, failingSince, retryAt);
            }
        }
        webhooks.insertDelivery(
                project,
                w.id(),
                new Delivery(
                        Ids.newId(),
                        next.event().seq(),
                        next.event().id(),
                        attempt,
                        outcome.status(),
                        outcome.error(),
                        (int) Math.min(Integer.MAX_VALUE, outcome.latencyMillis()),
                        retryAt,
                        now),
                settings.deliveriesKept());
        return advanced;
    }

    /** {@code retry-initial × 2^(attempt-1)}, at most {@code retry-max}, with equal jitter (half fixed, half random). */
    Duration backoff(int attempt) {
        long base = settings.retryInitial().toMillis();
        long capped = Math.min(settings.retryMax().toMillis(), base << Math.min(attempt - 1, 30));
        long half = Math.max(1, capped / 2);
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
    }
}
