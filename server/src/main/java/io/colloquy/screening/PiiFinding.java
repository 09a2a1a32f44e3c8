package io.colloquy.screening;

/** One piece of personal data found in a text: its kind and where it is ({@code [start, end)}). */
public record PiiFinding(PiiType type, int start, int end, String value) {
    public PiiFinding {
        if (start < 0 || end <= start || value.length() != end - start) {
            throw new IllegalArgumentException("a finding spans at least one character of its text");
        }
    }

    boolean overlaps(PiiFinding other) {
        return start < other.end && other.start < end;
    }
}
