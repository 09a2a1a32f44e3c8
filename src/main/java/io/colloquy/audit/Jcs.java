package io.colloquy.audit;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * RFC 8785 JSON Canonicalization Scheme: members sorted by their names' UTF-16 code units, no
 * whitespace, strings with the minimal escapes, numbers as IEEE-754 doubles printed the way
 * ECMAScript's {@code Number.prototype.toString} prints them. The canonical bytes of an event are
 * what its leaf hash is computed over (docs/audit.md), so any RFC 8785 implementation can recompute it.
 */
final class Jcs {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Jcs() {}

    /** The canonical UTF-8 bytes of a JSON value. */
    static byte[] canonical(JsonNode node) {
        StringBuilder out = new StringBuilder(256);
        write(out, node);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(StringBuilder out, JsonNode node) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.properties());
                members.sort(Map.Entry.comparingByKey());
                out.append('{');
                for (int i = 0; i < members.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    string(out, members.get(i).getKey());
                    out.append(':');
                    write(out, members.get(i).getValue());
                }
                out.append('}');
            }
            case ARRAY -> {
                out.append('[');
                int i = 0;
                for (JsonNode element : node.values()) {
                    if (i++ > 0) {
                        out.append(',');
                    }
                    write(out, element);
                }
                out.append(']');
            }
            case STRING -> string(out, node.stringValue());
            case NUMBER -> out.append(number(doubleOf(node)));
            case BOOLEAN -> out.append(node.booleanValue() ? "true" : "false");
            case NULL -> out.append("null");
            default -> throw new IllegalArgumentException("not a JSON value: " + node.getNodeType());
        }
    }

    private static double doubleOf(JsonNode n) {
        if (n.isBigDecimal()) {
            return n.decimalValue().doubleValue();
        }
        if (n.isBigInteger()) {
            return n.bigIntegerValue().doubleValue();
        }
        if (n.isIntegralNumber()) {
            return n.longValue();
        }
        return n.doubleValue();
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** ECMAScript's Number::toString for a finite double (RFC 8785 section 3.2.2.3). */
    static String number(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("JSON numbers must be finite");
        }
        if (value == 0) {
            return "0";
        }
        String sign = value < 0 ? "-" : "";
        double d = Math.abs(value);
        // Java prints the shortest digits that read back as d (JDK 19+), except that when one digit
        // would do it may print two (it then prefers the closer of one- and two-digit decimals).
        BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = shortest.unscaledValue().toString();
        int n = digits.length() - shortest.scale();
        if (digits.length() == 2) {
            BigDecimal exact = new BigDecimal(d);
            BigDecimal best = null;
            int first = digits.charAt(0) - '0';
            for (int c = first; c <= first + 1; c++) {
                BigDecimal candidate = BigDecimal.valueOf(c).scaleByPowerOfTen(n - 1);
                if (candidate.doubleValue() == d
                        && (best == null
                                || candidate
                                                .subtract(exact)
                                                .abs()
                                                .compareTo(best.subtract(exact).abs())
                                        < 0)) {
                    best = candidate;
                }
            }
            if (best != null) {
                best = best.stripTrailingZeros();
                digits = best.unscaledValue().toString();
                n = digits.length() - best.scale();
            }
        }
        int k = digits.length();
        StringBuilder out = new StringBuilder(sign);
        if (k <= n && n <= 21) {
            out.append(digits).append("0".repeat(n - k));
        } else if (0 < n && n <= 21) {
            out.append(digits, 0, n).append('.').append(digits, n, k);
        } else if (-6 < n && n <= 0) {
            out.append("0.").append("0".repeat(-n)).append(digits);
        } else {
            int e = n - 1;
            out.append(digits.charAt(0));
            if (k > 1) {
                out.append('.').append(digits, 1, k);
            }
            out.append('e').append(e >= 0 ? '+' : '-').append(Math.abs(e));
        }
        return out.toString();
    }
}
