package io.colloquy.web;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.deser.std.StdScalarDeserializer;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.StringNode;

/**
 * JSON lets a string carry a lone UTF-16 surrogate ({@code "\ud800"}), which no UTF-8 text can hold:
 * stored it would silently turn into '?', and canonical forms (audit hashing) can't encode it. Such
 * input is refused with 400 where Jackson reads it: strings bound to fields, and strings in JSON trees.
 */
final class WellFormedText {
    static final String PROBLEM = "contains a lone surrogate (not well-formed Unicode)";

    private WellFormedText() {}

    static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** Strings bound to record fields and collections. */
    static final class Strings extends StdScalarDeserializer<String> {
        Strings() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) {
            if (!p.hasToken(JsonToken.VALUE_STRING)) {
                return (String) ctxt.handleUnexpectedToken(String.class, p);
            }
            String s = p.getString();
            if (!wellFormed(s)) {
                throw MismatchedInputException.from(p, String.class, "String " + PROBLEM);
            }
            return s;
        }
    }

    /** Strings inside JSON trees (metadata, PATCH bodies). */
    static final class Nodes extends JsonNodeFactory {
        @Override
        public StringNode stringNode(String text) {
            if (text != null && !wellFormed(text)) {
                throw new ValidationFailed(java.util.List.of(new FieldProblem("body", "a string " + PROBLEM)));
            }
            return super.stringNode(text);
        }
    }
}
