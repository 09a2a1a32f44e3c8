package io.colloquy.tenancy;

import io.colloquy.audit.AuditRoutes;
import io.colloquy.keys.Caller;
import io.colloquy.platform.Ids;
import io.colloquy.web.ApiException;
import io.colloquy.web.BodyLimit;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.ErrorResponses;
import io.colloquy.web.NotFound;
import io.colloquy.web.RequestIds;
import io.colloquy.web.ServiceUnavailable;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * One transaction per authenticated request, with the tenant context set once at its start: the
 * project of the caller's key and the namespace in the path (or every namespace for project-wide
 * routes). The response is buffered and sent only after commit; any error status rolls the whole
 * request back, so a failed request never leaves a partial write and a 2xx is never sent for a
 * change that did not commit.
 *
 * <p>The request also runs with its {@link AuditContext} bound (project, actor, Idempotency-Key), which
 * the audit log reads when it records an event. The two audit routes that stream
 * ({@link AuditRoutes#streaming}) get the context but neither the buffer nor the request transaction:
 * they open a short tenant transaction per page of what they send.
 */
@Component
@Order(0)
final class TenantRequests extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(TenantRequests.class);
    private static final Pattern PROJECT_BY_ID = Pattern.compile("^/v1/projects/([^/]+)$");
    private static final Pattern EXPORT_LINK = Pattern.compile("^/v1/exports/[^/]+$");
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final TenantTransactions tenants;
    private final IdempotencyRecords idempotency;
    private final ErrorResponses errors;

    TenantRequests(TenantTransactions tenants, IdempotencyRecords idempotency, ErrorResponses errors) {
        this.tenants = tenants;
        this.idempotency = idempotency;
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth == null || !(auth.getPrincipal() instanceof Caller caller) || exportLink(request)) {
            chain.doFilter(request, response);
            return;
        }
        HttpServletRequest in = request;
        String idempotencyKey = null;
        byte[] digest = null;
        RequestContext context;
        try {
            if ("POST".equals(request.getMethod()) && request.getHeader(IDEMPOTENCY_KEY) != null) {
                idempotencyKey = IdempotencyRecords.validKey(request.getHeader(IDEMPOTENCY_KEY));
                byte[] body = request.getInputStream().readAllBytes();
                digest = IdempotencyRecords.digest(request.getMethod(), request.getRequestURI(), body);
                in = BodyLimit.replaying(request, body);
            }
            context = contextOf(caller, request, idempotencyKey);
        } catch (ApiException e) {
            errors.write(request, response, e);
            return;
        }
        if (AuditRoutes.streaming(request)) {
            stream(context, in, response, chain);
            return;
        }
        ContentCachingResponseWrapper out = new ContentCachingResponseWrapper(response);
        try {
            byte[] requestDigest = digest;
            HttpServletRequest wrapped = in;
            context.run(() -> runInTransaction(context, wrapped, out, chain, requestDigest));
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

    private void runInTransaction(
            RequestContext context,
            HttpServletRequest in,
            ContentCachingResponseWrapper out,
            FilterChain chain,
            byte @Nullable [] digest) {
        String idempotencyKey = context.idempotencyKey();
        tenants.run(context.projectId(), context.tenantNamespace(), status -> {
            if (idempotencyKey != null && digest != null) {
                Optional<IdempotencyRecords.Replay> replay =
                        idempotency.claim(context.projectId(), idempotencyKey, digest);
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
        });
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

    /**
     * The signed export link is its own credential and opens its own short transactions per page: a key
     * sent along with it changes nothing (no request transaction, whose tenant would clash with the
     * link's).
     */
    private static boolean exportLink(HttpServletRequest request) {
        return "GET".equals(request.getMethod())
                && EXPORT_LINK.matcher(request.getRequestURI()).matches();
    }

    private RequestContext contextOf(Caller caller, HttpServletRequest request, @Nullable String idempotencyKey) {
        String requestId = RequestIds.of(request);
        return switch (caller) {
            case Caller.Key key -> {
                String ns = namespaceOf(request);
                yield RequestContext.ofKey(
                        key,
                        Namespace.ALL.equals(ns) ? null : new Namespace(ns),
                        key.plan(),
                        idempotencyKey,
                        requestId);
            }
            case Caller.Operator ignored ->
                RequestContext.ofOperator(
                        operatorProject(request.getRequestURI(), idempotencyKey), idempotencyKey, requestId);
        };
    }

    private UUID operatorProject(String path, @Nullable String idempotencyKey) {
        Matcher byId = PROJECT_BY_ID.matcher(path);
        if (byId.matches()) {
            return Ids.parse("prj", byId.group(1)).orElseThrow(() -> new NotFound("Project not found."));
        }
        return idempotencyKey == null ? Ids.newId() : idempotency.projectIdFor(idempotencyKey);
    }

    /**
     * The namespace of a {@code /v1/namespaces/{ns}/...} route, read from the path segments the router
     * matches (percent-decoded, path parameters dropped), so {@code /v1/%6eamespaces/a/dialogues} runs
     * in namespace {@code a}, the one its controller sees; every other route is project-wide.
     */
    static String namespaceOf(HttpServletRequest request) {
        List<String> segments =
                RequestPath.parse(request.getRequestURI(), request.getContextPath())
                        .pathWithinApplication()
                        .elements()
                        .stream()
                        .filter(e -> e instanceof PathContainer.PathSegment)
                        .map(e -> ((PathContainer.PathSegment) e).valueToMatch())
                        .toList();
        if (segments.size() < 3
                || !segments.get(0).equals("v1")
                || !segments.get(1).equals("namespaces")) {
            return Namespace.ALL;
        }
        return new Namespace(segments.get(2)).name();
    }

    private static void write(ContentCachingResponseWrapper out, byte[] body) {
        try {
            out.getOutputStream().write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
