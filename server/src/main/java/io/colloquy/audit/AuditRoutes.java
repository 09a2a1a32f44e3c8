package io.colloquy.audit;

/**
 * The paths of the audit routes that stream (the JSON-lines export and the WebSocket). How they run
 * (no response buffer, no request transaction: their own short tenant transactions through
 * {@link TenantScope}; a stream token accepted on the WebSocket) is the route table's
 * ({@link io.colloquy.web.Routes}).
 */
public final class AuditRoutes {
    static final String EVENTS = "/v1/audit/events";
    static final String STREAM = "/v1/audit/stream";

    private AuditRoutes() {}
}
