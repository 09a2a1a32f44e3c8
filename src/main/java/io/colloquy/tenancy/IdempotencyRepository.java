package io.colloquy.tenancy;

import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class IdempotencyRepository {
    /** Claims the key, or takes over a record older than 24 hours; returns a row only when claimed. */
    private static final String CLAIM = """
            INSERT INTO colloquy.idempotency_records
                (project_id, idempotency_key, request_digest, status, response, created_at)
            VALUES (:project, :key, :digest, 0, NULL, now())
            ON CONFLICT (project_id, idempotency_key) DO UPDATE
               SET request_digest = EXCLUDED.request_digest, status = 0, response = NULL, created_at = EXCLUDED.created_at
             WHERE idempotency_records.created_at < now() - interval '24 hours'
            RETURNING 1
            """;

    private static final String FIND = """
            SELECT request_digest, status, response FROM colloquy.idempotency_records
             WHERE project_id = :project AND idempotency_key = :key
            """;
    private static final String COMPLETE = """
            UPDATE colloquy.idempotency_records SET status = :status, response = :response
             WHERE project_id = :project AND idempotency_key = :key
            """;

    private final JdbcClient jdbc;

    IdempotencyRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    boolean claim(UUID project, String key, byte[] digest) {
        return !jdbc.sql(CLAIM)
                .param("project", project)
                .param("key", key)
                .param("digest", digest)
                .query((rs, n) -> 1)
                .list()
                .isEmpty();
    }

    record Stored(byte[] digest, int status, byte @Nullable [] response) {}

    Optional<Stored> find(UUID project, String key) {
        return jdbc.sql(FIND)
                .param("project", project)
                .param("key", key)
                .query((rs, n) ->
                        new Stored(rs.getBytes("request_digest"), rs.getInt("status"), rs.getBytes("response")))
                .optional();
    }

    void complete(UUID project, String key, int status, byte[] response) {
        jdbc.sql(COMPLETE)
                .param("project", project)
                .param("key", key)
                .param("status", status)
                .param("response", response)
                .update();
    }
}
