package io.colloquy.web;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * {@code ?limit=} (1..200, default 50) and an opaque {@code ?cursor=}. A cursor is the position after
 * which the next page starts, encoded so clients treat it as opaque.
 */
public record PageRequest(int limit, @Nullable String after) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;

    public static PageRequest of(@Nullable String limit, @Nullable String cursor) {
        return new PageRequest(parseLimit(limit), cursor == null || cursor.isEmpty() ? null : decode(cursor));
    }

    public static int parseLimit(@Nullable String limit) {
        if (limit == null || limit.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(limit);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ValidationFailed.of("limit", "must be an integer from 1 to " + MAX_LIMIT);
    }

    public static String encode(String position) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(("c1:" + position).getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String cursor) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (s.startsWith("c1:") && s.length() > 3) {
                return s.substring(3);
            }
        } catch (IllegalArgumentException ignored) {
            // answered below
        }
        throw ValidationFailed.of("cursor", "is not a cursor this API returned");
    }

    /** Builds the page from rows fetched with {@code limit + 1}: the extra row only says whether there is more. */
    public <T> Page<T> page(java.util.List<T> rows, java.util.function.Function<T, String> position) {
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        java.util.List<T> data = rows.subList(0, limit);
        return new Page<>(java.util.List.copyOf(data), encode(position.apply(data.getLast())));
    }
}
