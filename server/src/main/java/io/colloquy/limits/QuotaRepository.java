package io.colloquy.limits;

import java.time.LocalDate;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class QuotaRepository {
    /**
     * Adds {@code :count} to the month's counter unless that would pass {@code :limit}; returns a row
     * only when it did. The first create of a month inserts the row; a concurrent one waits on the
     * primary key and then takes the conditional-update branch, so admissions are exact.
     */
    private static final String CONSUME = """
            INSERT INTO colloquy.plan_usage AS u (project_id, month, %1$s)
            VALUES (:project, :month, :count)
            ON CONFLICT (project_id, month) DO UPDATE SET %1$s = u.%1$s + EXCLUDED.%1$s
             WHERE u.%1$s + EXCLUDED.%1$s <= :limit
            RETURNING u.%1$s
            """;

    private static final Map<Quota, String> CONSUME_BY_QUOTA = new EnumMap<>(Quota.class);

    static {
        for (Quota q : Quota.values()) {
            CONSUME_BY_QUOTA.put(q, CONSUME.formatted(q.column()));
        }
    }

    private final JdbcClient jdbc;

    QuotaRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Whether {@code count} more fit under {@code limit} this month; if so they are counted. */
    boolean tryConsume(UUID project, LocalDate month, Quota quota, int count, int limit) {
        return jdbc.sql(CONSUME_BY_QUOTA.get(quota))
                .param("project", project)
                .param("month", month)
                .param("count", (long) count)
                .param("limit", (long) limit)
                .query((rs, n) -> rs.getLong(1))
                .optional()
                .isPresent();
    }
}
