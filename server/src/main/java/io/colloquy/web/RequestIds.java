package io.colloquy.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every request an unguessable id, returned as X-Request-Id and logged with everything it causes.
 * The headers the contract puts on every response (X-Request-Id, X-RateLimit-*) are kept through a
 * {@code reset()} of the response further down (an error replacing a half-built response).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public final class RequestIds extends OncePerRequestFilter {
    public static final String HEADER = "X-Request-Id";
    private static final String ATTRIBUTE = RequestIds.class.getName();
    private static final SecureRandom RANDOM = new SecureRandom();

    public static String of(HttpServletRequest request) {
        Object id = request.getAttribute(ATTRIBUTE);
        if (id instanceof String s) {
            return s;
        }
        String fresh = newId();
        request.setAttribute(ATTRIBUTE, fresh);
        return fresh;
    }

    private static String newId() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return "req_" + HexFormat.of().formatHex(bytes);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String id = of(request);
        LastingHeaders lasting = new LastingHeaders(response);
        lasting.setHeader(HEADER, id);
        MDC.put("request_id", id);
        try {
            chain.doFilter(request, lasting);
        } finally {
            MDC.remove("request_id");
        }
    }

    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        return false;
    }

    /** Remembers the per-request headers set through it and sets them again after a reset. */
    private static final class LastingHeaders extends HttpServletResponseWrapper {
        private final Map<String, String> lasting = new LinkedHashMap<>();

        LastingHeaders(HttpServletResponse response) {
            super(response);
        }

        private static boolean lasts(String name) {
            return name.equalsIgnoreCase(HEADER) || name.regionMatches(true, 0, "X-RateLimit-", 0, 12);
        }

        @Override
        public void setHeader(String name, String value) {
            if (lasts(name)) {
                lasting.put(name, value);
            }
            super.setHeader(name, value);
        }

        @Override
        public void addHeader(String name, String value) {
            if (lasts(name)) {
                lasting.put(name, value);
            }
            super.addHeader(name, value);
        }

        @Override
        public void reset() {
            super.reset();
            lasting.forEach(super::setHeader);
        }
    }
}
