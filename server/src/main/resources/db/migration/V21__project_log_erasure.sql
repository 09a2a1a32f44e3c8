-- Project deletion is the one path that removes a project's audit log (the signed deletion receipt,
-- kept outside the project, is what remains). The append-only triggers let exactly one thing through:
-- a DELETE run by colloquy.erase_project_log, which executes as the table owner, only inside the
-- deleted project's own tenant transaction, and only once the project row is gone. The app role still
-- has no DELETE privilege on the log tables; a superuser's edits stay refused.
CREATE OR REPLACE FUNCTION colloquy.audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('colloquy.erasing_project_log', true) = OLD.project_id::text
       AND current_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = TG_RELID) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = '42501';
END;
$$;

CREATE FUNCTION colloquy.erase_project_log(p_project uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_project IS DISTINCT FROM NULLIF(current_setting('app.project_id', true), '')::uuid THEN
        RAISE EXCEPTION 'only the project''s own tenant transaction may erase its log' USING ERRCODE = '42501';
    END IF;
    IF EXISTS (SELECT 1 FROM colloquy.projects WHERE project_id = p_project) THEN
        RAISE EXCEPTION 'the project still exists' USING ERRCODE = '55000';
    END IF;
    PERFORM set_config('colloquy.erasing_project_log', p_project::text, true);
    DELETE FROM colloquy.audit_events WHERE project_id = p_project;
    DELETE FROM colloquy.audit_nodes WHERE project_id = p_project;
    DELETE FROM colloquy.audit_outbox WHERE project_id = p_project;
    DELETE FROM colloquy.audit_stream_tokens WHERE project_id = p_project;
    PERFORM set_config('colloquy.erasing_project_log', '', true);
END;
$$;
REVOKE ALL ON FUNCTION colloquy.erase_project_log(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colloquy.erase_project_log(uuid) TO ${app_role};
