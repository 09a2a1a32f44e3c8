-- The audit log (docs/audit.md). Every change writes one event into audit_outbox in its own
-- transaction; the sequencer later moves committed events into audit_events with a dense per-project
-- seq and appends their leaves and every completed subtree to the project's Merkle tree
-- (audit_nodes). audit_events and audit_nodes are append-only for every role.

-- The order events are sequenced in. CACHE 1 (the default): values are handed out in the order they
-- are drawn, across sessions. A transaction takes its place only after it has locked what it
-- changed, so two changes of one entity keep their order.
CREATE SEQUENCE colloquy.audit_ord;

CREATE TABLE colloquy.audit_outbox (
    project_id      uuid        NOT NULL,
    ord             bigint      NOT NULL DEFAULT 0,
    event_id        uuid        NOT NULL,
    at              timestamptz NOT NULL,
    namespace       text        CHECK (namespace ~ '^[A-Za-z0-9._:-]{1,128}$'),
    entity_type     text        NOT NULL,
    entity_id       text        NOT NULL,
    action          text        NOT NULL,
    actor_type      text        NOT NULL,
    actor_id        text        NOT NULL,
    parent_id       uuid,
    idempotency_key text,
    data            bytea,
    data_hash       bytea       CHECK (length(data_hash) = 32),
    PRIMARY KEY (project_id, ord)
);

-- The transaction gets its id BEFORE it draws its place in the order: the sequencer relies on
-- "every ord below W was drawn by a transaction whose xid is below the next snapshot's xmax".
CREATE FUNCTION colloquy.audit_outbox_order() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_current_xact_id();
    NEW.ord := nextval('colloquy.audit_ord');
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_outbox_order BEFORE INSERT ON colloquy.audit_outbox
    FOR EACH ROW EXECUTE FUNCTION colloquy.audit_outbox_order();

CREATE TABLE colloquy.audit_events (
    project_id      uuid        NOT NULL,
    seq             bigint      NOT NULL CHECK (seq > 0),
    event_id        uuid        NOT NULL,
    at              timestamptz NOT NULL,
    namespace       text        CHECK (namespace ~ '^[A-Za-z0-9._:-]{1,128}$'),
    entity_type     text        NOT NULL,
    entity_id       text        NOT NULL,
    action          text        NOT NULL,
    actor_type      text        NOT NULL,
    actor_id        text        NOT NULL,
    parent_id       uuid,
    idempotency_key text,
    data            bytea,
    data_hash       bytea       CHECK (length(data_hash) = 32),
    leaf_hash       bytea       NOT NULL CHECK (length(leaf_hash) = 32),
    sequenced_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, seq)
);
CREATE INDEX audit_events_namespace ON colloquy.audit_events (project_id, namespace, seq);

-- Hashes of the complete (perfect) subtrees of a project's tree: level 0 holds the leaves, node
-- (level, idx) covers leaves [idx * 2^level, (idx + 1) * 2^level). Any root or proof needs at most
-- about 2 log2(n) of them.
CREATE TABLE colloquy.audit_nodes (
    project_id uuid     NOT NULL,
    level      smallint NOT NULL CHECK (level BETWEEN 0 AND 62),
    idx        bigint   NOT NULL CHECK (idx >= 0),
    hash       bytea    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (project_id, level, idx)
);

-- Single-use tokens for browser WebSocket clients (only a SHA-256 digest is stored).
CREATE TABLE colloquy.audit_stream_tokens (
    project_id   uuid        NOT NULL,
    token_digest bytea       NOT NULL,
    key_id       uuid        NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (project_id, token_digest)
);

-- Append-only: no role may change or remove a row of the log (the app role is not even granted it;
-- the triggers stop the owner too). Removing a deleted project's log is the governance work's path.
CREATE FUNCTION colloquy.audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = '42501';
END;
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON colloquy.audit_events
    FOR EACH ROW EXECUTE FUNCTION colloquy.audit_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON colloquy.audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION colloquy.audit_refuse_change();
CREATE TRIGGER audit_nodes_append_only BEFORE UPDATE OR DELETE ON colloquy.audit_nodes
    FOR EACH ROW EXECUTE FUNCTION colloquy.audit_refuse_change();
CREATE TRIGGER audit_nodes_no_truncate BEFORE TRUNCATE ON colloquy.audit_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION colloquy.audit_refuse_change();

ALTER TABLE colloquy.audit_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.audit_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.audit_outbox
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid
           AND (namespace IS NULL OR NULLIF(current_setting('app.namespace', true), '') IN (namespace, '*')));

ALTER TABLE colloquy.audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.audit_events
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);

ALTER TABLE colloquy.audit_nodes ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.audit_nodes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.audit_nodes
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);

ALTER TABLE colloquy.audit_stream_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.audit_stream_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.audit_stream_tokens
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);

-- The sequencer must learn WHICH projects have events waiting, while the app role only ever sees one
-- project. This function (owned by the owner role, SECURITY DEFINER) answers exactly that: project ids
-- with events below a place in the order, nothing else. FORCE ROW LEVEL SECURITY applies to the owner
-- too, so the owner gets a read-only policy on the outbox; it owns the table and could switch RLS off
-- anyway, so this grants it nothing new.
CREATE POLICY sequencer_scan ON colloquy.audit_outbox FOR SELECT TO CURRENT_USER USING (true);

CREATE FUNCTION colloquy.audit_pending_projects(p_below bigint) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT DISTINCT o.project_id FROM colloquy.audit_outbox o WHERE o.ord < p_below
$$;

REVOKE ALL ON FUNCTION colloquy.audit_pending_projects(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colloquy.audit_pending_projects(bigint) TO ${app_role};
REVOKE ALL ON FUNCTION colloquy.audit_outbox_order() FROM PUBLIC;
REVOKE ALL ON FUNCTION colloquy.audit_refuse_change() FROM PUBLIC;
GRANT USAGE ON SEQUENCE colloquy.audit_ord TO ${app_role};
GRANT SELECT, INSERT, DELETE ON colloquy.audit_outbox, colloquy.audit_stream_tokens TO ${app_role};
GRANT SELECT, INSERT ON colloquy.audit_events, colloquy.audit_nodes TO ${app_role};
