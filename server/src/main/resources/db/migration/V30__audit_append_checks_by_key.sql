-- The sequencer's append checked its new Merkle nodes with one five-way join (outer joins with conditions that
-- depend on each node's level), planned by PL/pgSQL once for every size of the log. Measured in bench/run.sh
-- under load: the append ran into the 15 s statement timeout, and no further event of that project became
-- readable. The same check as correlated primary-key look-ups per new node, whose cost does not depend on the
-- plan chosen or on the size of the log. Nothing else changes (grants and ownership stay with the function).
CREATE OR REPLACE FUNCTION colloquy.audit_append(
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

    -- Each new node against what it must hash, by primary-key look-ups: O(nodes appended) index probes
    -- whatever the size of the log.
    SELECT w.idx INTO bad
      FROM unnest(p_levels, p_idxs, p_hashes) AS w(level, idx, hash)
     WHERE decode(w.hash, 'hex') IS DISTINCT FROM
           CASE WHEN w.level = 0 THEN
                (SELECT e.leaf_hash FROM colloquy.audit_events e
                  WHERE e.project_id = p_project AND e.seq = w.idx + 1)
           ELSE sha256('\x01'::bytea
                || (SELECT l.hash FROM colloquy.audit_nodes l
                     WHERE l.project_id = p_project AND l.level = w.level - 1 AND l.idx = 2 * w.idx)
                || (SELECT r.hash FROM colloquy.audit_nodes r
                     WHERE r.project_id = p_project AND r.level = w.level - 1 AND r.idx = 2 * w.idx + 1))
           END
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a Merkle node does not hash its children' USING ERRCODE = '22023';
    END IF;
    RETURN moved;
END;
$$;
