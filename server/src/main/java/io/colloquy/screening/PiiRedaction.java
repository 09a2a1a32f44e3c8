package io.colloquy.screening;

import java.util.Optional;

/** A project's PII redaction mode (its {@code screening.pii_redaction} setting). */
public enum PiiRedaction {
    /** Content is stored as sent; reads that ask with {@code ?redact=pii} get it redacted (the default). */
    ON_READ("on_read"),
    /** Message and memory content is redacted before it is stored: the original values are never stored. */
    ON_WRITE("on_write");

    private final String wireName;

    PiiRedaction(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<PiiRedaction> fromWire(String wireName) {
        for (PiiRedaction r : values()) {
            if (r.wireName.equals(wireName)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
