package io.colloquy.dialogues;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * RFC 7396 JSON merge patch: an object patch merges member by member (a null member removes it), anything
 * else replaces the target. The target is never changed; the result may share unchanged subtrees with it.
 */
final class JsonMergePatch {
    private JsonMergePatch() {}

    static JsonNode apply(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode result = target.isObject()
                ? ((ObjectNode) target).deepCopy()
                : tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        for (var member : patch.properties()) {
            if (member.getValue().isNull()) {
                result.remove(member.getKey());
            } else {
                JsonNode current = result.get(member.getKey());
                result.set(
                        member.getKey(),
                        apply(
                                current == null ? tools.jackson.databind.node.MissingNode.getInstance() : current,
                                member.getValue()));
            }
        }
        return result;
    }
}
