package io.colloquy.screening;

import io.colloquy.web.ValidationFailed;
import org.jspecify.annotations.Nullable;

/**
 * Which texts a read lets through by their injection score: {@code ?max_injection_score=} (0 to 1) keeps those scoring
 * at most that; a text stored before screening existed (no stored screening) is screened on the spot.
 */
public final class InjectionFilter {
    public static final String PARAMETER = "max_injection_score";
    private static final InjectionFilter NONE = new InjectionFilter(1.0);

    private final double maxScore;

    private InjectionFilter(double maxScore) {
        this.maxScore = maxScore;
    }

    /** Everything passes. */
    public static InjectionFilter none() {
        return NONE;
    }

    public static InjectionFilter atMost(double maxScore) {
        if (!(maxScore >= 0 && maxScore <= 1)) {
            throw new IllegalArgumentException("a maximum injection score lies in [0, 1]");
        }
        return maxScore >= 1 ? NONE : new InjectionFilter(maxScore);
    }

    /** The filter a read's {@code max_injection_score} asks for (absent: none); 400 VALIDATION_FAILED if malformed. */
    public static InjectionFilter fromParameter(@Nullable String value) {
        if (value == null) {
            return NONE;
        }
        try {
            double max = Double.parseDouble(value.strip());
            if (max >= 0 && max <= 1) {
                return atMost(max);
            }
        } catch (NumberFormatException e) {
            // a problem below
        }
        throw ValidationFailed.of(PARAMETER, "must be a number from 0 to 1");
    }

    public double maxScore() {
        return maxScore;
    }

    /** Whether a text passes: by its stored screening, else (stored before screening) by screening it now. */
    public boolean admits(@Nullable Screening stored, String content) {
        if (this == NONE) {
            return true;
        }
        Screening s = stored != null ? stored : InjectionScreener.screen(content);
        return s.score() <= maxScore;
    }
}
