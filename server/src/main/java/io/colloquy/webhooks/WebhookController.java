package io.colloquy.webhooks;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.colloquy.keys.Caller;
import io.colloquy.platform.Ids;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import io.colloquy.web.ValidationFailed;
import io.swagger.v3.oas.annotations.Operation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /v1/webhooks}: the project's webhooks and their delivery logs (admin). */
@RestController
@RequestMapping("/v1/webhooks")
class WebhookController {
    private final WebhookService webhooks;

    WebhookController(WebhookService webhooks) {
        this.webhooks = webhooks;
    }

    /** {@code POST /v1/webhooks}; {@code include_data} (default true): false sends events without {@code data}. */
    record CreateWebhook(
            @Nullable String url,
            @Nullable List<String> events,
            @Nullable String namespace,
            @Nullable Boolean includeData) {}

    /** {@code POST /v1/webhooks/{id}/rotate-secret}: how long the previous secret keeps signing (default 24 h). */
    record RotateSecret(@Nullable Long overlapSeconds) {}

    /** A webhook; {@code secret} only in the responses of creation and rotation. */
    record WebhookView(
            String id,
            String url,
            List<String> events,
            @Nullable String namespace,
            boolean includeData,
            String status,
            @Nullable String disabledReason,
            @Nullable Instant previousSecretExpiresAt,
            Instant createdAt,
            Instant updatedAt,

            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable
            String secret) {

        static WebhookView of(Webhook w, @Nullable String secret) {
            return new WebhookView(
                    Ids.format("whk", w.id()),
                    w.url(),
                    w.events(),
                    w.namespace(),
                    w.includeData(),
                    w.status().wireName(),
                    w.disabledReason(),
                    w.previousSecretUntil(),
                    w.createdAt(),
                    w.updatedAt(),
                    secret);
        }
    }

    /** One delivery attempt. */
    record DeliveryView(
            String id,
            String eventId,
            long eventSeq,
            int attempt,
            @Nullable Integer statusCode,
            @Nullable String error,
            int latencyMs,
            @Nullable Instant nextRetryAt,
            Instant at) {

        static DeliveryView of(Delivery d) {
            return new DeliveryView(
                    Ids.format("whd", d.id()),
                    d.eventId(),
                    d.eventSeq(),
                    d.attempt(),
                    d.statusCode(),
                    d.error(),
                    d.latencyMs(),
                    d.nextRetryAt(),
                    d.at());
        }
    }

    @Operation(
            summary = "Create a webhook (its secret is shown only here)",
            description = "The URL must be https and resolve only to public addresses (else 400 VALIDATION_FAILED,"
                    + " field url); events: \"*\", \"<entity_type>.*\" or \"<entity_type>.<action>\" of the audit"
                    + " log; namespace: only that namespace's events; include_data (default true): false sends"
                    + " events without data. At most 20 webhooks per project: 409 WEBHOOK_LIMIT_EXCEEDED."
                    + " See docs/webhooks.md.")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    WebhookView create(Caller.Key caller, @RequestBody CreateWebhook body) {
        WebhookService.Issued issued = webhooks.create(
                caller.projectId(),
                new WebhookService.NewWebhook(
                        body.url(), body.events(), body.namespace(), body.includeData() == null || body.includeData()));
        return WebhookView.of(issued.webhook(), issued.secret());
    }

    @Operation(summary = "List the project's webhooks (never their secrets)")
    @GetMapping
    Page<WebhookView> list(
            Caller.Key caller,
            @RequestParam(required = false) @Nullable String limit,
            @RequestParam(required = false) @Nullable String cursor) {
        Page<Webhook> page = webhooks.list(caller.projectId(), PageRequest.of(limit, cursor));
        return new Page<>(page.data().stream().map(w -> WebhookView.of(w, null)).toList(), page.nextCursor());
    }

    @Operation(summary = "A webhook")
    @GetMapping("/{id}")
    WebhookView get(Caller.Key caller, @PathVariable String id) {
        return WebhookView.of(webhooks.get(caller.projectId(), id), null);
    }

    @Operation(summary = "Delete a webhook and its delivery log")
    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(Caller.Key caller, @PathVariable String id) {
        webhooks.delete(caller.projectId(), id);
    }

    @Operation(
            summary = "Rotate a webhook's secret (contract addition)",
            description = "Returns the new secret (shown only here). Until previous_secret_expires_at"
                    + " (overlap_seconds: 0 to 604800, default 86400) deliveries carry both signatures.")
    @PostMapping("/{id}/rotate-secret")
    WebhookView rotateSecret(
            Caller.Key caller, @PathVariable String id, @RequestBody(required = false) @Nullable RotateSecret body) {
        Long seconds = body == null ? null : body.overlapSeconds();
        if (seconds != null && (seconds < 0 || seconds > WebhookService.MAX_OVERLAP.toSeconds())) {
            throw ValidationFailed.of("overlap_seconds", "must be 0 to " + WebhookService.MAX_OVERLAP.toSeconds());
        }
        WebhookService.Issued issued =
                webhooks.rotateSecret(caller.projectId(), id, seconds == null ? null : Duration.ofSeconds(seconds));
        return WebhookView.of(issued.webhook(), issued.secret());
    }

    @Operation(
            summary = "A webhook's delivery attempts, newest first",
            description = "Status code (null when no answer came), error, latency, attempt and next retry;"
                    + " the last 100 attempts are kept.")
    @GetMapping("/{id}/deliveries")
    Page<DeliveryView> deliveries(
            Caller.Key caller,
            @PathVariable String id,
            @RequestParam(required = false) @Nullable String limit,
            @RequestParam(required = false) @Nullable String cursor) {
        Page<Delivery> page = webhooks.deliveries(caller.projectId(), id, PageRequest.of(limit, cursor));
        return new Page<>(page.data().stream().map(DeliveryView::of).toList(), page.nextCursor());
    }
}
