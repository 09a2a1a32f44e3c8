package io.colloquy.mcp;

import io.colloquy.tenant.Namespace;
import io.colloquy.web.JsonBody;
import io.colloquy.web.ValidationFailed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The arguments of one tool call, read field by field like a PATCH body ({@link JsonBody}): every problem is
 * collected and {@link #validate()} answers them all at once as {@code VALIDATION_FAILED} with {@code fields}, the
 * same error the REST API gives for the same mistake.
 */
final class ToolArguments {
    private final ObjectNode node;
    private final JsonBody body;

    private ToolArguments(ObjectNode node) {
        this.node = node;
        this.body = JsonBody.of(node);
    }

    static ToolArguments of(JsonMapper json, @Nullable Map<String, Object> arguments) {
        return new ToolArguments(arguments == null ? json.createObjectNode() : json.valueToTree(arguments));
    }

    /** The namespace every tool acts in: required, with the pattern of the REST paths. */
    @Nullable
    Namespace namespace() {
        String name = requiredText("namespace", 1, 128);
        if (name == null) {
            return null;
        }
        try {
            return new Namespace(name);
        } catch (ValidationFailed e) {
            return body.problem("namespace", "must match ^[A-Za-z0-9._:-]{1,128}$");
        }
    }

    @Nullable
    String requiredText(String field, int minChars, int maxChars) {
        if (!node.has(field) || node.get(field).isNull()) {
            return body.problem(field, "is required");
        }
        return body.text(field, minChars, maxChars);
    }

    @Nullable
    String text(String field, int minChars, int maxChars) {
        return body.text(field, minChars, maxChars);
    }

    /** A content field: kept as sent (its length is checked by the feature, which knows the configured limit). */
    @Nullable
    String content(String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        return n.isString() ? n.asString() : body.problem(field, "must be a string");
    }

    int integer(String field, int min, int max, int otherwise) {
        Integer n = body.integer(field, min, max);
        return n == null ? otherwise : n;
    }

    @Nullable
    ObjectNode object(String field) {
        return body.object(field);
    }

    @Nullable
    List<String> strings(String field, int maxItems, int maxChars) {
        return body.strings(field, maxItems, maxChars);
    }

    @Nullable
    Instant timestamp(String field) {
        return body.timestamp(field);
    }

    /** A required array of 1 to {@code maxItems} objects. */
    List<ObjectNode> objects(String field, int maxItems) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            body.problem(field, "is required");
            return List.of();
        }
        if (!n.isArray() || n.isEmpty() || n.size() > maxItems) {
            body.problem(field, "must hold 1 to " + maxItems + " objects");
            return List.of();
        }
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            if (n.get(i).isObject()) {
                out.add((ObjectNode) n.get(i));
            } else {
                body.problem(field + "[" + i + "]", "must be an object");
            }
        }
        return out;
    }

    <T> @Nullable T problem(String field, String problem) {
        return body.problem(field, problem);
    }

    void validate() {
        body.validate();
    }
}
