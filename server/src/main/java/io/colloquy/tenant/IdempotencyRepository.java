package io.colloquy.tenant;

import io.colloquy.platform.Distribution;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class IdempotencyRepository {
    /**
     * Claims the key, or takes over a record older than 24 hours; returns a row only when claimed. The
     * record belongs to the namespace of the tenant transaction ('' when project-wide).
     */
    private static final String CLAIM = """
            INSERT INTO colloquy.idempotency_records
                (project_id, idempotency_key, request_digest, status, response, created_at, namespace)
            VALUES (:project, :key, :digest, 0, NULL, now(),
                    CASE WHEN current_setting('app.namespace', true) = '*' THEN ''
                         ELSE coalesce(current_setting('app.namespace', true), '') END)
            ON CONFLICT (project_id, idempotency_key) DO UPDATE
               SET request_digest = EXCLUDED.request_digest, status = 0, response = NULL,
                   created_at = EXCLUDED.created_at, namespace = EXCLUDED.namespace
             WHERE idempotency_records.created_at < now() - interval '24 hours'
            RETURNING 1
            """;
    /**
     * The same claim on Citus, which allows only IMMUTABLE functions in an ON CONFLICT clause's WHERE: the cutoff,
     * 24 hours before the database's now() (read first, in the same transaction), as a parameter.
     */
    private static final String CLAIM_WITH_CUTOFF = """
            INSERT INTO colloquy.idempotency_records
                (project_id, idempotency_key, request_digest, status, response, created_at, namespace)
            VALUES (:project, :key, :digest, 0, NULL, now(),
                    CASE WHEN current_setting('app.namespace', true) = '*' THEN ''
                         ELSE coalesce(current_setting('app.namespace', true), '') END)
            ON CONFLICT (project_id, idempotency_key) DO UPDATE
               SET request_digest = EXCLUDED.request_digest, status = 0, response = NULL,
                   created_at = EXCLUDED.created_at, namespace = EXCLUDED.namespace
             WHERE idempotency_records.created_at < CAST(:cutoff AS timestamptz)
            RETURNING 1
            """;

    private static final String FIND = """
            SELECT request_digest, status, response, namespace FROM colloquy.idempotency_records
             WHERE project_id = :project AND idempotency_key = :key
            """;
    private static final String COMPLETE = """
            UPDATE colloquy.idempotency_records SET status = :status, response = :response
             WHERE project_id = :project AND idempotency_key = :key
            """;
    private static final String DELETE = """
            DELETE FROM colloquy.idempotency_records WHERE project_id = :project AND idempotency_key = :key
            """;
    private static final String DELETE_NAMESPACE = """
            DELETE FROM colloquy.idempotency_records WHERE project_id = :project AND namespace = :ns
            """;
    private static final String DELETE_EXPIRED = """
            DELETE FROM colloquy.idempotency_records
             WHERE project_id = :project AND created_at < now() - interval '24 hours'
            """;

    private final JdbcClient jdbc;
    private final boolean distributed;

    IdempotencyRepository(JdbcClient jdbc, Distribution distribution) {
        this.jdbc = jdbc;
        this.distributed = distribution.citus();
    }

    boolean claim(UUID project, String key, byte[] digest) {
        if (distributed) {
            OffsetDateTime cutoff = jdbc.sql("SELECT now() - interval '24 hours'")
                    .query(OffsetDateTime.class)
                    .single();
            return !jdbc.sql(CLAIM_WITH_CUTOFF)
                    .param("project", project)
                    .param("key", key)
                    .param("digest", digest)
                    .param("cutoff", cutoff)
                    .query((rs, n) -> 1)
                    .list()
                    .isEmpty();
        }
        return !jdbc.sql(CLAIM)
                .param("project", project)
                .param("key", key)
                .param("digest", digest)
                .query((rs, n) -> 1)
                .list()
                .isEmpty();
    }

    record Stored(byte[] digest, int status, byte @Nullable [] response, String namespace) {}

    Optional<Stored> find(UUID project, String key) {
        return jdbc.sql(FIND)
                .param("project", project)
                .param("key", key)
                .query((rs, n) -> new Stored(
                        rs.getBytes("request_digest"),
                        rs.getInt("status"),
                        rs.getBytes("response"),
                        rs.getString("namespace")))
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

    void delete(UUID project, String key) {
        jdbc.sql(DELETE).param("project", project).param("key", key).update();
    }

    int deleteNamespace(UUID project, String ns) {
        return jdbc.sql(DELETE_NAMESPACE)
                .param("project", project)
                .param("ns", ns)
                .update();
    }

    int deleteExpired(UUID project) {
        return jdbc.sql(DELETE_EXPIRED).param("project", project).update();
    }
}
