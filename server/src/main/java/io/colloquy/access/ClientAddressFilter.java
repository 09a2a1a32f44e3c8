package io.colloquy.access;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Resolves the client address once, before authentication, so that every later decision (allowlists,
 * rate limits, the allowlist confirmation of {@code PATCH /v1/project}) and every log line of the
 * request see the same address.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 2)
final class ClientAddressFilter extends OncePerRequestFilter {
    private final IpAccess access;

    ClientAddressFilter(IpAccess access) {
        this.access = access;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        MDC.put("client_ip", access.clientAddress(request).getHostAddress());
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove("client_ip");
        }
    }
}
