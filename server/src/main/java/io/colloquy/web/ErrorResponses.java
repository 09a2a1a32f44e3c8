package io.colloquy.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** The one place that turns an outcome into the contract's error body, for MVC and for filters alike. */
@Component
public final class ErrorResponses {
    private final JsonMapper json;

    ErrorResponses(JsonMapper json) {
        this.json = json;
    }

    public ResponseEntity<ErrorBody> entity(HttpServletRequest request, ApiException e) {
        return entity(request, e.code(), e.getMessage(), e.fields());
    }

    public ResponseEntity<ErrorBody> entity(
            HttpServletRequest request, ErrorCode code, String message, List<FieldProblem> fields) {
        ResponseEntity.BodyBuilder builder =
                ResponseEntity.status(code.status()).contentType(MediaType.APPLICATION_JSON);
        if (code == ErrorCode.SERVICE_UNAVAILABLE) {
            builder.header(HttpHeaders.RETRY_AFTER, ServiceUnavailable.RETRY_AFTER_SECONDS);
        }
        return builder.body(ErrorBody.of(code, message, RequestIds.of(request), fields));
    }

    /** The error body of an outcome, for answers that are not HTTP error responses (MCP tool errors). */
    public ErrorBody body(ApiException e, String requestId) {
        return ErrorBody.of(e.code(), e.getMessage(), requestId, e.fields());
    }

    /** Writes the error to a response that has not been committed yet (used by filters). */
    public void write(HttpServletRequest request, HttpServletResponse response, ApiException e) throws IOException {
        write(request, response, e.code(), e.getMessage(), e.fields());
    }

    public void write(HttpServletRequest request, HttpServletResponse response, ErrorCode code, String message)
            throws IOException {
        write(request, response, code, message, List.of());
    }

    private void write(
            HttpServletRequest request,
            HttpServletResponse response,
            ErrorCode code,
            String message,
            List<FieldProblem> fields)
            throws IOException {
        response.resetBuffer();
        response.setStatus(code.status().value());
        response.setContentType("application/json;charset=UTF-8");
        if (code == ErrorCode.SERVICE_UNAVAILABLE) {
            response.setHeader(HttpHeaders.RETRY_AFTER, ServiceUnavailable.RETRY_AFTER_SECONDS);
        }
        response.getOutputStream()
                .write(json.writeValueAsBytes(ErrorBody.of(code, message, RequestIds.of(request), fields)));
        response.flushBuffer();
    }
}
