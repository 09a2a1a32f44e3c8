package io.colloquy.web;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A metadata object: at most 64 keys and 16 KiB serialized. Stored as its compact JSON text.
 *
 * <p>Numbers must be what RFC 8785 (JSON canonicalization, which the audit log hashes) and I-JSON
 * (RFC 7493) can carry: a finite IEEE-754 double whose shortest decimal form has the value the
 * client sent. {@code 1.5}, {@code 0.1}, {@code 1e300} and every integer up to 2^53 qualify; a
 * 400-digit integer, {@code 1e400}, {@code 1e-400}, {@code 9007199254740993} or a decimal with more
 * digits than a double keeps are refused with 400, so what is stored always reads back with the
 * value that was sent (docs/api.md, "Metadata").
 */
public record Metadata(ObjectNode value) {
    public static final int MAX_KEYS = 64;
    public static final int MAX_BYTES = 16 * 1024;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public static Metadata empty() {
        return new Metadata(JsonNodeFactory.instance.objectNode());
    }

    /** Validates client input; {@code field} names it in the error ("metadata", "messages[3].metadata"). */
    public static Metadata of(@Nullable ObjectNode value, String field) {
        if (value == null) {
            return empty();
        }
        if (!keysWellFormed(value)) {
            throw ValidationFailed.of(field, "has a key that " + WellFormedText.PROBLEM);
        }
        if (!numbersExact(value)) {
            throw ValidationFailed.of(
                    field, "has a number that is not exactly representable as an IEEE-754 double (RFC 8785)");
        }
        if (value.size() > MAX_KEYS) {
            throw ValidationFailed.of(field, "must have at most " + MAX_KEYS + " keys");
        }
        if (JSON.writeValueAsString(value).getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw ValidationFailed.of(field, "must be at most " + MAX_BYTES + " bytes as JSON");
        }
        return new Metadata(value);
    }

    private static boolean keysWellFormed(tools.jackson.databind.JsonNode node) {
        if (node.isObject()) {
            for (var entry : node.properties()) {
                if (!WellFormedText.wellFormed(entry.getKey()) || !keysWellFormed(entry.getValue())) {
                    return false;
                }
            }
        } else if (node.isArray()) {
            for (var item : node) {
                if (!keysWellFormed(item)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean numbersExact(tools.jackson.databind.JsonNode node) {
        if (node.isNumber()) {
            return exactDouble(node);
        }
        for (var child : node.values()) {
            if (!numbersExact(child)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a number is a finite double whose shortest decimal form equals the number's value. */
    static boolean exactDouble(tools.jackson.databind.JsonNode n) {
        BigDecimal value;
        if (n.isBigDecimal()) {
            value = n.decimalValue();
        } else if (n.isBigInteger()) {
            value = new BigDecimal(n.bigIntegerValue());
        } else if (n.isIntegralNumber()) {
            value = BigDecimal.valueOf(n.longValue());
        } else {
            return Double.isFinite(n.doubleValue());
        }
        double d = value.doubleValue();
        return Double.isFinite(d) && new BigDecimal(Double.toString(d)).compareTo(value) == 0;
    }

    /**
     * The blind index terms of the scalar top-level values ({@code meta:<key>=<value>}): strings as they are,
     * numbers in their JSON form, booleans as {@code true}/{@code false}; objects, arrays and nulls are not
     * indexed. A filter {@code ?metadata.<key>=<value>} looks for {@link #term(String, String)}.
     */
    public java.util.List<String> terms() {
        java.util.List<String> terms = new java.util.ArrayList<>();
        for (var entry : value.properties()) {
            tools.jackson.databind.JsonNode v = entry.getValue();
            if (v.isString()) {
                terms.add(term(entry.getKey(), v.asString()));
            } else if (v.isNumber() || v.isBoolean()) {
                terms.add(term(entry.getKey(), v.toString()));
            }
        }
        return terms;
    }

    public static String term(String key, String value) {
        return "meta:" + key.length() + ":" + key + "=" + value;
    }

    /**
     * Any JSON value checked as metadata is (well-formed keys, exact numbers: the audit log canonicalizes it)
     * and at most {@code maxBytes} as compact JSON, which it returns; 400 naming {@code field} otherwise.
     */
    public static String canonicalJson(tools.jackson.databind.JsonNode value, String field, int maxBytes) {
        if (!keysWellFormed(value)) {
            throw ValidationFailed.of(field, "has a key that " + WellFormedText.PROBLEM);
        }
        if (!numbersExact(value)) {
            throw ValidationFailed.of(
                    field, "has a number that is not exactly representable as an IEEE-754 double (RFC 8785)");
        }
        String json = JSON.writeValueAsString(value);
        if (json.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw ValidationFailed.of(field, "must be at most " + maxBytes + " bytes as JSON");
        }
        return json;
    }

    public String json() {
        return value.isEmpty() ? "{}" : JSON.writeValueAsString(value);
    }

    /** Stored JSON text back to metadata; the common empty object without running the parser. */
    public static Metadata parse(String json) {
        return json.equals("{}") ? empty() : new Metadata((ObjectNode) JSON.readTree(json));
    }
}
