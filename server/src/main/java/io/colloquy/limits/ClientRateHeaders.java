package io.colloquy.limits;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Puts the client address's {@code X-RateLimit-*} on every response before anything can refuse the
 * request (bad request targets, Spring Security's firewall, authentication), taking no token; the
 * bucket the request is then charged to (its project's or its address's) overwrites them. Also on the
 * error dispatch of a request Tomcat refused before any filter ran (e.g. {@code TRACE}), where they
 * are added only when missing.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 3)
final class ClientRateHeaders extends OncePerRequestFilter {
    private final RateLimits limits;

    ClientRateHeaders(RateLimits limits) {
        this.limits = limits;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (response.getHeader(RateLimits.LIMIT) == null) {
            limits.describeClient(request, response);
        }
        chain.doFilter(request, response);
    }

    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        return false;
    }
}
