package io.colloquy.web;

import org.springframework.http.HttpStatus;

/** Every error the contract knows: its HTTP status, its code and its type. */
public enum ErrorCode {
    VALIDATION_FAILED(HttpStatus.BAD_REQUEST, "invalid_request"),
    UNAUTHENTICATED(HttpStatus.UNAUTHORIZED, "authentication"),
    FORBIDDEN(HttpStatus.FORBIDDEN, "authorization"),
    IP_NOT_ALLOWED(HttpStatus.FORBIDDEN, "authorization"),
    NOT_FOUND(HttpStatus.NOT_FOUND, "invalid_request"),
    METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "invalid_request"),
    IMMUTABLE(HttpStatus.CONFLICT, "conflict"),
    DELETE_PROTECTED(HttpStatus.CONFLICT, "conflict"),
    ENCRYPTION_KEY_REVOKED(HttpStatus.CONFLICT, "conflict"),
    /** The project already has the most webhooks it may have (docs/webhooks.md). */
    WEBHOOK_LIMIT_EXCEEDED(HttpStatus.CONFLICT, "conflict"),
    /** A resource with this client-chosen identifier already exists in this namespace. */
    ALREADY_EXISTS(HttpStatus.CONFLICT, "conflict"),
    /** The change would leave a project without an owner (docs/accounts.md). */
    LAST_OWNER(HttpStatus.CONFLICT, "conflict"),
    /** An {@code If-Match} that does not name the resource's current version. */
    PRECONDITION_FAILED(HttpStatus.PRECONDITION_FAILED, "conflict"),
    REQUEST_TIMEOUT(HttpStatus.REQUEST_TIMEOUT, "invalid_request"),
    PAYLOAD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "invalid_request"),
    UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "invalid_request"),
    NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE, "invalid_request"),
    IDEMPOTENCY_KEY_REUSED(HttpStatus.UNPROCESSABLE_CONTENT, "invalid_request"),
    /** Content scoring at or above the project's injection_reject_threshold (docs/screening.md); nothing written. */
    INJECTION_DETECTED(HttpStatus.UNPROCESSABLE_CONTENT, "invalid_request"),
    RATE_LIMIT_EXCEEDED(HttpStatus.TOO_MANY_REQUESTS, "rate_limit"),
    PLAN_LIMIT_EXCEEDED(HttpStatus.TOO_MANY_REQUESTS, "rate_limit"),
    INTERNAL(HttpStatus.INTERNAL_SERVER_ERROR, "api_error"),
    SERVICE_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "api_error"),
    /** A request line naming an HTTP version other than 1.0/1.1 (HTTP/2 is negotiated, never named there). */
    HTTP_VERSION_NOT_SUPPORTED(HttpStatus.HTTP_VERSION_NOT_SUPPORTED, "invalid_request");

    private final HttpStatus status;
    private final String type;

    ErrorCode(HttpStatus status, String type) {
        this.status = status;
        this.type = type;
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }
}
