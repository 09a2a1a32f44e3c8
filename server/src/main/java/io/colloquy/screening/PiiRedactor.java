package io.colloquy.screening;

import io.colloquy.web.ValidationFailed;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Replaces personal data and secrets with typed placeholders ({@code [EMAIL_1]}, {@code [PHONE_2]}, {@code [CARD_1]},
 * {@code [IBAN_1]}, {@code [SSN_1]}, {@code [IP_1]}, {@code [SECRET_1]}). One {@link Session} per response: within
 * it the same value (normalized: an e-mail address in any case, a phone number in any national or international
 * spelling, a card number with or without separators) always gets the same placeholder, in every text it redacts,
 * and different values different ones. Placeholders are numbered per type in order of first appearance. The
 * original values never leave the session; a session is not shared between threads.
 */
public final class PiiRedactor {
    private PiiRedactor() {}

    /** A new session, for the texts of one response. */
    public static Session newSession() {
        return new Session();
    }

    /**
     * What a read's {@code ?redact=} parameter asks for: absent, the texts as they are; {@code pii}, one new session's
     * {@link Session#redact} for all the texts of the response; anything else is 400 VALIDATION_FAILED.
     */
    public static UnaryOperator<String> forParameter(@Nullable String redact) {
        if (redact == null) {
            return UnaryOperator.identity();
        }
        if (!redact.equals("pii")) {
            throw ValidationFailed.of("redact", "must be pii");
        }
        return newSession()::redact;
    }

    /** What a text holds, without redacting it (for measurements and tests). */
    public static List<PiiFinding> find(String text) {
        return PiiDetector.find(text);
    }

    /** Placeholders stable across every text of one response. */
    public static final class Session {
        private final Map<PiiType, Map<String, String>> placeholders = new EnumMap<>(PiiType.class);
        private int redactions;

        private Session() {}

        /** The text with every finding replaced by its placeholder. */
        public String redact(String text) {
            List<PiiFinding> findings = PiiDetector.find(text);
            if (findings.isEmpty()) {
                return text;
            }
            StringBuilder out = new StringBuilder(text.length());
            int at = 0;
            for (PiiFinding f : findings) {
                out.append(text, at, f.start()).append(placeholder(f));
                at = f.end();
            }
            redactions += findings.size();
            return out.append(text, at, text.length()).toString();
        }

        /** How many values this session replaced (each occurrence counted). */
        public int redactions() {
            return redactions;
        }

        private String placeholder(PiiFinding f) {
            Map<String, String> ofType = placeholders.computeIfAbsent(f.type(), t -> new HashMap<>());
            return ofType.computeIfAbsent(
                    PiiDetector.normalized(f), v -> f.type().placeholder(ofType.size() + 1));
        }
    }
}
