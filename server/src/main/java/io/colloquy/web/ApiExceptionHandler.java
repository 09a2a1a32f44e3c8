package io.colloquy.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.validation.FieldError;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DatabindException;

/** Maps every exception that reaches MVC to the contract's error body; nothing else writes error bodies. */
@RestControllerAdvice
final class ApiExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);
    private final ErrorResponses errors;

    ApiExceptionHandler(ErrorResponses errors) {
        this.errors = errors;
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ErrorBody> api(HttpServletRequest request, ApiException e) {
        return errors.entity(request, e);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ErrorBody> unreadable(HttpServletRequest request, HttpMessageNotReadableException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof ApiException api) {
                return errors.entity(request, api);
            }
            if (cause instanceof DatabindException bind && !bind.getPath().isEmpty()) {
                return errors.entity(request, ValidationFailed.of(path(bind), problem(bind)));
            }
            if (cause instanceof StreamReadException) {
                return errors.entity(request, ValidationFailed.of("body", "is not valid JSON"));
            }
        }
        if (e.getCause() instanceof JacksonException) {
            return errors.entity(request, ValidationFailed.of("body", "must be a JSON object of the documented shape"));
        }
        return errors.entity(request, ValidationFailed.of("body", "is required and must be JSON"));
    }

    @ExceptionHandler(MethodArgumentNotValidException.class)
    ResponseEntity<ErrorBody> invalid(HttpServletRequest request, MethodArgumentNotValidException e) {
        List<FieldProblem> fields = e.getBindingResult().getFieldErrors().stream()
                .map(f -> new FieldProblem(snakeCase(f.getField()), message(f)))
                .toList();
        return errors.entity(request, new ValidationFailed(fields));
    }

    @ExceptionHandler(HandlerMethodValidationException.class)
    ResponseEntity<ErrorBody> invalidParameter(HttpServletRequest request, HandlerMethodValidationException e) {
        List<FieldProblem> fields = e.getParameterValidationResults().stream()
                .flatMap(r -> r.getResolvableErrors().stream()
                        .map(err -> new FieldProblem(
                                snakeCase(r.getMethodParameter().getParameterName()),
                                String.valueOf(err.getDefaultMessage()))))
                .toList();
        return errors.entity(request, new ValidationFailed(fields));
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ErrorBody> mismatch(HttpServletRequest request, MethodArgumentTypeMismatchException e) {
        return errors.entity(request, ValidationFailed.of(e.getName(), "has the wrong type"));
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<ErrorBody> missingParameter(HttpServletRequest request, MissingServletRequestParameterException e) {
        return errors.entity(request, ValidationFailed.of(e.getParameterName(), "is required"));
    }

    @ExceptionHandler(MissingRequestHeaderException.class)
    ResponseEntity<ErrorBody> missingHeader(HttpServletRequest request, MissingRequestHeaderException e) {
        return errors.entity(request, ValidationFailed.of(e.getHeaderName(), "is required"));
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ErrorBody> mediaType(HttpServletRequest request) {
        return errors.entity(
                request, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The request body must be application/json.", List.of());
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<ErrorBody> notAcceptable(HttpServletRequest request) {
        return errors.entity(request, ErrorCode.NOT_ACCEPTABLE, "Responses are application/json.", List.of());
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ErrorBody> method(HttpServletRequest request, HttpRequestMethodNotSupportedException e) {
        ResponseEntity<ErrorBody> entity = errors.entity(
                request, ErrorCode.METHOD_NOT_ALLOWED, "Method " + e.getMethod() + " is not allowed here.", List.of());
        return ResponseEntity.status(entity.getStatusCode())
                .headers(h -> h.addAll(entity.getHeaders()))
                .headers(h -> {
                    if (e.getSupportedHttpMethods() != null) {
                        h.setAllow(e.getSupportedHttpMethods());
                    }
                })
                .body(entity.getBody());
    }

    @ExceptionHandler({NoResourceFoundException.class, NoHandlerFoundException.class})
    ResponseEntity<ErrorBody> noRoute(HttpServletRequest request) {
        return errors.entity(request, ErrorCode.NOT_FOUND, "Not found.", List.of());
    }

    @ExceptionHandler(AccessDeniedException.class)
    ResponseEntity<ErrorBody> denied(HttpServletRequest request) {
        return errors.entity(
                request, ErrorCode.FORBIDDEN, "The API key lacks the capability for this request.", List.of());
    }

    @ExceptionHandler({
        DataAccessResourceFailureException.class,
        TransientDataAccessResourceException.class,
        RecoverableDataAccessException.class,
        CannotCreateTransactionException.class,
        TransactionSystemException.class
    })
    ResponseEntity<ErrorBody> databaseUnavailable(HttpServletRequest request, RuntimeException e) {
        log.warn("Request {} failed: the database is unavailable ({})", RequestIds.of(request), e.getMessage());
        return errors.entity(request, ServiceUnavailable.database());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ErrorBody> unexpected(HttpServletRequest request, Exception e) {
        log.error("Unhandled error in request {}", RequestIds.of(request), e);
        return errors.entity(
                request, ErrorCode.INTERNAL, "Internal error. Quote the request id when reporting it.", List.of());
    }

    private static String path(DatabindException e) {
        StringBuilder path = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "body" : path.toString();
    }

    private static String problem(DatabindException e) {
        String m = String.valueOf(e.getOriginalMessage());
        if (m.contains(WellFormedText.PROBLEM)) {
            return WellFormedText.PROBLEM;
        }
        if (m.contains("String") || m.contains("string")) {
            return "must be a string";
        }
        if (m.contains("int") || m.contains("long") || m.contains("Integer") || m.contains("Long")) {
            return "must be an integer";
        }
        if (m.contains("boolean") || m.contains("Boolean")) {
            return "must be a boolean";
        }
        if (m.contains("List") || m.contains("array") || m.contains("Collection")) {
            return "must be an array";
        }
        if (m.contains("Map") || m.contains("ObjectNode") || m.contains("Object")) {
            return "must be an object";
        }
        if (m.contains("Instant") || m.contains("OffsetDateTime")) {
            return "must be an RFC 3339 timestamp";
        }
        return "has the wrong type or format";
    }

    private static String message(FieldError f) {
        return f.getDefaultMessage() == null ? "is invalid" : f.getDefaultMessage();
    }

    static String snakeCase(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
