package io.colloquy.tenant;

import io.colloquy.web.ValidationFailed;
import java.util.regex.Pattern;

/** A namespace name: {@code ^[A-Za-z0-9._:-]{1,128}$}. One per end user or tenant of a project. */
public record Namespace(String name) {
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    /** The tenant-context value meaning "every namespace of the project" (not a valid namespace name). */
    static final String ALL = "*";

    public Namespace {
        if (!FORMAT.matcher(name).matches()) {
            throw ValidationFailed.of("namespace", "must match ^[A-Za-z0-9._:-]{1,128}$");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
