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
    private final ErrorResponses errors;

    AuditStreamConfiguration(
            AuditRepository events,
            TenantScope tenants,
            StreamHub hub,
            JsonMapper json,
            ErrorResponses errors,
            StreamCredentials credentials,
            @Value("${colloquy.audit.stream-send-timeout:10s}") Duration sendTimeout,
            @Value("${colloquy.audit.stream-recheck-interval:5s}") Duration recheckInterval,
            @Value("${colloquy.audit.stream-max-per-key:5}") int maxPerKey,
            @Value("${colloquy.audit.stream-max-per-project:20}") int maxPerProject) {
        this.handler = new AuditStreamHandler(
                events,
                tenants,
                hub,
                json,
                errors,
                credentials,
                new AuditStreamHandler.Settings(sendTimeout, recheckInterval, maxPerKey, maxPerProject));
        this.errors = errors;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        registry.addHandler(handler, AuditRoutes.STREAM)
                .setHandshakeHandler(new ContractHandshakes(errors))
                .addInterceptors(handler)
                .setAllowedOrigins("*");
    }

    /** A request to the stream that is not a WebSocket upgrade gets the contract's error body, not plain text. */
    static final class ContractHandshakes
            extends org.springframework.web.socket.server.support.DefaultHandshakeHandler {
        private final ErrorResponses errors;

        ContractHandshakes(ErrorResponses errors) {
            this.errors = errors;
        }

        @Override
        protected void handleInvalidUpgradeHeader(
                org.springframework.http.server.ServerHttpRequest request,
                org.springframework.http.server.ServerHttpResponse response)
                throws java.io.IOException {
            reject(request, response);
        }

        @Override
        protected void handleInvalidConnectHeader(
                org.springframework.http.server.ServerHttpRequest request,
                org.springframework.http.server.ServerHttpResponse response)
                throws java.io.IOException {
            reject(request, response);
        }

        private void reject(
                org.springframework.http.server.ServerHttpRequest request,
                org.springframework.http.server.ServerHttpResponse response)
                throws java.io.IOException {
            if (request instanceof org.springframework.http.server.ServletServerHttpRequest in
                    && response instanceof org.springframework.http.server.ServletServerHttpResponse out) {
                errors.write(
                        in.getServletRequest(),
                        out.getServletResponse(),
                        io.colloquy.web.ValidationFailed.of(
                                "Upgrade", "this endpoint is a WebSocket: send an upgrade request"));
                return;
            }
            response.setStatusCode(org.springframework.http.HttpStatus.BAD_REQUEST);
        }
    }
}
