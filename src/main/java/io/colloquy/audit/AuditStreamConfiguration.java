package io.colloquy.audit;

import io.colloquy.web.ErrorResponses;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * The audit WebSocket. Any origin may connect: the credential is the API key in the upgrade request or a
 * single-use token from {@code POST /v1/audit/stream-tokens}, never a cookie, so there is nothing a
 * foreign page could ride on.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
@ConditionalOnWebApplication
class AuditStreamConfiguration implements WebSocketConfigurer {
    private final AuditStreamHandler handler;

    AuditStreamConfiguration(
            AuditRepository events,
            TenantScope tenants,
            StreamHub hub,
            JsonMapper json,
            ErrorResponses errors,
            @Value("${colloquy.audit.stream-send-timeout:10s}") Duration sendTimeout) {
        this.handler = new AuditStreamHandler(events, tenants, hub, json, errors, sendTimeout);
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        registry.addHandler(handler, AuditRoutes.STREAM)
                .addInterceptors(handler)
                .setAllowedOrigins("*");
    }
}
