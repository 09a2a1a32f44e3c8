package io.colloquy.web;

import java.util.List;

/**
 * An outcome the API answers with an error body. Subclasses are named for the outcome
 * ({@code DialogueNotFound}); their messages never carry secrets, content or another tenant's ids.
 */
public class ApiException extends RuntimeException {
    private final ErrorCode code;
    private final List<FieldProblem> fields;

    public ApiException(ErrorCode code, String message) {
        this(code, message, List.of());
    }

    public ApiException(ErrorCode code, String message, List<FieldProblem> fields) {
        super(message, null, false, false);
        this.code = code;
        this.fields = List.copyOf(fields);
    }

    public ErrorCode code() {
        return code;
    }

    public List<FieldProblem> fields() {
        return fields;
    }
}
