package io.colloquy.audit;

import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorResponses;
import io.colloquy.web.ValidationFailed;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.adapter.NativeWebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /v1/audit/stream} (WebSocket): the handshake (already authenticated, admin, by the key or a
 * stream token) reads {@code namespace}, {@code entity_type} and {@code after_seq}; then a
 * {@link StreamSession} sends every event after {@code after_seq} (default: the current size, i.e. only
 * new events), as JSON text frames, in seq order. Messages from the client are ignored.
 */
final class AuditStreamHandler extends TextWebSocketHandler implements HandshakeInterceptor {
    private static final String SUBSCRIPTION = "colloquy.audit.subscription";
    private static final String SESSION = "colloquy.audit.session";
    /** Tomcat's per-session limit on one blocking send. */
    private static final String BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

    private final AuditRepository events;
    private final TenantScope tenants;
    private final StreamHub hub;
    private final JsonMapper json;
    private final ErrorResponses errors;
    private final Duration sendTimeout;

    AuditStreamHandler(
            AuditRepository events,
            TenantScope tenants,
            StreamHub hub,
            JsonMapper json,
            ErrorResponses errors,
            Duration sendTimeout) {
        this.events = events;
        this.tenants = tenants;
        this.hub = hub;
        this.json = json;
        this.errors = errors;
        this.sendTimeout = sendTimeout;
    }

    @Override
    public boolean beforeHandshake(
            ServerHttpRequest request,
            ServerHttpResponse response,
            WebSocketHandler handler,
            Map<String, Object> attributes)
            throws Exception {
        HttpServletRequest servlet = ((ServletServerHttpRequest) request).getServletRequest();
        AuditContext context = AuditContext.current().orElseThrow();
        try {
            AuditRepository.Filter filter = AuditController.filter(
                    servlet.getParameter("namespace"),
                    servlet.getParameter("entity_type"),
                    servlet.getParameter("action"));
            long head = tenants.inProject(context.projectId(), () -> events.treeSize(context.projectId()));
            long after = AuditController.nonNegative("after_seq", servlet.getParameter("after_seq"), head);
            if (after > head) {
                throw ValidationFailed.of("after_seq", "must be at most the current tree size " + head);
            }
            attributes.put(SUBSCRIPTION, new StreamSession.Subscription(context.projectId(), filter, after, head));
            return true;
        } catch (ApiException e) {
            errors.write(servlet, ((ServletServerHttpResponse) response).getServletResponse(), e);
            return false;
        }
    }

    @Override
    public void afterHandshake(
            ServerHttpRequest request,
            ServerHttpResponse response,
            WebSocketHandler handler,
            @Nullable Exception exception) {}

    @Override
    public void afterConnectionEstablished(WebSocketSession ws) {
        if (ws instanceof NativeWebSocketSession n && n.getNativeSession() instanceof jakarta.websocket.Session s) {
            s.getUserProperties().put(BLOCKING_SEND_TIMEOUT, sendTimeout.toMillis());
        }
        StreamSession.Subscription subscription =
                (StreamSession.Subscription) ws.getAttributes().get(SUBSCRIPTION);
        StreamSession session = new StreamSession(ws, subscription, events, tenants, json);
        ws.getAttributes().put(SESSION, session);
        hub.add(session);
        session.start();
    }

    @Override
    protected void handleTextMessage(WebSocketSession ws, TextMessage message) {
        // the stream is one-way
    }

    @Override
    public void afterConnectionClosed(WebSocketSession ws, CloseStatus status) {
        if (ws.getAttributes().get(SESSION) instanceof StreamSession session) {
            session.stop();
            hub.remove(session);
        }
    }
}
