package io.colloquy.keys;

import io.colloquy.audit.AuditRoutes;
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
 * (browsers cannot send headers there). A present but bad credential is a 401 at once; an absent one is
 * left to the authorization rules (public paths pass, everything else gets 401).
 */
final class ApiKeyAuthentication extends OncePerRequestFilter {
    static final String OPERATOR_PATH = "/v1/projects";
    private final ApiKeyService keys;
    private final OperatorToken operatorToken;
    private final ErrorResponses errors;

    ApiKeyAuthentication(ApiKeyService keys, OperatorToken operatorToken, ErrorResponses errors) {
        this.keys = keys;
        this.operatorToken = operatorToken;
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        String streamToken = AuditRoutes.acceptsStreamToken(request) ? request.getParameter("token") : null;
        if (header == null && streamToken == null) {
            chain.doFilter(request, response);
            return;
        }
        Optional<Caller> caller = header != null
                ? bearer(header).flatMap(token -> callerFor(request, token))
                : keys.authenticateStreamToken(streamToken).map(k -> k);
        if (caller.isEmpty()) {
            errors.write(
                    request,
                    response,
                    ErrorCode.UNAUTHENTICATED,
                    "Missing, malformed, unknown, expired or revoked API key.");
            return;
        }
        var context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(new CallerAuthentication(caller.get()));
        SecurityContextHolder.setContext(context);
        try {
            chain.doFilter(request, response);
        } finally {
            SecurityContextHolder.clearContext();
        }
    }

    private Optional<Caller> callerFor(HttpServletRequest request, String token) {
        String path = request.getRequestURI();
        boolean operatorPath = path.equals(OPERATOR_PATH) || path.startsWith(OPERATOR_PATH + "/");
        if (operatorPath && operatorToken.matches(token)) {
            return Optional.of(new Caller.Operator());
        }
        return keys.authenticate(token).map(k -> k);
    }

    private static Optional<String> bearer(String header) {
        if (header.length() > 7 && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(header.substring(7).strip());
        }
        return Optional.empty();
    }
}
