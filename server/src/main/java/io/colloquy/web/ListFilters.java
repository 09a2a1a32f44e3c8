package io.colloquy.web;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The filters lists share: time ranges on {@code created_at}/{@code updated_at} (RFC 3339, exclusive bounds)
 * and metadata key equality ({@code ?metadata.<key>=<value>}, several are ANDed), read from a request's query
 * parameters. A bad value is 400 VALIDATION_FAILED naming the parameter.
 */
public record ListFilters(
        @Nullable Instant createdAfter,
        @Nullable Instant createdBefore,
        @Nullable Instant updatedAfter,
        @Nullable Instant updatedBefore,
        Map<String, String> metadata) {
    public static final int MAX_METADATA_FILTERS = 16;
    private static final String METADATA = "metadata.";

    /**
     * The SQL conditions of these filters, ANDed onto a list's {@code WHERE} over a table with {@code created_at},
     * {@code updated_at} and {@code metadata_digests}; their values are {@link #parameters}.
     */
    public static final String CONDITIONS = """
               AND (CAST(:metadata AS bigint[]) IS NULL OR metadata_digests @> CAST(:metadata AS bigint[]))
               AND (CAST(:createdAfter AS timestamptz) IS NULL OR created_at > CAST(:createdAfter AS timestamptz))
               AND (CAST(:createdBefore AS timestamptz) IS NULL OR created_at < CAST(:createdBefore AS timestamptz))
               AND (CAST(:updatedAfter AS timestamptz) IS NULL OR updated_at > CAST(:updatedAfter AS timestamptz))
               AND (CAST(:updatedBefore AS timestamptz) IS NULL OR updated_at < CAST(:updatedBefore AS timestamptz))
            """;

    /** The values of {@link #CONDITIONS}: the time bounds and the metadata terms' blind-index digests (or null). */
    public Map<String, @Nullable Object> parameters(long @Nullable [] metadataDigests) {
        Map<String, @Nullable Object> values = new HashMap<>();
        values.put(
                "metadata",
                metadataDigests == null
                        ? null
                        : Arrays.stream(metadataDigests).boxed().toArray(Long[]::new));
        values.put("createdAfter", timestamptz(createdAfter));
        values.put("createdBefore", timestamptz(createdBefore));
        values.put("updatedAfter", timestamptz(updatedAfter));
        values.put("updatedBefore", timestamptz(updatedBefore));
        return values;
    }

    private static @Nullable OffsetDateTime timestamptz(@Nullable Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    public static ListFilters none() {
        return new ListFilters(null, null, null, null, Map.of());
    }

    public static ListFilters of(Map<String, String> query) {
        List<FieldProblem> problems = new ArrayList<>();
        Instant createdAfter = time(query, "created_after", problems);
        Instant createdBefore = time(query, "created_before", problems);
        Instant updatedAfter = time(query, "updated_after", problems);
        Instant updatedBefore = time(query, "updated_before", problems);
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var entry : query.entrySet()) {
            if (entry.getKey().startsWith(METADATA)) {
                String key = entry.getKey().substring(METADATA.length());
                if (key.isEmpty() || !WellFormedText.wellFormed(key)) {
                    problems.add(new FieldProblem(entry.getKey(), "must name a metadata key"));
                } else {
                    metadata.put(key, entry.getValue());
                }
            }
        }
        if (metadata.size() > MAX_METADATA_FILTERS) {
            problems.add(new FieldProblem("metadata", "at most " + MAX_METADATA_FILTERS + " metadata filters"));
        }
        if (!problems.isEmpty()) {
            throw new ValidationFailed(problems);
        }
        return new ListFilters(createdAfter, createdBefore, updatedAfter, updatedBefore, Map.copyOf(metadata));
    }

    /** The blind index terms every result must hold. */
    public List<String> metadataTerms() {
        return metadata.entrySet().stream()
                .map(e -> Metadata.term(e.getKey(), e.getValue()))
                .toList();
    }

    private static @Nullable Instant time(Map<String, String> query, String name, List<FieldProblem> problems) {
        String text = query.get(name);
        if (text == null) {
            return null;
        }
        try {
            Instant t = OffsetDateTime.parse(text).toInstant();
            if (Timestamps.inRange(t)) {
                return t;
            }
        } catch (DateTimeParseException e) {
            // reported below
        }
        problems.add(new FieldProblem(name, Timestamps.PROBLEM));
        return null;
    }
}
