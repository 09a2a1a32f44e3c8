package io.colloquy.tenant;

import io.colloquy.keys.ApiKeyAuthentication;
import io.colloquy.keys.Caller;
import io.colloquy.platform.Ids;
import io.colloquy.web.ApiException;
import io.colloquy.web.BodyLimit;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.ErrorResponses;
import io.colloquy.web.NotFound;
import io.colloquy.web.RequestIds;
import io.colloquy.web.Routes;
import io.colloquy.web.ServiceUnavailable;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionStatus;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * The request path, in one place, for every route of the route table ({@link Routes}): the caller's
 * credential is checked and authorized for the route ({@link ApiKeyAuthentication}: allowlists, rate
 * limit, capability), the body is read whole ({@link BodyLimit}), then one {@link RequestContext} is
 * built and bound for the rest of the request. Routes with tenant data run in one transaction with the
 * tenant context set once at its start: the project of the caller's key and the namespace of the path
 * (or every namespace for project-wide routes). The response is buffered and sent only after commit; any
 * error status rolls the whole request back, so a failed request never leaves a partial write and a 2xx
 * is never sent for a change that did not commit.
 *
 * <p>The streaming routes (the audit export and WebSocket) get the context but neither the buffer nor
 * the request transaction: they open a short tenant transaction per page of what they send. The MCP endpoint
 * likewise: each tool call opens one tenant transaction in the namespace its arguments name. The export
 * link is its own credential and opens its own transactions; public routes get no context at all.
 */
@Component
@Order(0)
final class TenantRequests extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(TenantRequests.class);
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final ApiKeyAuthentication authentication;
    private final BodyLimit bodies;
    private final TenantTransactions tenants;
    private final IdempotencyRecords idempotency;
    private final ErrorResponses errors;

    TenantRequests(
            ApiKeyAuthentication authentication,
            BodyLimit bodies,
            TenantTransactions tenants,
            IdempotencyRecords idempotency,
            ErrorResponses errors) {
        this.authentication = authentication;
        this.bodies = bodies;
        this.tenants = tenants;
        this.idempotency = idempotency;
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Routes.Match match = Routes.of(request);
        Routes.Route route = match.route();
        // what the transaction's first statement needs is parsed before the key check may be deferred to
        // it; a request whose namespace or Idempotency-Key is malformed has its key checked first, like any
        Namespace namespace = null;
        String idempotencyKey = null;
        ApiException invalid = null;
        try {
            if (route.scope() == Routes.Scope.NAMESPACE) {
                namespace = new Namespace(Objects.requireNonNull(match.segment()));
            }
            if ("POST".equals(request.getMethod()) && request.getHeader(IDEMPOTENCY_KEY) != null) {
                idempotencyKey = IdempotencyRecords.validKey(request.getHeader(IDEMPOTENCY_KEY));
            }
        } catch (ApiException e) {
            invalid = e;
        }
        boolean mayDefer = route.transaction() == Routes.Transaction.REQUEST && invalid == null;
        Caller caller = null;
        ApiKeyAuthentication.Admission.Deferred deferred = null;
        switch (authentication.admit(request, response, route, mayDefer)) {
            case ApiKeyAuthentication.Admission.Refused ignored -> {
                return;
            }
            case ApiKeyAuthentication.Admission.Anonymous ignored -> {}
            case ApiKeyAuthentication.Admission.Admitted admitted -> caller = admitted.caller();
            case ApiKeyAuthentication.Admission.Deferred d -> deferred = d;
        }
        Optional<HttpServletRequest> read = bodies.readWhole(request, response);
        if (read.isEmpty()) {
            return;
        }
        HttpServletRequest in = read.get();
        if (deferred == null
                && (caller == null
                        || route.transaction() == Routes.Transaction.NONE
                        || route.transaction() == Routes.Transaction.EXPORT_LINK)) {
            // no tenant data, or its own credential and transactions: a key sent along changes nothing
            chain.doFilter(in, response);
            return;
        }
        byte[] digest = null;
        RequestContext context = null;
        try {
            if (invalid != null) {
                throw invalid;
            }
            if (idempotencyKey != null) {
                byte[] body = in.getInputStream().readAllBytes();
                digest = IdempotencyRecords.digest(request.getMethod(), request.getRequestURI(), body);
                in = BodyLimit.replaying(request, body);
            }
            if (caller != null) {
                context = contextOf(caller, match, namespace, idempotencyKey, RequestIds.of(request));
            }
        } catch (ApiException e) {
            errors.write(request, response, e);
            return;
        }
        if (context != null
                && (route.transaction() == Routes.Transaction.STREAMING
                        || route.transaction() == Routes.Transaction.CALLS)) {
            stream(context, in, response, chain);
            return;
        }
        ContentCachingResponseWrapper out = new ContentCachingResponseWrapper(response);
        try {
            byte[] requestDigest = digest;
            HttpServletRequest wrapped = in;
            if (context != null) {
                RequestContext known = context;
                known.run(() -> tenants.run(
                        known.projectId(),
                        known.tenantNamespace(),
                        status -> work(known, wrapped, out, chain, requestDigest, status)));
            } else {
                runAsKey(
                        Objects.requireNonNull(deferred),
                        route,
                        namespace,
                        idempotencyKey,
                        RequestIds.of(request),
                        wrapped,
                        out,
                        chain,
                        requestDigest);
            }
        } catch (ApiException e) {
            out.reset();
            errors.write(request, response, e);
            return;
        } catch (RuntimeException e) {
            out.reset();
            if (ServiceUnavailable.causedBy(e)) {
                log.warn(
                        "Request {} failed: the database is unavailable ({})", request.getRequestURI(), e.getMessage());
                errors.write(request, response, ServiceUnavailable.database());
                return;
            }
            log.error("Request {} failed", request.getRequestURI(), e);
            errors.write(
                    request, response, ErrorCode.INTERNAL, "Internal error. Quote the request id when reporting it.");
            return;
        }
        out.copyBodyToResponse();
    }

    /**
     * The request of a key not checked yet: its transaction's first statement checks the key and sets the
     * tenant context from the key's own project; a refusal (unknown, revoked, expired, outside the
     * allowlists, over the rate limit, lacking the capability) is answered and rolled back with nothing else
     * run, otherwise the context is built and bound and the request runs in that same transaction.
     */
    private void runAsKey(
            ApiKeyAuthentication.Admission.Deferred deferred,
            Routes.Route route,
            @Nullable Namespace namespace,
            @Nullable String idempotencyKey,
            String requestId,
            HttpServletRequest in,
            ContentCachingResponseWrapper out,
            FilterChain chain,
            byte @Nullable [] digest) {
        String tenantNamespace = namespace == null ? Namespace.ALL : namespace.name();
        tenants.runAsKey(deferred.key().keyId(), deferred.key().digest(), tenantNamespace, (facts, status) -> {
            ApiKeyAuthentication.Admission admission;
            try {
                admission = authentication.judgeFirstStatement(deferred, facts, in, out, route);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (!(admission instanceof ApiKeyAuthentication.Admission.Admitted admitted)
                    || !(admitted.caller() instanceof Caller.Key key)) {
                status.setRollbackOnly();
                return null;
            }
            RequestContext context = RequestContext.ofKey(key, namespace, key.plan(), idempotencyKey, requestId);
            return context.call(() -> work(context, in, out, chain, digest, status));
        });
    }

    /** The request itself, in its transaction: an Idempotency-Key replay, or the controller; rollback on any error. */
    private @Nullable Void work(
            RequestContext context,
            HttpServletRequest in,
            ContentCachingResponseWrapper out,
            FilterChain chain,
            byte @Nullable [] digest,
            TransactionStatus status) {
        String idempotencyKey = context.idempotencyKey();
        if (idempotencyKey != null && digest != null) {
            Optional<IdempotencyRecords.Replay> replay = idempotency.claim(context.projectId(), idempotencyKey, digest);
            if (replay.isPresent()) {
                out.setStatus(replay.get().status());
                out.setContentType("application/json");
                out.setHeader("Idempotent-Replayed", "true");
                write(out, replay.get().body());
                return null;
            }
        }
        try {
            chain.doFilter(in, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ServletException e) {
            throw new IllegalStateException(e);
        }
        if (out.getStatus() >= 400) {
            status.setRollbackOnly();
        } else if (idempotencyKey != null) {
            idempotency.complete(context.projectId(), idempotencyKey, out.getStatus(), out.getContentAsByteArray());
        }
        return null;
    }

    private static void stream(
            RequestContext context, HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        try {
            context.run(() -> {
                try {
                    chain.doFilter(request, response);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (ServletException e) {
                    throw new ServletFailure(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (ServletFailure e) {
            throw e.servletException();
        }
    }

    /** Carries a ServletException out of the scoped-value lambda. */
    private static final class ServletFailure extends RuntimeException {
        ServletFailure(ServletException cause) {
            super(cause);
        }

        ServletException servletException() {
            return (ServletException) getCause();
        }
    }

    /** The one context of a request, from its caller and its route (the namespace parsed once, here). */
    private RequestContext contextOf(
            Caller caller,
            Routes.Match match,
            @Nullable Namespace namespace,
            @Nullable String idempotencyKey,
            String requestId) {
        return switch (caller) {
            case Caller.Key key -> RequestContext.ofKey(key, namespace, key.plan(), idempotencyKey, requestId);
            case Caller.User user -> RequestContext.ofUser(user, namespace, idempotencyKey, requestId);
            case Caller.Operator ignored ->
                RequestContext.ofOperator(operatorProject(match, idempotencyKey), idempotencyKey, requestId);
        };
    }

    /**
     * The project an operator request acts on: the one its path names, or, for a project being created,
     * a new id (the same one again for a retry with the same {@code Idempotency-Key}): the tenant context
     * of the transaction that creates it must be set before it exists.
     */
    private UUID operatorProject(Routes.Match match, @Nullable String idempotencyKey) {
        if (match.route().scope() == Routes.Scope.PROJECT_IN_PATH) {
            return Optional.ofNullable(match.segment())
                    .flatMap(id -> Ids.parse("prj", id))
                    .orElseThrow(() -> new NotFound("Project not found."));
        }
        return idempotencyKey == null ? Ids.newId() : idempotency.projectIdFor(idempotencyKey);
    }

    /**
     * The namespace of a {@code /v1/namespaces/{ns}/...} route as the route table reads it from the
     * path segments the router matches (percent-decoded, path parameters dropped), so
     * {@code /v1/%6eamespaces/a/dialogues} runs in namespace {@code a}, the one its controller sees;
     * every other route is project-wide ({@code *}).
     */
    static String namespaceOf(HttpServletRequest request) {
        Routes.Match match = Routes.of(request);
        return match.route().scope() == Routes.Scope.NAMESPACE && match.segment() != null
                ? new Namespace(match.segment()).name()
                : Namespace.ALL;
    }

    private static void write(ContentCachingResponseWrapper out, byte[] body) {
        try {
            out.getOutputStream().write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
