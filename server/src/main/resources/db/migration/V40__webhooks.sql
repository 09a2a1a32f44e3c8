-- Outbound webhooks (docs/webhooks.md). A webhook is project-level (its namespace is a filter, not
-- a scope); its signing secret is stored sealed under the project's data key (namespace ''), never
-- in clear. Delivery is driven by the audit log: cursor_seq is the last seq of the project's log the
-- receiver acknowledged (2xx) or the webhook skipped (filtered out); it only moves forward.
CREATE TABLE colloquy.webhooks (
    project_id          uuid        NOT NULL,
    webhook_id          uuid        NOT NULL,
    url                 text        NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    events              text[]      NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 50),
    namespace           text        CHECK (namespace ~ '^[A-Za-z0-9._:-]{1,128}$'),
    include_data        boolean     NOT NULL DEFAULT true,
    status              text        NOT NULL CHECK (status IN ('active', 'disabled')),
    disabled_reason     text,
    secret              bytea       NOT NULL,
    previous_secret     bytea,
    previous_secret_until timestamptz,
    cursor_seq          bigint      NOT NULL CHECK (cursor_seq >= 0),
    -- the delivery of the event after cursor_seq that keeps failing: since when, how often, when next
    failing_since       timestamptz,
    attempts            integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at     timestamptz NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (project_id, webhook_id),
    FOREIGN KEY (project_id) REFERENCES colloquy.projects (project_id) ON DELETE CASCADE
);
CREATE INDEX webhooks_due ON colloquy.webhooks (next_attempt_at) WHERE status = 'active';

-- The last attempts of each webhook (bounded: the service prunes all but the newest of each webhook).
CREATE TABLE colloquy.webhook_deliveries (
    project_id    uuid        NOT NULL,
    webhook_id    uuid        NOT NULL,
    delivery_id   uuid        NOT NULL,
    event_seq     bigint      NOT NULL,
    event_id      text        NOT NULL,
    attempt       integer     NOT NULL CHECK (attempt >= 1),
    status_code   integer,
    error         text,
    latency_ms    integer     NOT NULL CHECK (latency_ms >= 0),
    next_retry_at timestamptz,
    at            timestamptz NOT NULL,
    PRIMARY KEY (project_id, webhook_id, delivery_id),
    FOREIGN KEY (project_id, webhook_id) REFERENCES colloquy.webhooks (project_id, webhook_id) ON DELETE CASCADE
);

ALTER TABLE colloquy.webhooks ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.webhooks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.webhooks
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);

ALTER TABLE colloquy.webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.webhook_deliveries
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);

-- The delivery worker must learn WHICH projects have a webhook due, while the app role only ever sees
-- one project: this function (owner, SECURITY DEFINER) answers exactly that and nothing else, like
-- colloquy.audit_pending_projects. The owner's read-only policy is needed because RLS is forced.
CREATE POLICY webhook_scan ON colloquy.webhooks FOR SELECT TO CURRENT_USER USING (true);

CREATE FUNCTION colloquy.webhook_due_projects(p_now timestamptz) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT DISTINCT w.project_id FROM colloquy.webhooks w
     WHERE w.status = 'active' AND w.next_attempt_at <= p_now
$$;

REVOKE ALL ON FUNCTION colloquy.webhook_due_projects(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colloquy.webhook_due_projects(timestamptz) TO ${app_role};
GRANT SELECT, INSERT, UPDATE, DELETE ON colloquy.webhooks, colloquy.webhook_deliveries TO ${app_role};
