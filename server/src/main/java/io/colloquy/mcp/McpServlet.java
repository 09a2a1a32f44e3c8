package io.colloquy.mcp;

import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.ErrorResponses;
import io.colloquy.web.ValidationFailed;
import io.modelcontextprotocol.server.transport.HttpServletStatelessServerTransport;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.util.ContentCachingResponseWrapper;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SDK's transport servlet with the contract's error bodies: the transport answers a message it cannot take (not
 * JSON, wrong media type, no acceptable type, a method other than POST) by serializing the whole exception, stack
 * trace included. Its JSON-RPC answers (200, 202, and JSON-RPC errors such as an unknown method) pass unchanged; any
 * HTTP error of its own becomes the contract's {@code {"error": {...}}} body with the same status class.
 */
final class McpServlet extends HttpServlet {
    private static final Logger log = LoggerFactory.getLogger(McpServlet.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final transient HttpServletStatelessServerTransport transport;
    private final transient ErrorResponses errors;

    McpServlet(HttpServletStatelessServerTransport transport, ErrorResponses errors) {
        this.transport = transport;
        this.errors = errors;
    }

    @Override
    public void init() throws ServletException {
        transport.init(getServletConfig());
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        if (!"POST".equals(request.getMethod())) {
            // a stateless server has no stream to GET and no session to DELETE
            response.setHeader("Allow", "POST");
            errors.write(
                    request,
                    response,
                    new ApiException(
                            ErrorCode.METHOD_NOT_ALLOWED, "The MCP endpoint takes JSON-RPC messages by POST."));
            return;
        }
        ContentCachingResponseWrapper out = new ContentCachingResponseWrapper(response);
        transport.service(request, out);
        int status = out.getStatus();
        if (status < 400) {
            out.copyBodyToResponse();
            return;
        }
        String reason = reason(out.getContentAsByteArray());
        out.resetBuffer();
        ApiException refusal =
                switch (status) {
                    case 406 -> new ApiException(ErrorCode.NOT_ACCEPTABLE, reason);
                    case 415 -> new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, reason);
                    default -> {
                        if (status < 500) {
                            yield ValidationFailed.of("body", reason);
                        }
                        log.error("The MCP transport answered {}: {}", status, reason);
                        yield new ApiException(
                                ErrorCode.INTERNAL, "Internal error. Quote the request id when reporting it.");
                    }
                };
        errors.write(request, response, refusal);
    }

    /** The transport's own one-line reason (fixed texts such as "Invalid message format"), never its stack trace. */
    private static String reason(byte[] body) {
        try {
            String message = JSON.readTree(body).at("/jsonRpcError/message").asString("");
            if (!message.isBlank() && message.length() <= 200 && !message.contains("\n")) {
                return message;
            }
        } catch (JacksonException notJson) {
            // answered below
        }
        return "Not a JSON-RPC message this endpoint takes: POST one JSON-RPC request or notification as JSON.";
    }
}
