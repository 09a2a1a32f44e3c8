-- (Hashes travel as hex text.) Only the sequencer's path may add to a project's log. The app role could INSERT into audit_events and
-- audit_nodes directly (any seq, any hash); now it can't: it may only call colloquy.audit_append, which
-- runs as the owner, only inside the project's own tenant transaction, and only MOVES waiting outbox rows
-- into the log with the next dense seqs (size + 1, ...), then stores the new subtree hashes after checking
-- them: each leaf node is the leaf hash of its event, each higher node SHA-256(0x01 || left || right) of
-- its stored children. (The leaf hash itself is JCS over the event, checked by every verifier.)
CREATE FUNCTION colloquy.audit_append(
        p_project uuid, p_ords bigint[], p_seqs bigint[], p_leaves text[],
        p_levels integer[], p_idxs bigint[], p_hashes text[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    size bigint;
    n integer := cardinality(p_ords);
    moved integer;
    bad bigint;
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
    -- serializes with other sequencers of the project (the same lock SequencerRepository.lockProject takes)
    PERFORM pg_advisory_xact_lock(1635083376, hashtext(p_project::text));
    SELECT COALESCE(max(idx) + 1, 0) INTO size FROM colloquy.audit_nodes WHERE project_id = p_project AND level = 0;
    IF EXISTS (SELECT 1 FROM unnest(p_seqs) WITH ORDINALITY AS s(seq, i) WHERE s.seq IS DISTINCT FROM size + s.i) THEN
        RAISE EXCEPTION 'seqs must continue the log densely from %', size + 1 USING ERRCODE = '22023';
    END IF;

    WITH moved_rows AS (
        DELETE FROM colloquy.audit_outbox
         WHERE project_id = p_project AND ord = ANY (p_ords)
        RETURNING *)
    INSERT INTO colloquy.audit_events
        (project_id, seq, event_id, at, namespace, entity_type, entity_id, action, actor_type, actor_id,
         parent_id, idempotency_key, data, data_hash, leaf_hash)
    SELECT m.project_id, s.seq, m.event_id, m.at, m.namespace, m.entity_type, m.entity_id, m.action,
           m.actor_type, m.actor_id, m.parent_id, m.idempotency_key, m.data, m.data_hash, decode(s.leaf, 'hex')
      FROM moved_rows m
      JOIN unnest(p_ords, p_seqs, p_leaves) AS s(ord, seq, leaf) ON s.ord = m.ord;
    GET DIAGNOSTICS moved = ROW_COUNT;
    IF moved <> n THEN
        RAISE EXCEPTION 'only waiting outbox rows can be appended (% of %)', moved, n USING ERRCODE = '22023';
    END IF;

    INSERT INTO colloquy.audit_nodes (project_id, level, idx, hash)
    SELECT p_project, w.level, w.idx, decode(w.hash, 'hex')
      FROM unnest(p_levels, p_idxs, p_hashes) AS w(level, idx, hash);

    SELECT w.idx INTO bad
      FROM unnest(p_levels, p_idxs) AS w(level, idx)
      JOIN colloquy.audit_nodes nd ON nd.project_id = p_project AND nd.level = w.level AND nd.idx = w.idx
      LEFT JOIN colloquy.audit_events e ON w.level = 0 AND e.project_id = p_project AND e.seq = w.idx + 1
      LEFT JOIN colloquy.audit_nodes l ON w.level > 0 AND l.project_id = p_project AND l.level = w.level - 1
                                      AND l.idx = 2 * w.idx
      LEFT JOIN colloquy.audit_nodes r ON w.level > 0 AND r.project_id = p_project AND r.level = w.level - 1
                                      AND r.idx = 2 * w.idx + 1
     WHERE (w.level = 0 AND nd.hash IS DISTINCT FROM e.leaf_hash)
        OR (w.level > 0 AND nd.hash IS DISTINCT FROM sha256('\x01'::bytea || l.hash || r.hash))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a Merkle node does not hash its children' USING ERRCODE = '22023';
    END IF;
    RETURN moved;
END;
$$;
REVOKE ALL ON FUNCTION colloquy.audit_append(uuid, bigint[], bigint[], text[], integer[], bigint[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colloquy.audit_append(uuid, bigint[], bigint[], text[], integer[], bigint[], text[])
    TO ${app_role};
REVOKE INSERT ON colloquy.audit_events, colloquy.audit_nodes FROM ${app_role};

-- Resealing replaces sealed data with sealed data, never with nothing: dropping data is erasure's path
-- (colloquy.erase_audit_data), which only ever applies to removed entities.
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
    PERFORM set_config('colloquy.resealing_audit_data', p_project::text, true);
    UPDATE colloquy.audit_events SET data = p_data WHERE project_id = p_project AND seq = p_seq AND data IS NOT NULL;
    PERFORM set_config('colloquy.resealing_audit_data', '', true);
END;
$$;

-- Erasing a deleted project's log takes the project's sequencing lock first: a sequencer that was moving
-- the project's last events when the project was deleted commits before the erasure reads the log (and
-- finds nothing left to move after it), so no event of a deleted project survives the race.
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
    PERFORM set_config('colloquy.erasing_project_log', p_project::text, true);
    DELETE FROM colloquy.audit_events WHERE project_id = p_project;
    DELETE FROM colloquy.audit_nodes WHERE project_id = p_project;
    DELETE FROM colloquy.audit_outbox WHERE project_id = p_project;
    DELETE FROM colloquy.audit_stream_tokens WHERE project_id = p_project;
    PERFORM set_config('colloquy.erasing_project_log', '', true);
END;
$$;
