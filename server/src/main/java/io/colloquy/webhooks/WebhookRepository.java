package io.colloquy.webhooks;

import io.colloquy.crypto.FieldRef;
import io.colloquy.crypto.StoredValues;
import io.colloquy.platform.Sql;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Webhooks and their delivery logs; every statement runs under the tenant context (RLS). */
@Repository
class WebhookRepository {
    static final String TABLE = "webhooks";
    private static final String INSERT = """
            INSERT INTO colloquy.webhooks
                (project_id, webhook_id, url, events, namespace, include_data, status, secret, cursor_seq,
                 next_attempt_at, created_at, updated_at)
            VALUES (:project, :id, :url, :events, :ns, :includeData, 'active', :secret, :cursor, :now, :now, :now)
            """;
    private static final String FIND = """
            SELECT * FROM colloquy.webhooks WHERE project_id = :project AND webhook_id = :id
            """;
    private static final String LIST = """
            SELECT * FROM colloquy.webhooks
             WHERE project_id = :project AND (CAST(:after AS uuid) IS NULL OR webhook_id > CAST(:after AS uuid))
             ORDER BY webhook_id
             LIMIT :limit
            """;
    private static final String COUNT = """
            SELECT count(*) FROM colloquy.webhooks WHERE project_id = :project
            """;
    private static final String LOCK_PROJECT_WEBHOOKS = """
            SELECT pg_advisory_xact_lock(2003462763, hashtext(CAST(:project AS text)))
            """;
    private static final String DELETE = """
            DELETE FROM colloquy.webhooks WHERE project_id = :project AND webhook_id = :id
            """;
    private static final String DUE = """
            SELECT webhook_id FROM colloquy.webhooks
             WHERE project_id = :project AND status = 'active' AND next_attempt_at <= :now
             ORDER BY next_attempt_at
            """;
    private static final String ADVANCE = """
            UPDATE colloquy.webhooks
               SET cursor_seq = :seq, attempts = 0, failing_since = NULL, next_attempt_at = :now
             WHERE project_id = :project AND webhook_id = :id AND cursor_seq < :seq
            """;
    private static final String FAILED = """
            UPDATE colloquy.webhooks
               SET attempts = :attempts, failing_since = :failingSince, next_attempt_at = :next
             WHERE project_id = :project AND webhook_id = :id AND status = 'active'
            """;
    private static final String DISABLE = """
            UPDATE colloquy.webhooks
               SET status = 'disabled', disabled_reason = :reason, updated_at = :now
             WHERE project_id = :project AND webhook_id = :id AND status = 'active'
            """;
    private static final String ROTATE = """
            UPDATE colloquy.webhooks
               SET secret = :secret, previous_secret = :previous, previous_secret_until = :until, updated_at = :now
             WHERE project_id = :project AND webhook_id = :id
            """;
    private static final String INSERT_DELIVERY = """
            INSERT INTO colloquy.webhook_deliveries
                (project_id, webhook_id, delivery_id, event_seq, event_id, attempt, status_code, error, latency_ms,
                 next_retry_at, at)
            VALUES (:project, :webhook, :id, :seq, :event, :attempt, :status, :error, :latency, :next, :at)
            """;
    /** Keeps the newest {@code :keep} attempts of the webhook (delivery ids are UUIDv7: time-ordered). */
    private static final String PRUNE_DELIVERIES = """
            DELETE FROM colloquy.webhook_deliveries
             WHERE project_id = :project AND webhook_id = :webhook
               AND delivery_id < (SELECT delivery_id FROM colloquy.webhook_deliveries
                                   WHERE project_id = :project AND webhook_id = :webhook
                                   ORDER BY delivery_id DESC OFFSET :keep - 1 LIMIT 1)
            """;

    private static final String DELIVERIES = """
            SELECT * FROM colloquy.webhook_deliveries
             WHERE project_id = :project AND webhook_id = :webhook
               AND (CAST(:before AS uuid) IS NULL OR delivery_id < CAST(:before AS uuid))
             ORDER BY delivery_id DESC
             LIMIT :limit
            """;
    private static final String OLDER_SECRETS = """
            SELECT * FROM colloquy.webhooks
             WHERE project_id = :project
               AND (substring(secret from 2 for 4) <> int4send(CAST(:v AS integer))
                    OR substring(previous_secret from 2 for 4) <> int4send(CAST(:v AS integer)))
             LIMIT :limit
            """;
    private static final String RESEAL = """
            UPDATE colloquy.webhooks SET secret = :secret, previous_secret = :previous
             WHERE project_id = :project AND webhook_id = :id
            """;

    private final JdbcClient jdbc;
    private final StoredValues values;

    WebhookRepository(JdbcClient jdbc, StoredValues values) {
        this.jdbc = jdbc;
        this.values = values;
    }

    /** The projects with an active webhook due now (colloquy.webhook_due_projects, V40); no tenant context needed. */
    List<UUID> dueProjects(Instant now) {
        return jdbc.sql("SELECT colloquy.webhook_due_projects(:now)")
                .param("now", Sql.timestamptz(now))
                .query(UUID.class)
                .list();
    }

    /** Serialises webhook creations of one project until commit, so the per-project limit holds. */
    void lockProjectWebhooks(UUID project) {
        jdbc.sql(LOCK_PROJECT_WEBHOOKS)
                .param("project", project)
                .query((rs, n) -> 1)
                .list();
    }

    long count(UUID project) {
        return jdbc.sql(COUNT).param("project", project).query(Long.class).single();
    }

    void insert(Webhook w) {
        jdbc.sql(INSERT)
                .param("project", w.projectId())
                .param("id", w.id())
                .param("url", w.url())
                .param("events", w.events().toArray(String[]::new))
                .param("ns", w.namespace())
                .param("includeData", w.includeData())
                .param("secret", seal(w.projectId(), w.id(), "secret", w.secret()))
                .param("cursor", w.cursorSeq())
                .param("now", Sql.timestamptz(w.createdAt()))
                .update();
    }

    /** A webhook; its secrets opened only when {@code secrets} (else they read as empty strings). */
    Optional<Webhook> find(UUID project, UUID id, boolean secrets) {
        return jdbc.sql(FIND)
                .param("project", project)
                .param("id", id)
                .query((rs, n) -> map(rs, secrets))
                .optional();
    }

    List<Webhook> list(UUID project, @Nullable UUID after, int limit) {
        return jdbc.sql(LIST)
                .param("project", project)
                .param("after", after)
                .param("limit", limit)
                .query((rs, n) -> map(rs, false))
                .list();
    }

    List<UUID> ids(UUID project) {
        return jdbc.sql("SELECT webhook_id FROM colloquy.webhooks WHERE project_id = :project ORDER BY webhook_id")
                .param("project", project)
                .query(UUID.class)
                .list();
    }

    boolean delete(UUID project, UUID id) {
        return jdbc.sql(DELETE).param("project", project).param("id", id).update() == 1;
    }

    List<UUID> due(UUID project, Instant now) {
        return jdbc.sql(DUE)
                .param("project", project)
                .param("now", Sql.timestamptz(now))
                .query(UUID.class)
                .list();
    }

    /** Moves the cursor forward to {@code seq} (never back) and clears the failure state. */
    void advance(UUID project, UUID id, long seq, Instant now) {
        jdbc.sql(ADVANCE)
                .param("project", project)
                .param("id", id)
                .param("seq", seq)
                .param("now", Sql.timestamptz(now))
                .update();
    }

    void failed(UUID project, UUID id, int attempts, Instant failingSince, Instant next) {
        jdbc.sql(FAILED)
                .param("project", project)
                .param("id", id)
                .param("attempts", attempts)
                .param("failingSince", Sql.timestamptz(failingSince))
                .param("next", Sql.timestamptz(next))
                .update();
    }

    boolean disable(UUID project, UUID id, String reason, Instant now) {
        return jdbc.sql(DISABLE)
                        .param("project", project)
                        .param("id", id)
                        .param("reason", reason)
                        .param("now", Sql.timestamptz(now))
                        .update()
                == 1;
    }

    void rotate(UUID project, UUID id, String secret, @Nullable String previous, @Nullable Instant until, Instant now) {
        jdbc.sql(ROTATE)
                .param("project", project)
                .param("id", id)
                .param("secret", seal(project, id, "secret", secret))
                .param("previous", previous == null ? null : seal(project, id, "previous_secret", previous))
                .param("until", Sql.timestamptz(until))
                .param("now", Sql.timestamptz(now))
                .update();
    }

    void insertDelivery(UUID project, UUID webhook, Delivery d, int keep) {
        jdbc.sql(INSERT_DELIVERY)
                .param("project", project)
                .param("webhook", webhook)
                .param("id", d.id())
                .param("seq", d.eventSeq())
                .param("event", d.eventId())
                .param("attempt", d.attempt())
                .param("status", d.statusCode())
                .param("error", d.error())
                .param("latency", d.latencyMs())
                .param("next", Sql.timestamptz(d.nextRetryAt()))
                .param("at", Sql.timestamptz(d.at()))
                .update();
        jdbc.sql(PRUNE_DELIVERIES)
                .param("project", project)
                .param("webhook", webhook)
                .param("keep", keep)
                .update();
    }

    List<Delivery> deliveries(UUID project, UUID webhook, @Nullable UUID before, int limit) {
        return jdbc.sql(DELIVERIES)
                .param("project", project)
                .param("webhook", webhook)
                .param("before", before)
                .param("limit", limit)
                .query((rs, n) -> new Delivery(
                        rs.getObject("delivery_id", UUID.class),
                        rs.getLong("event_seq"),
                        rs.getString("event_id"),
                        rs.getInt("attempt"),
                        (Integer) rs.getObject("status_code"),
                        rs.getString("error"),
                        rs.getInt("latency_ms"),
                        Sql.instant(rs, "next_retry_at"),
                        Sql.requiredInstant(rs, "at")))
                .list();
    }

    /** Seals again, under the current key version, up to {@code limit} webhooks' secrets sealed under another. */
    int resealOlder(UUID project, int current, int limit) {
        List<Webhook> old = jdbc.sql(OLDER_SECRETS)
                .param("project", project)
                .param("v", current)
                .param("limit", limit)
                .query((rs, n) -> map(rs, true))
                .list();
        for (Webhook w : old) {
            jdbc.sql(RESEAL)
                    .param("project", project)
                    .param("id", w.id())
                    .param("secret", seal(project, w.id(), "secret", w.secret()))
                    .param(
                            "previous",
                            w.previousSecret() == null
                                    ? null
                                    : seal(project, w.id(), "previous_secret", w.previousSecret()))
                    .update();
        }
        return old.size();
    }

    private byte[] seal(UUID project, UUID id, String column, String secret) {
        return values.seal(ref(project, id, column), secret);
    }

    private Webhook map(ResultSet rs, boolean secrets) throws SQLException {
        UUID project = rs.getObject("project_id", UUID.class);
        UUID id = rs.getObject("webhook_id", UUID.class);
        byte[] previous = rs.getBytes("previous_secret");
        Array events = rs.getArray("events");
        return new Webhook(
                project,
                id,
                rs.getString("url"),
                Arrays.asList((String[]) events.getArray()),
                rs.getString("namespace"),
                rs.getBoolean("include_data"),
                Webhook.Status.valueOf(rs.getString("status").toUpperCase(java.util.Locale.ROOT)),
                rs.getString("disabled_reason"),
                secrets ? values.open(ref(project, id, "secret"), rs.getBytes("secret")) : "",
                previous == null ? null : secrets ? values.open(ref(project, id, "previous_secret"), previous) : "",
                Sql.instant(rs, "previous_secret_until"),
                rs.getLong("cursor_seq"),
                Sql.instant(rs, "failing_since"),
                rs.getInt("attempts"),
                Sql.requiredInstant(rs, "next_attempt_at"),
                Sql.requiredInstant(rs, "created_at"),
                Sql.requiredInstant(rs, "updated_at"));
    }

    private static FieldRef ref(UUID project, UUID id, String column) {
        return new FieldRef(project, "", TABLE, id, column);
    }
}
