-- Scale-out on Citus (docs/scale-out.md). On plain PostgreSQL nothing observable changes: the functions and
-- policies replaced here do what they did, in a form Citus can also run on distributed tables. When the citus
-- extension is installed in the database, colloquy.distribute_tables() (run after every migration by the
-- afterMigrate callback, so tables added by later migrations are distributed too) distributes every table
-- with a project column by it, colocated with colloquy.projects, and makes every other table a reference table.

-- 1. The key lookup. The projects row of a presented key was made readable by a policy with a subquery on
--    api_keys, which Citus cannot plan in a policy of a distributed table. Now begin_request first reads the
--    key (readable while app.key_id names it), then names the key's own project in app.key_project, which the
--    new policy compares with a plain equality; both settings are cleared before the tenant is set. The app
--    role could always name any project with set_tenant, so naming one in app.key_project gives it nothing new.
--    The touch of last_used_at names the key's project too, so on Citus it is routed to one shard.
DROP POLICY key_lookup ON colloquy.projects;
CREATE POLICY key_lookup ON colloquy.projects FOR SELECT
    USING (project_id = NULLIF(current_setting('app.key_project', true), '')::uuid);

CREATE OR REPLACE FUNCTION colloquy.begin_request(p_key_id uuid, p_digest bytea, p_namespace text)
    RETURNS TABLE (project_id uuid, capabilities text[], ip_allowlist text[], expires_at timestamptz,
                   project_plan text, project_ip_allowlist text[])
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    k record;
    p record;
BEGIN
    IF NULLIF(current_setting('app.project_id', true), '') IS NOT NULL THEN
        RAISE EXCEPTION 'tenant context is already set in this transaction' USING ERRCODE = '55000';
    END IF;
    EXECUTE format('SET LOCAL app.key_id = %L', p_key_id);
    SELECT ak.project_id, ak.capabilities, ak.secret_digest, ak.ip_allowlist, ak.expires_at, ak.last_used_at
      INTO k
      FROM colloquy.api_keys ak
     WHERE ak.key_id = p_key_id;
    IF NOT FOUND OR k.secret_digest IS DISTINCT FROM p_digest THEN
        SET LOCAL app.key_id = '';
        RETURN;
    END IF;
    EXECUTE format('SET LOCAL app.key_project = %L', k.project_id);
    SELECT pr.plan, pr.ip_allowlist INTO p FROM colloquy.projects pr WHERE pr.project_id = k.project_id;
    IF NOT FOUND THEN
        SET LOCAL app.key_id = '';
        SET LOCAL app.key_project = '';
        RETURN;
    END IF;
    IF k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute' THEN
        UPDATE colloquy.api_keys t SET last_used_at = now()
         WHERE t.project_id = k.project_id AND t.key_id = p_key_id
           AND t.key_id IN (SELECT l.key_id FROM colloquy.api_keys l
                             WHERE l.project_id = k.project_id AND l.key_id = p_key_id FOR UPDATE SKIP LOCKED);
    END IF;
    SET LOCAL app.key_id = '';
    SET LOCAL app.key_project = '';
    PERFORM colloquy.set_tenant(k.project_id, p_namespace);
    RETURN QUERY SELECT k.project_id, k.capabilities, k.ip_allowlist, k.expires_at, p.plan, p.ip_allowlist;
END;
$$;

-- The lookup of earlier versions (still callable during a rolling upgrade), under the new policy.
CREATE OR REPLACE FUNCTION colloquy.find_api_key_with_project(p_key_id uuid)
    RETURNS TABLE (project_id uuid, capabilities text[], secret_digest bytea, ip_allowlist text[],
                   expires_at timestamptz, last_used_at timestamptz,
                   project_plan text, project_ip_allowlist text[])
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    k record;
BEGIN
    EXECUTE format('SET LOCAL app.key_id = %L', p_key_id);
    FOR k IN SELECT ak.project_id, ak.capabilities, ak.secret_digest, ak.ip_allowlist, ak.expires_at, ak.last_used_at
               FROM colloquy.api_keys ak WHERE ak.key_id = p_key_id LOOP
        EXECUTE format('SET LOCAL app.key_project = %L', k.project_id);
        RETURN QUERY SELECT k.project_id, k.capabilities, k.secret_digest, k.ip_allowlist, k.expires_at,
                            k.last_used_at, pr.plan, pr.ip_allowlist
                       FROM colloquy.projects pr WHERE pr.project_id = k.project_id;
        SET LOCAL app.key_project = '';
    END LOOP;
END;
$$;

-- 2. The append-only triggers run on Citus's shards, named <table>_<shardid>: the check of the table name
--    accepts that form. Same decisions as V23 otherwise.
CREATE OR REPLACE FUNCTION colloquy.audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    owner_name name := (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = TG_RELID);
    events boolean := TG_TABLE_NAME ~ '^audit_events(_[0-9]+)?$';
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('colloquy.erasing_project_log', true) = OLD.project_id::text
       AND current_user = owner_name THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND events
       AND current_setting('colloquy.resealing_audit_data', true) = OLD.project_id::text
       AND current_user = owner_name
       AND (to_jsonb(NEW) ->> 'data') IS NOT NULL
       AND (to_jsonb(NEW) - 'data') = (to_jsonb(OLD) - 'data') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND events
       AND current_setting('colloquy.erasing_audit_data', true) = OLD.project_id::text
       AND current_user = owner_name
       AND (to_jsonb(NEW) ->> 'data') IS NULL
       AND (to_jsonb(NEW) - 'data') = (to_jsonb(OLD) - 'data') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = '42501';
END;
$$;

-- 3. The settings the append-only triggers read are set with SET LOCAL rather than set_config(..., true):
--    same transaction-local effect, and Citus (citus.propagate_set_commands = 'local') carries SET LOCAL to
--    the workers where the triggers run, which it never does for set_config.
CREATE OR REPLACE FUNCTION colloquy.erase_project_log(p_project uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_project IS DISTINCT FROM NULLIF(current_setting('app.project_id', true), '')::uuid THEN
        RAISE EXCEPTION 'only the project''s own tenant transaction may erase its log' USING ERRCODE = '42501';
    END IF;
    IF EXISTS (SELECT 1 FROM colloquy.projects WHERE project_id = p_project) THEN
        RAISE EXCEPTION 'the project still exists' USING ERRCODE = '55000';
    END IF;
    PERFORM pg_advisory_xact_lock(1635083376, hashtext(p_project::text));
    EXECUTE format('SET LOCAL colloquy.erasing_project_log = %L', p_project);
    DELETE FROM colloquy.audit_events WHERE project_id = p_project;
    DELETE FROM colloquy.audit_nodes WHERE project_id = p_project;
    DELETE FROM colloquy.audit_outbox WHERE project_id = p_project;
    DELETE FROM colloquy.audit_stream_tokens WHERE project_id = p_project;
    SET LOCAL colloquy.erasing_project_log = '';
END;
$$;

CREATE OR REPLACE FUNCTION colloquy.reseal_audit_data(p_project uuid, p_seq bigint, p_data bytea) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_project IS NULL
       OR p_project IS DISTINCT FROM NULLIF(current_setting('app.project_id', true), '')::uuid THEN
        RAISE EXCEPTION 'only the project''s own tenant transaction may reseal its log data' USING ERRCODE = '42501';
    END IF;
    IF p_data IS NULL OR p_seq IS NULL THEN
        RAISE EXCEPTION 'resealing needs an event and new sealed data' USING ERRCODE = '22004';
    END IF;
    EXECUTE format('SET LOCAL colloquy.resealing_audit_data = %L', p_project);
    UPDATE colloquy.audit_events SET data = p_data WHERE project_id = p_project AND seq = p_seq AND data IS NOT NULL;
    SET LOCAL colloquy.resealing_audit_data = '';
END;
$$;

CREATE OR REPLACE FUNCTION colloquy.erase_audit_data(p_project uuid, p_entity_ids text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_project IS NULL
       OR p_project IS DISTINCT FROM NULLIF(current_setting('app.project_id', true), '')::uuid THEN
        RAISE EXCEPTION 'only the project''s own tenant transaction may erase its log data' USING ERRCODE = '42501';
    END IF;
    IF p_entity_ids IS NULL THEN
        RAISE EXCEPTION 'no entities given' USING ERRCODE = '22004';
    END IF;
    UPDATE colloquy.audit_outbox SET data = NULL
     WHERE project_id = p_project AND entity_id = ANY (p_entity_ids) AND data IS NOT NULL;
    EXECUTE format('SET LOCAL colloquy.erasing_audit_data = %L', p_project);
    UPDATE colloquy.audit_events SET data = NULL
     WHERE project_id = p_project AND entity_id = ANY (p_entity_ids) AND data IS NOT NULL;
    SET LOCAL colloquy.erasing_audit_data = '';
END;
$$;

-- 4. An outbox row's place in the order, drawn where the sequencer can see it: on Citus the outbox trigger
--    would run on the worker holding the shard (no colloquy.audit_ord there, and its writer lock invisible to
--    the sequencer), so there the column default draws the place instead, and Citus evaluates defaults on the
--    coordinator, in the request's own transaction. Same steps as the trigger (V29): the project's shared writer
--    lock, the transaction id, then the place. The project is the tenant's: the outbox policy admits no other.
CREATE FUNCTION colloquy.audit_place() RETURNS bigint
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(1635083383, hashtext(NULLIF(current_setting('app.project_id', true), '')));
    PERFORM pg_current_xact_id();
    RETURN nextval('colloquy.audit_ord');
END;
$$;
REVOKE ALL ON FUNCTION colloquy.audit_place() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colloquy.audit_place() TO ${app_role};

-- 5. The webhook worker's question as PL/pgSQL: Citus cannot plan a LANGUAGE sql function with a parameter on a
--    distributed table. Same query, owner, security and grants (V40).
CREATE OR REPLACE FUNCTION colloquy.webhook_due_projects(p_now timestamptz) RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY SELECT DISTINCT w.project_id FROM colloquy.webhooks w
                  WHERE w.status = 'active' AND w.next_attempt_at <= p_now;
END;
$$;

-- 6. Distribution. Every table of the schema except Flyway's history: by project_id (or the project column of
--    the two tables that name it otherwise) colocated with colloquy.projects, else a reference table. A table
--    whose foreign keys point at tables not distributed yet waits for them. Forced row-level security would
--    refuse the copy of rows already there, so it is lifted for the owner while a table is distributed and
--    forced again in the same transaction. Idempotent; a no-op without the citus extension.
CREATE FUNCTION colloquy.distribute_tables() RETURNS integer
    LANGUAGE plpgsql AS $$
DECLARE
    t record;
    done integer := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN 0;
    END IF;
    SET LOCAL citus.enable_unsafe_triggers = on;
    -- foreign keys between the tables distributed in one transaction: one connection per node
    SET LOCAL citus.multi_shard_modify_mode = 'sequential';
    -- what every later session of this database relies on (checked again at every start: DatabaseConfiguration)
    EXECUTE format('ALTER DATABASE %I SET citus.propagate_set_commands = local', current_database());
    EXECUTE format('ALTER DATABASE %I SET citus.enable_unsafe_triggers = on', current_database());

    IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'audit_outbox_order'
                AND tgrelid = 'colloquy.audit_outbox'::regclass) THEN
        DROP TRIGGER audit_outbox_order ON colloquy.audit_outbox;
        ALTER TABLE colloquy.audit_outbox ALTER COLUMN ord SET DEFAULT colloquy.audit_place();
    END IF;

    -- A receipt is written in the transaction that deletes the project or namespace it proves deleted: keyed by
    -- that project, it lives on the same node as the rest of that transaction's writes (one node, so Citus
    -- commits it in one phase: docs/scale-out.md, "The audit order on Citus"). Receipt ids stay random UUIDs.
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'deletion_receipts_pkey'
                AND conrelid = 'colloquy.deletion_receipts'::regclass
                AND conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = 'colloquy.deletion_receipts'::regclass
                                                                     AND attname = 'receipt_id')]::int2[]) THEN
        ALTER TABLE colloquy.deletion_receipts DROP CONSTRAINT deletion_receipts_pkey;
        ALTER TABLE colloquy.deletion_receipts ADD PRIMARY KEY (subject_project, receipt_id);
    END IF;

    -- V25 lets the app role update a key's last_used_at only, with a column grant. Citus neither copies column
    -- privileges to shards nor propagates column grants, so here the same rule is a trigger (enforced on every
    -- shard): the app role gets UPDATE on the table, and any change but last_used_at is refused.
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'api_keys_touch_only'
                    AND tgrelid = 'colloquy.api_keys'::regclass) THEN
        CREATE FUNCTION colloquy.api_keys_touch_only() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN
            IF current_user = '${app_role}'
               AND (to_jsonb(NEW) - 'last_used_at') IS DISTINCT FROM (to_jsonb(OLD) - 'last_used_at') THEN
                RAISE EXCEPTION 'the application role may only touch an API key''s last_used_at'
                    USING ERRCODE = '42501';
            END IF;
            RETURN NEW;
        END;
        $f$;
        REVOKE ALL ON FUNCTION colloquy.api_keys_touch_only() FROM PUBLIC;
        CREATE TRIGGER api_keys_touch_only BEFORE UPDATE ON colloquy.api_keys
            FOR EACH ROW EXECUTE FUNCTION colloquy.api_keys_touch_only();
        GRANT UPDATE ON colloquy.api_keys TO ${app_role};
    END IF;

    LOOP
        SELECT c.oid::regclass AS rel, c.relforcerowsecurity AS forced,
               (SELECT a.attname FROM pg_attribute a
                 WHERE a.attrelid = c.oid AND NOT a.attisdropped
                   AND a.attname IN ('project_id', 'project_ref', 'subject_project')
                 ORDER BY a.attnum LIMIT 1) AS project_column
          INTO t
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'colloquy' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
           AND c.relname <> 'flyway_schema_history'
           AND NOT EXISTS (SELECT 1 FROM pg_dist_partition d WHERE d.logicalrelid = c.oid)
           AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                            WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid <> c.oid
                              AND NOT EXISTS (SELECT 1 FROM pg_dist_partition d WHERE d.logicalrelid = f.confrelid))
         ORDER BY c.relname <> 'projects', c.relname
         LIMIT 1;
        EXIT WHEN NOT FOUND;
        IF t.forced THEN
            EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', t.rel);
        END IF;
        IF t.project_column IS NULL THEN
            PERFORM create_reference_table(t.rel);
        ELSIF t.rel = 'colloquy.projects'::regclass THEN
            PERFORM create_distributed_table(t.rel, t.project_column);
        ELSE
            PERFORM create_distributed_table(t.rel, t.project_column, colocate_with => 'colloquy.projects');
        END IF;
        IF t.forced THEN
            EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t.rel);
        END IF;
        done := done + 1;
    END LOOP;

    -- Functions whose plain-PostgreSQL form Citus cannot plan on distributed tables, in a form it can.
    -- The sequencer's question (V37, V38): a recursive CTE skipping through the outbox's primary key is refused
    -- ("recursive CTEs are only supported when they contain a filter on the distribution column"); each worker
    -- answers the same question for its shards with DISTINCT instead.
    CREATE OR REPLACE FUNCTION colloquy.audit_pending_projects(p_below bigint) RETURNS SETOF uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
    BEGIN
        RETURN QUERY SELECT DISTINCT o.project_id FROM colloquy.audit_outbox o WHERE o.ord < p_below;
    END;
    $f$;

    -- The sequencer's append (V30): its DELETE ... RETURNING feeding an INSERT ... SELECT, and its INSERT ... SELECT
    -- FROM unnest, become COPYs on Citus, refused under row-level security. The same moves and the same checks,
    -- one row per statement (each routed to the project's shards).
    CREATE OR REPLACE FUNCTION colloquy.audit_append(
            p_project uuid, p_ords bigint[], p_seqs bigint[], p_leaves text[],
            p_levels integer[], p_idxs bigint[], p_hashes text[]) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
    DECLARE
        size bigint;
        n integer := cardinality(p_ords);
        m record;
        expected bytea;
    BEGIN
        IF p_project IS NULL
           OR p_project IS DISTINCT FROM NULLIF(current_setting('app.project_id', true), '')::uuid THEN
            RAISE EXCEPTION 'only the project''s own tenant transaction may append to its log' USING ERRCODE = '42501';
        END IF;
        IF n IS NULL OR n = 0 OR cardinality(p_seqs) IS DISTINCT FROM n OR cardinality(p_leaves) IS DISTINCT FROM n
           OR cardinality(p_levels) IS DISTINCT FROM cardinality(p_idxs)
           OR cardinality(p_levels) IS DISTINCT FROM cardinality(p_hashes) THEN
            RAISE EXCEPTION 'an append needs events and nodes of matching lengths' USING ERRCODE = '22023';
        END IF;
        PERFORM pg_advisory_xact_lock(1635083376, hashtext(p_project::text));
        SELECT COALESCE(max(idx) + 1, 0) INTO size FROM colloquy.audit_nodes WHERE project_id = p_project AND level = 0;
        FOR i IN 1 .. n LOOP
            IF p_seqs[i] IS DISTINCT FROM size + i THEN
                RAISE EXCEPTION 'seqs must continue the log densely from %', size + 1 USING ERRCODE = '22023';
            END IF;
        END LOOP;
        FOR i IN 1 .. n LOOP
            DELETE FROM colloquy.audit_outbox WHERE project_id = p_project AND ord = p_ords[i] RETURNING * INTO m;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'only waiting outbox rows can be appended (% of %)', i - 1, n USING ERRCODE = '22023';
            END IF;
            INSERT INTO colloquy.audit_events
                (project_id, seq, event_id, at, namespace, entity_type, entity_id, action, actor_type, actor_id,
                 parent_id, idempotency_key, data, data_hash, leaf_hash)
            VALUES (m.project_id, p_seqs[i], m.event_id, m.at, m.namespace, m.entity_type, m.entity_id, m.action,
                    m.actor_type, m.actor_id, m.parent_id, m.idempotency_key, m.data, m.data_hash,
                    decode(p_leaves[i], 'hex'));
        END LOOP;
        FOR i IN 1 .. cardinality(p_levels) LOOP
            INSERT INTO colloquy.audit_nodes (project_id, level, idx, hash)
            VALUES (p_project, p_levels[i], p_idxs[i], decode(p_hashes[i], 'hex'));
        END LOOP;
        FOR i IN 1 .. cardinality(p_levels) LOOP
            IF p_levels[i] = 0 THEN
                SELECT e.leaf_hash INTO expected FROM colloquy.audit_events e
                 WHERE e.project_id = p_project AND e.seq = p_idxs[i] + 1;
            ELSE
                SELECT sha256('\x01'::bytea || l.hash || r.hash) INTO expected
                  FROM colloquy.audit_nodes l, colloquy.audit_nodes r
                 WHERE l.project_id = p_project AND l.level = p_levels[i] - 1 AND l.idx = 2 * p_idxs[i]
                   AND r.project_id = p_project AND r.level = p_levels[i] - 1 AND r.idx = 2 * p_idxs[i] + 1;
            END IF;
            IF decode(p_hashes[i], 'hex') IS DISTINCT FROM expected THEN
                RAISE EXCEPTION 'a Merkle node does not hash its children' USING ERRCODE = '22023';
            END IF;
        END LOOP;
        RETURN n;
    END;
    $f$;
    RETURN done;
END;
$$;
REVOKE ALL ON FUNCTION colloquy.distribute_tables() FROM PUBLIC;
