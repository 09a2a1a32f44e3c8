package io.colloquy.web;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** A metadata object: at most 64 keys and 16 KiB serialized. Stored as its compact JSON text. */
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

    public String json() {
        return JSON.writeValueAsString(value);
    }

    public static Metadata parse(String json) {
        return new Metadata((ObjectNode) JSON.readTree(json));
    }
}
