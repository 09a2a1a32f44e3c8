-- Data key rotation retires old key versions only once nothing is sealed under them, audit event data
-- included. The append-only triggers let one more thing through: replacing an event's sealed `data`
-- (and nothing else: every other column must stay identical) by colloquy.reseal_audit_data, which
-- runs as the table owner, only inside that project's tenant transaction. The leaf hash commits to
-- data_hash, not to the ciphertext, so the log's evidence is unchanged.
CREATE OR REPLACE FUNCTION colloquy.audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    owner_name name := (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = TG_RELID);
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('colloquy.erasing_project_log', true) = OLD.project_id::text
       AND current_user = owner_name THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'audit_events'
       AND current_setting('colloquy.resealing_audit_data', true) = OLD.project_id::text
       AND current_user = owner_name
       AND (to_jsonb(NEW) - 'data') = (to_jsonb(OLD) - 'data') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = '42501';
END;
$$;

CREATE FUNCTION colloquy.reseal_audit_data(p_project uuid, p_seq bigint, p_data bytea) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_project IS DISTINCT FROM NULLIF(current_setting('app.project_id', true), '')::uuid THEN
        RAISE EXCEPTION 'only the project''s own tenant transaction may reseal its log data' USING ERRCODE = '42501';
    END IF;
    PERFORM set_config('colloquy.resealing_audit_data', p_project::text, true);
    UPDATE colloquy.audit_events SET data = p_data WHERE project_id = p_project AND seq = p_seq AND data IS NOT NULL;
    PERFORM set_config('colloquy.resealing_audit_data', '', true);
END;
$$;
REVOKE ALL ON FUNCTION colloquy.reseal_audit_data(uuid, bigint, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colloquy.reseal_audit_data(uuid, bigint, bytea) TO ${app_role};
