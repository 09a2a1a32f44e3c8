package io.colloquy.platform;

import io.colloquy.web.ErrorResponses;
import io.colloquy.web.Routes;
import io.colloquy.web.ServiceUnavailable;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * While the database is unreachable every request (but the health probes of the route table) fails at once with 503
 * {@code SERVICE_UNAVAILABLE} and {@code Retry-After}, instead of waiting for a connection. A request that fails
 * for want of the database anywhere further down (an authentication filter, a commit) answers the same and makes
 * {@link DatabaseAvailability} check the database.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
final class DatabaseOutageFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(DatabaseOutageFilter.class);

    private final DatabaseAvailability database;
    private final ErrorResponses errors;

    DatabaseOutageFilter(DatabaseAvailability database, ErrorResponses errors) {
        this.database = database;
        this.errors = errors;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return Routes.of(request).route().probe();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!database.available()) {
            errors.write(request, response, ServiceUnavailable.database());
            return;
        }
        try {
            chain.doFilter(request, response);
        } catch (RuntimeException | ServletException e) {
            if (!ServiceUnavailable.causedBy(e) || response.isCommitted()) {
                throw e;
            }
            log.warn("Request {} failed: the database is unavailable ({})", request.getRequestURI(), e.getMessage());
            database.suspect();
            errors.write(request, response, ServiceUnavailable.database());
            return;
        }
        if (response.getStatus() == HttpStatus.SERVICE_UNAVAILABLE.value()) {
            database.suspect();
        }
    }
}
