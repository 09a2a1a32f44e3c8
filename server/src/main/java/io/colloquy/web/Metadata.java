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

    public String json() {
        return value.isEmpty() ? "{}" : JSON.writeValueAsString(value);
    }

    /** Stored JSON text back to metadata; the common empty object without running the parser. */
    public static Metadata parse(String json) {
        return json.equals("{}") ? empty() : new Metadata((ObjectNode) JSON.readTree(json));
    }
}
