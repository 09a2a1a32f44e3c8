package io.colloquy.web;

import java.util.List;

/** The request's input is bad: 400 with the list of fields and what is wrong with each. */
public final class ValidationFailed extends ApiException {
    public ValidationFailed(List<FieldProblem> fields) {
        super(ErrorCode.VALIDATION_FAILED, "The request is invalid.", fields);
    }

    public static ValidationFailed of(String field, String problem) {
        return new ValidationFailed(List.of(new FieldProblem(field, problem)));
    }
}
