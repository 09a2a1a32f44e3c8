-- The sequencer calls audit_pending_projects at the start of every round. As a LANGUAGE sql function
-- (SECURITY DEFINER, so never inlined) its query was planned again on every call: about 0.9 ms a call
-- for some 20 buffer reads (bench/pg_profile.sh). The same query (V37) in PL/pgSQL, whose plans are kept
-- for the session. Same signature, owner, grants and security as before.
CREATE OR REPLACE FUNCTION colloquy.audit_pending_projects(p_below bigint) RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY
    WITH RECURSIVE projects(project_id) AS (
        (SELECT o.project_id FROM colloquy.audit_outbox o ORDER BY o.project_id LIMIT 1)
        UNION ALL
        SELECT (SELECT o.project_id FROM colloquy.audit_outbox o
                 WHERE o.project_id > p.project_id ORDER BY o.project_id LIMIT 1)
          FROM projects p
         WHERE p.project_id IS NOT NULL)
    SELECT p.project_id FROM projects p
     WHERE p.project_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM colloquy.audit_outbox o WHERE o.project_id = p.project_id AND o.ord < p_below);
END;
$$;
