package io.colloquy.web;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads a PATCH body field by field, telling an absent field from an explicit null, and collects every
 * problem so the client gets them all at once ({@link #validate()} throws 400 VALIDATION_FAILED).
 */
public final class JsonBody {
    /**
     * For names stored as plain text (project and key names): PostgreSQL text cannot hold NUL, so it is
     * refused with 400. Encrypted fields (content, titles, tags, metadata) keep it.
     */
    public static final String NO_NUL = "[^\\x00]*";

    public static final String NUL_PROBLEM = "must not contain the NUL character (U+0000)";

    private final ObjectNode body;
    private final List<FieldProblem> problems = new ArrayList<>();

    private JsonBody(ObjectNode body) {
        this.body = body;
    }

    public static JsonBody of(@Nullable JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ValidationFailed.of("body", "must be a JSON object");
        }
        return new JsonBody((ObjectNode) body);
    }

    public boolean has(String field) {
        return body.has(field);
    }

    public boolean isNull(String field) {
        return body.has(field) && body.get(field).isNull();
    }

    public @Nullable String text(String field, int minChars, int maxChars) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isString()) {
            return problem(field, "must be a string");
        }
        String s = n.asString();
        int length = s.codePointCount(0, s.length());
        if (length < minChars || length > maxChars) {
            return problem(field, "must be " + minChars + " to " + maxChars + " characters");
        }
        return s;
    }

    /** Like {@link #text}, for a name stored as plain text: NUL is refused (see {@link #NO_NUL}). */
    public @Nullable String name(String field, int minChars, int maxChars) {
        String s = text(field, minChars, maxChars);
        if (s != null && s.indexOf('\0') >= 0) {
            return problem(field, NUL_PROBLEM);
        }
        return s;
    }

    public @Nullable Boolean bool(String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        return n.isBoolean() ? n.asBoolean() : problem(field, "must be a boolean");
    }

    public @Nullable Integer integer(String field, int min, int max) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min || n.asInt() > max) {
            return problem(field, "must be an integer from " + min + " to " + max);
        }
        return n.asInt();
    }

    public @Nullable List<String> strings(String field, int maxItems, int maxChars) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray() || n.size() > maxItems) {
            return problem(field, "must be an array of at most " + maxItems + " strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode item = n.get(i);
            if (!item.isString() || item.asString().isEmpty() || item.asString().length() > maxChars) {
                return problem(field + "[" + i + "]", "must be a string of 1 to " + maxChars + " characters");
            }
            out.add(item.asString());
        }
        return out;
    }

    public @Nullable ObjectNode object(String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        return n.isObject() ? (ObjectNode) n : problem(field, "must be an object");
    }

    public @Nullable Instant timestamp(String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isString()) {
            return problem(field, "must be an RFC 3339 timestamp");
        }
        try {
            Instant t = OffsetDateTime.parse(n.asString()).toInstant();
            return Timestamps.inRange(t) ? t : problem(field, Timestamps.PROBLEM);
        } catch (DateTimeParseException e) {
            return problem(field, "must be an RFC 3339 timestamp");
        }
    }

    /** Records a problem with a field; always returns null so callers can {@code return problem(...)}. */
    public <T> @Nullable T problem(String field, String problem) {
        problems.add(new FieldProblem(field, problem));
        return null;
    }

    public void validate() {
        if (!problems.isEmpty()) {
            throw new ValidationFailed(problems);
        }
    }
}
