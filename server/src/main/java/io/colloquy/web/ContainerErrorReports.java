package io.colloquy.web;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.Container;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat refuses some requests before any filter or servlet sees them (a malformed request line, an
 * encoded slash or NUL in the path, invalid UTF-8, an oversized or control-character header, a
 * missing Host, {@code CONNECT}, an unknown HTTP version) and reports them through its host's error
 * report valve, which writes an HTML page. This replaces that valve with one that writes the
 * contract's error body with {@code X-Request-Id} and the rate-limit headers, so no response of the
 * server is ever HTML. It only ever touches a response that has an error status and no body yet.
 */
@Configuration(proxyBeanMethods = false)
class ContainerErrorReports {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonErrorReports(
            JsonMapper json, ObjectProvider<EarlyHeaders> headers) {
        return factory -> factory.addContextCustomizers(context -> {
            Container parent = context.getParent();
            if (parent instanceof StandardHost host) {
                host.setErrorReportValveClass(JsonErrorReportValve.class.getName());
                host.getPipeline().addValve(new JsonErrorReportValve(json, headers));
            }
        });
    }

    /** Writes the contract's JSON where Tomcat's {@link ErrorReportValve} would write HTML. */
    static final class JsonErrorReportValve extends ErrorReportValve {
        private static final Logger log = LoggerFactory.getLogger(JsonErrorReportValve.class);
        private final JsonMapper json;
        private final ObjectProvider<EarlyHeaders> headers;

        JsonErrorReportValve(JsonMapper json, ObjectProvider<EarlyHeaders> headers) {
            this.json = json;
            this.headers = headers;
        }

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int status = response.getStatus();
            if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            AtomicBoolean ioAllowed = new AtomicBoolean(true);
            response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
            if (!ioAllowed.get()) {
                return;
            }
            ErrorCode code = ErrorPages.forStatus(status);
            try {
                if (response.getHeader(RequestIds.HEADER) == null) {
                    response.setHeader(RequestIds.HEADER, RequestIds.of(request));
                }
                if (response.getHeader("X-RateLimit-Limit") == null) {
                    headers.ifAvailable(h -> h.addTo(request, response));
                }
                response.setStatus(code.status().value());
                response.setContentType("application/json");
                response.setCharacterEncoding("UTF-8");
                String message = code == ErrorCode.INTERNAL
                        ? "Internal error. Quote the request id when reporting it."
                        : "The request could not be served: " + reason(status) + ".";
                Writer writer = response.getReporter();
                if (writer != null) {
                    writer.write(
                            json.writeValueAsString(ErrorBody.of(code, message, RequestIds.of(request), List.of())));
                    response.finishResponse();
                }
            } catch (IOException | RuntimeException e) {
                log.debug("Could not write the error report", e);
            }
        }

        private static String reason(int status) {
            return switch (status) {
                case 400 -> "the request line, its path, its query or a header is malformed";
                case 404 -> "no such resource";
                case 405, 501 -> "this method is not allowed";
                case 505 -> "only HTTP/1.1 (and HTTP/1.0) may be named in the request line";
                default -> "it was refused before it reached the API";
            };
        }
    }
}
