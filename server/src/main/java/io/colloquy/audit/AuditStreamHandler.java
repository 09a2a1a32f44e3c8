package io.colloquy.audit;

import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.ErrorResponses;
import io.colloquy.web.ValidationFailed;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
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
    private static final String CREDENTIAL = "colloquy.audit.credential";
    private static final String PLACE = "colloquy.audit.place";
    /** Seconds a client refused for too many streams should wait: a place frees only when a stream ends. */
    static final int RETRY_AFTER_SECONDS = 5;
    /** Tomcat's per-session limit on one blocking send. */
    private static final String BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

    private final AuditRepository events;
    private final TenantScope tenants;
    private final StreamHub hub;
    private final JsonMapper json;
    private final ErrorResponses errors;
    private final StreamCredentials credentials;
    private final Settings settings;

    /** Limits of the live streams (docs/audit.md, "Configuration"). */
    record Settings(Duration sendTimeout, Duration recheckInterval, int maxPerKey, int maxPerProject) {
        Settings {
            if (recheckInterval.isNegative() || recheckInterval.isZero() || maxPerKey < 1 || maxPerProject < 1) {
                throw new IllegalArgumentException(
                        "colloquy.audit: stream-recheck-interval must be positive, stream caps at least 1");
            }
        }
    }

    AuditStreamHandler(
            AuditRepository events,
            TenantScope tenants,
            StreamHub hub,
            JsonMapper json,
            ErrorResponses errors,
            StreamCredentials credentials,
            Settings settings) {
        this.events = events;
        this.tenants = tenants;
        this.hub = hub;
        this.json = json;
        this.errors = errors;
        this.credentials = credentials;
        this.settings = settings;
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
            StreamCredentials.Credential credential = credentials.current(servlet);
            var place = hub.reserve(
                    context.projectId(), credential.keyId(), settings.maxPerKey(), settings.maxPerProject());
            if (place.isEmpty()) {
                HttpServletResponse out = ((ServletServerHttpResponse) response).getServletResponse();
                out.setHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
                errors.write(
                        servlet,
                        out,
                        ErrorCode.RATE_LIMIT_EXCEEDED,
                        "Too many open audit streams: at most " + settings.maxPerKey() + " per key and "
                                + settings.maxPerProject() + " per project; close one or retry later.");
                return false;
            }
            attributes.put(SUBSCRIPTION, new StreamSession.Subscription(context.projectId(), filter, after, head));
            attributes.put(CREDENTIAL, credential);
            attributes.put(PLACE, place.get());
            servlet.setAttribute(PLACE, place.get());
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
            @Nullable Exception exception) {
        // a handshake that did not switch protocols never opens a connection that would release its place
        boolean upgraded = exception == null
                && response instanceof ServletServerHttpResponse servlet
                && servlet.getServletResponse().getStatus() == HttpServletResponse.SC_SWITCHING_PROTOCOLS;
        if (!upgraded
                && request instanceof ServletServerHttpRequest in
                && in.getServletRequest().getAttribute(PLACE) instanceof StreamHub.Place place) {
            place.release();
        }
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession ws) {
        if (ws instanceof NativeWebSocketSession n && n.getNativeSession() instanceof jakarta.websocket.Session s) {
            s.getUserProperties()
                    .put(BLOCKING_SEND_TIMEOUT, settings.sendTimeout().toMillis());
        }
        StreamSession.Subscription subscription =
                (StreamSession.Subscription) ws.getAttributes().get(SUBSCRIPTION);
        StreamSession session = new StreamSession(
                ws,
                subscription,
                events,
                tenants,
                json,
                (StreamCredentials.Credential) ws.getAttributes().get(CREDENTIAL),
                settings.recheckInterval());
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
        if (ws.getAttributes().get(PLACE) instanceof StreamHub.Place place) {
            place.release();
        }
    }
}
