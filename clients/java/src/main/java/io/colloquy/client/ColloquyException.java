package io.colloquy.client;

import java.util.List;

/**
 * An error answered by the server in the contract's error body ({@code {"error": {"code", "message", "type",
 * "request_id"}}}), or a failure to reach it ({@link #status()} 0). Subclasses name the common outcomes.
 */
public class ColloquyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final String type;
    private final String requestId;

    /**
     * @param status the HTTP status, 0 when no answer came
     * @param code the contract's error code, such as {@code NOT_FOUND}
     * @param type the contract's error type, such as {@code invalid_request}
     * @param message the server's message (for humans)
     * @param requestId the request id ({@code req_...}), null when no answer came
     */
    public ColloquyException(int status, String code, String type, String message, String requestId) {
        super(message + " (" + code + ", HTTP " + status + (requestId == null ? "" : ", " + requestId) + ")");
        this.status = status;
        this.code = code;
        this.type = type;
        this.requestId = requestId;
    }

    /** @param message what went wrong, @param cause the underlying failure (no HTTP answer) */
    public ColloquyException(String code, String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.code = code;
        this.type = "api_error";
        this.requestId = null;
    }

    /** The HTTP status, or 0 when the server was not reached. */
    public int status() {
        return status;
    }

    /** The contract's error code, such as {@code NOT_FOUND} or {@code ALREADY_EXISTS}. */
    public String code() {
        return code;
    }

    /** The contract's error type: invalid_request, authentication, authorization, conflict, rate_limit, api_error. */
    public String type() {
        return type;
    }

    /** The server's request id ({@code X-Request-Id}), to quote when reporting a problem; null without an answer. */
    public String requestId() {
        return requestId;
    }

    /** 404 {@code NOT_FOUND}: no such entity for this key and namespace (identical whether missing or another's). */
    public static class NotFound extends ColloquyException {
        private static final long serialVersionUID = 1L;

        /** See {@link ColloquyException#ColloquyException(int, String, String, String, String)}. */
        public NotFound(int status, String code, String type, String message, String requestId) {
            super(status, code, type, message, requestId);
        }
    }

    /** 409: {@code ALREADY_EXISTS}, {@code IMMUTABLE}, {@code DELETE_PROTECTED}, {@code ENCRYPTION_KEY_REVOKED}. */
    public static class Conflict extends ColloquyException {
        private static final long serialVersionUID = 1L;

        /** See {@link ColloquyException#ColloquyException(int, String, String, String, String)}. */
        public Conflict(int status, String code, String type, String message, String requestId) {
            super(status, code, type, message, requestId);
        }
    }

    /** 429 after the client's retries ran out: {@code RATE_LIMIT_EXCEEDED} or {@code PLAN_LIMIT_EXCEEDED}. */
    public static class RateLimited extends ColloquyException {
        private static final long serialVersionUID = 1L;
        private final long retryAfterSeconds;

        /** @param retryAfterSeconds the server's {@code Retry-After}, -1 when absent */
        public RateLimited(
                int status, String code, String type, String message, String requestId, long retryAfterSeconds) {
            super(status, code, type, message, requestId);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        /** The server's {@code Retry-After} in seconds, or -1 when it sent none. */
        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /** 401 {@code UNAUTHENTICATED}: no key, a malformed, unknown, revoked or expired one. */
    public static class Unauthenticated extends ColloquyException {
        private static final long serialVersionUID = 1L;

        /** See {@link ColloquyException#ColloquyException(int, String, String, String, String)}. */
        public Unauthenticated(int status, String code, String type, String message, String requestId) {
            super(status, code, type, message, requestId);
        }
    }

    /** 403 {@code FORBIDDEN} (capability) or {@code IP_NOT_ALLOWED} (allowlist). */
    public static class Forbidden extends ColloquyException {
        private static final long serialVersionUID = 1L;

        /** See {@link ColloquyException#ColloquyException(int, String, String, String, String)}. */
        public Forbidden(int status, String code, String type, String message, String requestId) {
            super(status, code, type, message, requestId);
        }
    }

    /** 400 {@code VALIDATION_FAILED}, with every rejected field. */
    public static class Validation extends ColloquyException {
        private static final long serialVersionUID = 1L;
        private final List<FieldProblem> fields;

        /** @param fields every field the server rejected */
        public Validation(
                int status, String code, String type, String message, String requestId, List<FieldProblem> fields) {
            super(status, code, type, message, requestId);
            this.fields = List.copyOf(fields);
        }

        /** Every rejected field, as the client sent it (snake_case, dotted), with the problem. */
        public List<FieldProblem> fields() {
            return fields;
        }
    }

    /** One rejected field of a {@link Validation} error. */
    public record FieldProblem(String field, String problem) {}

    /**
     * The audit log failed a client-side check: a checkpoint whose signature does not verify, a proof that does not
     * lead to the signed root, or a new checkpoint not consistent with the last one this client verified (the
     * server's history was rewritten). Never retried.
     */
    public static class AuditVerificationFailed extends ColloquyException {
        private static final long serialVersionUID = 1L;

        /** @param message what did not verify */
        public AuditVerificationFailed(String message) {
            super(0, "AUDIT_VERIFICATION_FAILED", "verification", message, null);
        }
    }
}
