package io.colloquy.screening;

import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.FieldProblem;
import java.util.List;
import java.util.Locale;

/** A write whose content scored at or above the project's {@code injection_reject_threshold}: nothing is written. */
public final class InjectionRejected extends ApiException {
    public InjectionRejected(String field, Screening screening, double threshold) {
        super(
                ErrorCode.INJECTION_DETECTED,
                "The content looks like a prompt injection; the project refuses such writes.",
                List.of(new FieldProblem(
                        field,
                        String.format(
                                Locale.ROOT,
                                "scored %.3f (%s), at or above the project's injection_reject_threshold %.3f",
                                screening.score(),
                                String.join(", ", screening.labels()),
                                threshold))));
    }
}
