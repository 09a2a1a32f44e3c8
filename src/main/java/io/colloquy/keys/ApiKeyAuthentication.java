package io.colloquy.keys;

import io.colloquy.access.IpAccess;
import io.colloquy.audit.AuditRoutes;
import io.colloquy.limits.RateLimits;
import io.colloquy.platform.OperatorToken;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.ErrorResponses;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code Authorization: Bearer ...}: an API key anywhere, the operator token only on
 * {@code /v1/projects}; on the audit WebSocket only, a single-use stream token in {@code ?token=}
 * (browsers cannot send headers there). Right after the key lookup, and before any tenant data is read, it decides the
 * IP allowlists (403 {@code IP_NOT_ALLOWED}) and the rate limit: a valid key from an allowed address is
 * charged to its project, everything else (no key, a bad key, a disallowed address) to the client
 * address, which is what slows down key guessing. The lookup itself is a database round trip, so an
 * address that has spent that budget is refused (429) before it, unless the key it presents is one this
 * server issued or accepted lately. A present but bad credential is a 401 at once; an absent one is
 * left to the authorization rules (public paths pass, everything else gets 401). Every failure is
 * counted and logged by {@link AuthFailures}.
 */
final class ApiKeyAuthentication extends OncePerRequestFilter {
    static final String OPERATOR_PATH = "/v1/projects";
    private final ApiKeyService keys;
    private final OperatorToken operatorToken;
    private final IpAccess access;
    private final RateLimits limits;
    private final ErrorResponses errors;
    private final AuthFailures failures;

    ApiKeyAuthentication(
            ApiKeyService keys,
            OperatorToken operatorToken,
            IpAccess access,
            RateLimits limits,
            ErrorResponses errors,
            AuthFailures failures) {
        this.keys = keys;
        this.operatorToken = operatorToken;
        this.access = access;
        this.limits = limits;
        this.errors = errors;
        this.failures = failures;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        String streamToken =
                header == null && AuditRoutes.acceptsStreamToken(request) ? request.getParameter("token") : null;
        if (header == null && streamToken == null) {
            if (limits.admitClient(request, response)) {
                chain.doFilter(request, response);
            }
            return;
        }
        Optional<String> token = header == null ? Optional.empty() : bearer(header);
        if (token.isPresent() && isOperator(request, token.get())) {
            limits.unlimited(response);
            continueAs(new Caller.Operator(), request, response, chain);
            return;
        }
        boolean known = token.isPresent() && keys.knownKeyId(token.get());
        if (!known && !limits.clientMayTry(request, response)) {
            return;
        }
        ApiKeyService.Verdict verdict = streamToken != null
                ? keys.authenticateStreamToken(streamToken, access.clientAddress(request))
                : token.map(t -> keys.authenticate(t, access.clientAddress(request)))
                        .orElseGet(() -> new ApiKeyService.Verdict.Invalid("malformed"));
        String keyId = token.flatMap(ApiKeyService.Verdict::keyIdOf).orElse(null);
        switch (verdict) {
            case ApiKeyService.Verdict.Valid valid -> {
                if (limits.admitProject(request, response, valid.caller().projectId(), valid.plan())) {
                    continueAs(valid.caller(), request, response, chain);
                }
            }
            case ApiKeyService.Verdict.AddressNotAllowed ignored -> {
                failures.record("ip_not_allowed", keyId);
                if (limits.admitClient(request, response)) {
                    errors.write(
                            request,
                            response,
                            ErrorCode.IP_NOT_ALLOWED,
                            "This API key may not be used from your IP address (see the key's and the project's"
                                    + " ip_allowlist).");
                }
            }
            case ApiKeyService.Verdict.Invalid invalid -> {
                failures.record(invalid.reason(), keyId);
                if (limits.admitClient(request, response)) {
                    errors.write(
                            request,
                            response,
                            ErrorCode.UNAUTHENTICATED,
                            "Missing, malformed, unknown, expired or revoked API key.");
                }
            }
        }
    }

    private static void continueAs(
            Caller caller, HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        var context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(new CallerAuthentication(caller));
        SecurityContextHolder.setContext(context);
        try {
            chain.doFilter(request, response);
        } finally {
            SecurityContextHolder.clearContext();
        }
    }

    private boolean isOperator(HttpServletRequest request, String token) {
        String path = request.getRequestURI();
        boolean operatorPath = path.equals(OPERATOR_PATH) || path.startsWith(OPERATOR_PATH + "/");
        return operatorPath && operatorToken.matches(token);
    }

    private static Optional<String> bearer(String header) {
        if (header.length() > 7 && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(header.substring(7).strip());
        }
        return Optional.empty();
    }
}
