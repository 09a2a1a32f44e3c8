package io.colloquy.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The contract's error body: {@code {"error": {...}}}. */
public record ErrorBody(Detail error) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Detail(
            String code,
            String message,
            String type,
            String requestId,
            @Nullable List<FieldProblem> fields) {}

    static ErrorBody of(ErrorCode code, String message, String requestId, List<FieldProblem> fields) {
        return new ErrorBody(
                new Detail(code.name(), message, code.type(), requestId, fields.isEmpty() ? null : fields));
    }
}
