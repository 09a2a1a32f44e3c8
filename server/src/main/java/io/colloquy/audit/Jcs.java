package io.colloquy.audit;

import java.math.BigDecimal;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /** Reused per thread: canonical forms are written as UTF-8 straight into one growing buffer. */
    private static final ThreadLocal<Sink> SINKS = ThreadLocal.withInitial(Sink::new);

    /** The canonical UTF-8 bytes of a JSON value. */
    static byte[] canonical(JsonNode node) {
        return canonicalWithout(node, Set.of());
    }

    /** The canonical bytes of an object without some of its members (the value itself is not copied). */
    static byte[] canonicalWithout(JsonNode node, Set<String> left) {
        Sink out = SINKS.get().reset();
        write(out, node, left);
        return Arrays.copyOf(out.bytes, out.length);
    }

    /** Feeds the canonical bytes of {@code node} (without the {@code left} members) to a digest. */
    static void digest(MessageDigest digest, JsonNode node, Set<String> left) {
        Sink out = SINKS.get().reset();
        write(out, node, left);
        digest.update(out.bytes, 0, out.length);
    }

    private static void write(Sink out, JsonNode node, Set<String> left) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.size());
                for (Map.Entry<String, JsonNode> member : node.properties()) {
                    if (!left.contains(member.getKey())) {
                        members.add(member);
                    }
                }
                members.sort(Map.Entry.comparingByKey());
                out.put('{');
                for (int i = 0; i < members.size(); i++) {
                    if (i > 0) {
                        out.put(',');
                    }
                    string(out, members.get(i).getKey());
                    out.put(':');
                    write(out, members.get(i).getValue(), Set.of());
                }
                out.put('}');
            }
            case ARRAY -> {
                out.put('[');
                int i = 0;
                for (JsonNode element : node.values()) {
                    if (i++ > 0) {
                        out.put(',');
                    }
                    write(out, element, Set.of());
                }
                out.put(']');
            }
            case STRING -> string(out, node.stringValue());
            case NUMBER -> out.ascii(number(doubleOf(node)));
            case BOOLEAN -> out.ascii(node.booleanValue() ? "true" : "false");
            case NULL -> out.ascii("null");
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

    /** A JSON string: only {@code "}, {@code \\} and control characters are escaped; the rest is UTF-8. */
    private static void string(Sink out, String s) {
        out.put('"');
        int n = s.length();
        out.ensure(n * 3 + 1);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80) {
                if (c == '"' || c == '\\') {
                    out.put('\\');
                }
                out.put(c);
            } else if (c < 0x20) {
                switch (c) {
                    case '\b' -> out.ascii("\\b");
                    case '\f' -> out.ascii("\\f");
                    case '\n' -> out.ascii("\\n");
                    case '\r' -> out.ascii("\\r");
                    case '\t' -> out.ascii("\\t");
                    default -> {
                        out.ascii("\\u00");
                        out.put(HEX[c >> 4]);
                        out.put(HEX[c & 0xf]);
                    }
                }
            } else if (c < 0x800) {
                out.put(0xc0 | (c >> 6));
                out.put(0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out.put(0xf0 | (cp >> 18));
                out.put(0x80 | ((cp >> 12) & 0x3f));
                out.put(0x80 | ((cp >> 6) & 0x3f));
                out.put(0x80 | (cp & 0x3f));
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("a JSON string holds a lone surrogate");
            } else {
                out.put(0xe0 | (c >> 12));
                out.put(0x80 | ((c >> 6) & 0x3f));
                out.put(0x80 | (c & 0x3f));
            }
        }
        out.put('"');
    }

    /** A growable byte buffer. */
    private static final class Sink {
        byte[] bytes = new byte[4096];
        int length;

        Sink reset() {
            length = 0;
            return this;
        }

        void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }

        void put(int b) {
            if (length == bytes.length) {
                ensure(1);
            }
            bytes[length++] = (byte) b;
        }

        void ascii(String s) {
            ensure(s.length());
            for (int i = 0; i < s.length(); i++) {
                bytes[length++] = (byte) s.charAt(i);
            }
        }
    }

    /** ECMAScript's Number::toString for a finite double (RFC 8785 section 3.2.2.3). */
    static String number(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("JSON numbers must be finite");
        }
        if (value == 0) {
            return "0";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e18) {
            return Long.toString((long) value);
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
