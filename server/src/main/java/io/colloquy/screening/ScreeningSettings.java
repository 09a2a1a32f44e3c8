package io.colloquy.screening;

import org.jspecify.annotations.Nullable;

/**
 * A project's screening settings: when PII is redacted, and the injection score at or above which a message write is
 * refused (null: never refused, only scored).
 */
public record ScreeningSettings(
        PiiRedaction piiRedaction, @Nullable Double injectionRejectThreshold) {
    public static final ScreeningSettings DEFAULTS = new ScreeningSettings(PiiRedaction.ON_READ, null);

    public ScreeningSettings {
        if (injectionRejectThreshold != null && !(injectionRejectThreshold > 0 && injectionRejectThreshold <= 1)) {
            throw new IllegalArgumentException("an injection threshold lies in (0, 1]");
        }
        if (injectionRejectThreshold != null) { // stored with three decimals
            injectionRejectThreshold = Math.max(0.001, Math.round(injectionRejectThreshold * 1000) / 1000.0);
        }
    }

    /** Whether content is redacted before it is stored. */
    public boolean redactsOnWrite() {
        return piiRedaction == PiiRedaction.ON_WRITE;
    }

    /** Whether a write with this screening is refused. */
    public boolean rejects(Screening screening) {
        return injectionRejectThreshold != null && screening.score() >= injectionRejectThreshold;
    }
}
