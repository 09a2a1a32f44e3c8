package io.colloquy.audit;

import io.colloquy.platform.Ids;
import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.NotFound;
import io.colloquy.web.Page;
import io.colloquy.web.PageRequest;
import io.colloquy.web.ValidationFailed;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /v1/audit/...}: the project's log, its signed checkpoint, proofs, export and stream tokens. */
@RestController
class AuditController {
    static final String JSONL = "application/x-ndjson";
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private final AuditTrail trail;
    private final StreamTokens tokens;

    AuditController(AuditTrail trail, StreamTokens tokens) {
        this.trail = trail;
        this.tokens = tokens;
    }

    @GetMapping(AuditRoutes.EVENTS)
    Page<AuditEvent.View> events(
            @RequestParam(name = "after_seq", required = false) @Nullable String afterSeq,
            @RequestParam(required = false) @Nullable String namespace,
            @RequestParam(name = "entity_type", required = false) @Nullable String entityType,
            @RequestParam(required = false) @Nullable String action,
            @RequestParam(required = false) @Nullable String format,
            @RequestParam(required = false) @Nullable String limit,
            @RequestParam(required = false) @Nullable String cursor) {
        if (format != null && !format.equals("json")) {
            throw ValidationFailed.of("format", "must be json or jsonl");
        }
        return trail.page(
                project(),
                nonNegative("after_seq", afterSeq, 0),
                filter(namespace, entityType, action),
                PageRequest.of(limit, cursor));
    }

    /** The whole log (or what matches the filters) as JSON lines, streamed; see {@link AuditRoutes}. */
    @GetMapping(path = AuditRoutes.EVENTS, params = "format=jsonl")
    void export(
            @RequestParam(name = "after_seq", required = false) @Nullable String afterSeq,
            @RequestParam(required = false) @Nullable String namespace,
            @RequestParam(name = "entity_type", required = false) @Nullable String entityType,
            @RequestParam(required = false) @Nullable String action,
            HttpServletResponse response)
            throws IOException {
        long after = nonNegative("after_seq", afterSeq, 0);
        AuditRepository.Filter filter = filter(namespace, entityType, action);
        response.setStatus(HttpStatus.OK.value());
        response.setContentType(JSONL + ";charset=UTF-8");
        trail.exportJsonl(project(), after, filter, response.getOutputStream());
    }

    @GetMapping("/v1/audit/public-key")
    AuditTrail.PublicKeyView publicKey() {
        return trail.publicKey();
    }

    @GetMapping("/v1/audit/checkpoint")
    AuditTrail.CheckpointView checkpoint() {
        return trail.checkpoint(project());
    }

    @GetMapping("/v1/audit/events/{seq}/proof")
    AuditTrail.InclusionView proof(
            @PathVariable String seq, @RequestParam(name = "tree_size", required = false) @Nullable String treeSize) {
        UUID project = project();
        long current = trail.treeSize(project);
        long size = treeSize == null ? current : positive("tree_size", treeSize);
        if (size > current) {
            throw ValidationFailed.of("tree_size", "must be at most the current tree size " + current);
        }
        long n;
        try {
            n = Long.parseLong(seq);
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n < 1 || n > size) {
            throw new NotFound("Event not found in a tree of this size.");
        }
        return trail.inclusion(project, n, size);
    }

    @GetMapping("/v1/audit/consistency")
    AuditTrail.ConsistencyView consistency(
            @RequestParam(name = "from_size", required = false) @Nullable String fromSize,
            @RequestParam(name = "to_size", required = false) @Nullable String toSize) {
        UUID project = project();
        long current = trail.treeSize(project);
        if (fromSize == null) {
            throw ValidationFailed.of("from_size", "is required");
        }
        long from = nonNegative("from_size", fromSize, 0);
        long to = toSize == null ? current : nonNegative("to_size", toSize, current);
        if (to > current) {
            throw ValidationFailed.of("to_size", "must be at most the current tree size " + current);
        }
        if (from > to) {
            throw ValidationFailed.of("from_size", "must be at most to_size");
        }
        return trail.consistency(project, from, to);
    }

    record StreamTokenView(String token, Instant expiresAt) {}

    @PostMapping("/v1/audit/stream-tokens")
    @ResponseStatus(HttpStatus.CREATED)
    StreamTokenView streamToken() {
        AuditContext context = context();
        UUID keyId = Ids.parse("key", context.actor().id())
                .orElseThrow(() -> new ApiException(ErrorCode.FORBIDDEN, "Stream tokens are issued to API keys."));
        StreamTokens.Issued issued = tokens.issue(context.projectId(), keyId);
        return new StreamTokenView(issued.token(), issued.expiresAt());
    }

    static AuditRepository.Filter filter(
            @Nullable String namespace, @Nullable String entityType, @Nullable String action) {
        if (namespace != null && !NAMESPACE.matcher(namespace).matches()) {
            throw ValidationFailed.of("namespace", "must match ^[A-Za-z0-9._:-]{1,128}$");
        }
        if (entityType != null && EntityType.fromWire(entityType).isEmpty()) {
            throw ValidationFailed.of("entity_type", "must be one of " + wireNames(EntityType.values()));
        }
        if (action != null && Action.fromWire(action).isEmpty()) {
            throw ValidationFailed.of("action", "must be one of " + wireNames(Action.values()));
        }
        return new AuditRepository.Filter(namespace, entityType, action);
    }

    static long nonNegative(String field, @Nullable String value, long otherwise) {
        if (value == null || value.isEmpty()) {
            return otherwise;
        }
        try {
            long n = Long.parseLong(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ValidationFailed.of(field, "must be a non-negative integer");
    }

    private static long positive(String field, String value) {
        long n = nonNegative(field, value, 0);
        if (n < 1) {
            throw ValidationFailed.of(field, "must be a positive integer");
        }
        return n;
    }

    private static String wireNames(Enum<?>[] values) {
        StringBuilder s = new StringBuilder();
        for (Enum<?> v : values) {
            s.append(s.isEmpty() ? "" : ", ").append(v.name().toLowerCase(java.util.Locale.ROOT));
        }
        return s.toString();
    }

    private static UUID project() {
        return context().projectId();
    }

    private static AuditContext context() {
        return AuditContext.current().orElseThrow(() -> new IllegalStateException("No audit context for this request"));
    }
}
