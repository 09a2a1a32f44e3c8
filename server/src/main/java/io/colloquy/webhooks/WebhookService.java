package io.colloquy.webhooks;

import io.colloquy.audit.Action;
import io.colloquy.audit.AuditFeed;
import io.colloquy.audit.AuditLog;
import io.colloquy.audit.EntityType;
import io.colloquy.audit.ProjectDeleting;
import io.colloquy.crypto.SealedContent;
import io.colloquy.platform.Ids;
import io.colloquy.tenant.Namespace;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.FieldProblem;
import io.colloquy.web.NotFound;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import io.colloquy.web.ValidationFailed;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;

/**
 * Webhooks of a project, in the current tenant transaction: create (URL checked by the SSRF guard, secret
 * made here and shown once), list, get, delete, secret rotation, the delivery log; creation, deletion,
 * rotation and the server disabling one are audit events ({@code entity_type} {@code webhook}).
 */
@Service
public class WebhookService implements SealedContent {
    static final int MAX_EVENTS = 50;
    static final Duration MAX_OVERLAP = Duration.ofDays(7);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final WebhookRepository webhooks;
    private final EgressGuard guard;
    private final AuditFeed feed;
    private final AuditLog audit;
    private final WebhookSettings settings;
    private final Clock clock;

    WebhookService(
            WebhookRepository webhooks,
            EgressGuard guard,
            AuditFeed feed,
            AuditLog audit,
            WebhookSettings settings,
            Clock clock) {
        this.webhooks = webhooks;
        this.guard = guard;
        this.feed = feed;
        this.audit = audit;
        this.settings = settings;
        this.clock = clock;
    }

    /** What a client asks for; validated here. */
    record NewWebhook(
            @Nullable String url,
            @Nullable List<String> events,
            @Nullable String namespace,
            boolean includeData) {}

    /** A webhook and, right after creation or rotation only, its new secret. */
    record Issued(Webhook webhook, String secret) {}

    Issued create(UUID project, NewWebhook request) {
        List<FieldProblem> problems = new ArrayList<>();
        String url = request.url();
        if (url == null || url.isBlank()) {
            problems.add(new FieldProblem("url", "is required"));
        } else if (url.length() > 2048) {
            problems.add(new FieldProblem("url", "must be at most 2048 characters"));
        } else {
            try {
                guard.check(url);
            } catch (EgressGuard.Refused refused) {
                problems.add(new FieldProblem("url", String.valueOf(refused.getMessage())));
            }
        }
        List<String> events = events(request.events(), problems);
        String namespace = request.namespace();
        if (namespace != null) {
            try {
                new Namespace(namespace);
            } catch (ValidationFailed bad) {
                problems.add(new FieldProblem("namespace", "must match ^[A-Za-z0-9._:-]{1,128}$"));
            }
        }
        if (!problems.isEmpty()) {
            throw new ValidationFailed(problems);
        }
        webhooks.lockProjectWebhooks(project);
        if (webhooks.count(project) >= settings.maxPerProject()) {
            throw new ApiException(
                    ErrorCode.WEBHOOK_LIMIT_EXCEEDED,
                    "The project already has " + settings.maxPerProject() + " webhooks; delete one first.");
        }
        Instant now = clock.instant();
        String secret = newSecret();
        Webhook w = new Webhook(
                project,
                Ids.newId(),
                url,
                events,
                namespace,
                request.includeData(),
                Webhook.Status.ACTIVE,
                null,
                secret,
                null,
                null,
                feed.lastSeq(project), // from now on: the log before the webhook is not replayed
                null,
                0,
                now,
                now,
                now);
        webhooks.insert(w);
        audit.record(change(w, Action.CREATED, WebhookController.WebhookView.of(w, null)));
        return new Issued(w, secret);
    }

    Page<Webhook> list(UUID project, PageRequest page) {
        UUID after = page.after() == null
                ? null
                : Ids.fromHex(page.after())
                        .orElseThrow(() -> ValidationFailed.of("cursor", "is not a cursor this API returned"));
        return page.page(webhooks.list(project, after, page.limit() + 1), w -> Ids.hex(w.id()));
    }

    Webhook get(UUID project, String publicId) {
        return webhooks.find(project, id(publicId), false).orElseThrow(WebhookNotFound::new);
    }

    void delete(UUID project, String publicId) {
        Webhook w = get(project, publicId);
        webhooks.delete(project, w.id());
        audit.record(change(w, Action.DELETED, null));
    }

    /**
     * A new secret; the previous one keeps signing (deliveries carry both signatures) for {@code overlap}, so
     * receivers can switch without dropping a delivery.
     */
    Issued rotateSecret(UUID project, String publicId, @Nullable Duration overlap) {
        Duration keep = overlap == null ? settings.rotationOverlap() : overlap;
        if (keep.isNegative() || keep.compareTo(MAX_OVERLAP) > 0) {
            throw ValidationFailed.of("overlap_seconds", "must be 0 to " + MAX_OVERLAP.toSeconds());
        }
        Webhook w = webhooks.find(project, id(publicId), true).orElseThrow(WebhookNotFound::new);
        Instant now = clock.instant();
        String secret = newSecret();
        boolean overlapping = !keep.isZero();
        Instant until = overlapping ? now.plus(keep) : null;
        webhooks.rotate(project, w.id(), secret, overlapping ? w.secret() : null, until, now);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("secret_rotated", true);
        data.put("previous_secret_expires_at", until == null ? null : until.toString());
        audit.record(change(w, Action.UPDATED, data));
        return new Issued(webhooks.find(project, w.id(), false).orElseThrow(WebhookNotFound::new), secret);
    }

    Page<Delivery> deliveries(UUID project, String publicId, PageRequest page) {
        Webhook w = get(project, publicId);
        UUID before = page.after() == null
                ? null
                : Ids.fromHex(page.after())
                        .orElseThrow(() -> ValidationFailed.of("cursor", "is not a cursor this API returned"));
        return page.page(webhooks.deliveries(project, w.id(), before, page.limit() + 1), d -> Ids.hex(d.id()));
    }

    /** The server disables a webhook (410 Gone, or retries exhausted): recorded in the log. */
    void disable(Webhook w, String reason) {
        if (webhooks.disable(w.projectId(), w.id(), reason, clock.instant())) {
            audit.record(change(w, Action.DISABLED, Map.of("reason", reason)));
        }
    }

    /** A project is being deleted: its webhooks go with it (FK cascade), each with its own event. */
    @EventListener
    void onProjectDeleting(ProjectDeleting deleting) {
        audit.recordAll(webhooks.ids(deleting.projectId()).stream()
                .map(id -> AuditLog.Change.of(
                                deleting.projectId(),
                                null,
                                EntityType.WEBHOOK,
                                Ids.format("whk", id),
                                Action.DELETED,
                                null)
                        .under(deleting.parentEventId()))
                .toList());
    }

    /** Secrets are sealed at project level (namespace {@code ""}); nothing to do for other namespaces. */
    @Override
    public int resealOlderValues(UUID project, String ns, int current, int limit) {
        return ns.isEmpty() ? webhooks.resealOlder(project, current, limit) : 0;
    }

    /** Event filters: {@code *}, {@code <entity_type>.*} or {@code <entity_type>.<action>} of the audit log. */
    static List<String> events(@Nullable List<String> requested, List<FieldProblem> problems) {
        if (requested == null || requested.isEmpty()) {
            problems.add(new FieldProblem("events", "must list at least one event type (or \"*\")"));
            return List.of();
        }
        if (requested.size() > MAX_EVENTS) {
            problems.add(new FieldProblem("events", "must list at most " + MAX_EVENTS + " event types"));
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String e : requested) {
            if (e == null || !known(e)) {
                problems.add(new FieldProblem(
                        "events",
                        "must contain only \"*\", \"<entity_type>.*\" or \"<entity_type>.<action>\" of the audit log"
                                + " (e.g. message.created)"));
                return List.of();
            }
            if (!out.contains(e)) {
                out.add(e);
            }
        }
        return List.copyOf(out);
    }

    private static boolean known(String event) {
        if (event.equals("*")) {
            return true;
        }
        int dot = event.indexOf('.');
        if (dot < 0 || EntityType.fromWire(event.substring(0, dot)).isEmpty()) {
            return false;
        }
        String action = event.substring(dot + 1);
        return action.equals("*") || Action.fromWire(action).isPresent();
    }

    /** {@code whsec_} + base64 of 32 random bytes: the Standard Webhooks secret format. */
    static String newSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    private static AuditLog.Change change(Webhook w, Action action, @Nullable Object data) {
        return AuditLog.Change.of(w.projectId(), null, EntityType.WEBHOOK, Ids.format("whk", w.id()), action, data);
    }

    private static UUID id(String publicId) {
        return Ids.parse("whk", publicId).orElseThrow(WebhookNotFound::new);
    }

    static final class WebhookNotFound extends NotFound {
        WebhookNotFound() {
            super("Webhook not found.");
        }
    }
}
