package io.colloquy.audit;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The audit routes that stream (the JSON-lines export and the WebSocket): the request filter must not
 * buffer them nor hold one transaction open for their whole life; they open their own short tenant
 * transactions through {@link TenantScope}.
 */
public final class AuditRoutes {
    static final String EVENTS = "/v1/audit/events";
    static final String STREAM = "/v1/audit/stream";

    private AuditRoutes() {}

    public static boolean streaming(HttpServletRequest request) {
        String path = request.getRequestURI();
        return "GET".equals(request.getMethod())
                && (STREAM.equals(path) || (EVENTS.equals(path) && "jsonl".equals(request.getParameter("format"))));
    }

    /** A stream token is accepted in place of an API key here, and nowhere else. */
    public static boolean acceptsStreamToken(HttpServletRequest request) {
        return "GET".equals(request.getMethod()) && STREAM.equals(request.getRequestURI());
    }
}
