package io.colloquy.web;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The range of timestamps a client may send ({@code expires_at}): years 0001 to 9999, the years RFC
 * 3339 can write and well inside what PostgreSQL's {@code timestamptz} stores. Java reads
 * {@code +999999999-12-31T23:59:59Z}; storing it would fail, so it is refused with 400 instead.
 */
public final class Timestamps {
    public static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
    public static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999999Z");
    public static final String PROBLEM = "must be an RFC 3339 timestamp from year 0001 to 9999";

    private Timestamps() {}

    public static boolean inRange(Instant t) {
        return !t.isBefore(MIN) && !t.isAfter(MAX);
    }

    /** The timestamp, or 400 {@code VALIDATION_FAILED} naming {@code field} when it is out of range. */
    public static @Nullable Instant requireInRange(@Nullable Instant t, String field) {
        if (t != null && !inRange(t)) {
            throw ValidationFailed.of(field, PROBLEM);
        }
        return t;
    }
}
