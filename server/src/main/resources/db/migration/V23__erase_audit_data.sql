-- When an entity is removed for good (a message or dialogue deleted, a purge at the end of the recovery
-- window or by retention), the content its created/updated events carried must go too. The append-only
-- triggers let one more thing through: setting an event's `data` to NULL (and nothing else: every other
-- column must stay identical) by colloquy.erase_audit_data, which runs as the table owner, only inside that
-- project's own tenant transaction. The leaf hash commits to data_hash, not to the data, so the log still
-- verifies; since V23 data_hash is salted (the salt is sealed with the data and goes with it), so what
-- remains reveals nothing about the content. docs/audit.md, "Erased data".
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
       AND (to_jsonb(NEW) ->> 'data') IS NOT NULL
       AND (to_jsonb(NEW) - 'data') = (to_jsonb(OLD) - 'data') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'audit_events'
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

-- Finding an entity's events without reading the project's whole log (only events that still hold data).
CREATE INDEX audit_events_entity_data ON colloquy.audit_events (project_id, entity_id) WHERE data IS NOT NULL;

CREATE FUNCTION colloquy.erase_audit_data(p_project uuid, p_entity_ids text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_project IS NULL
       OR p_project IS DISTINCT FROM NULLIF(current_setting('app.project_id', true), '')::uuid THEN
        RAISE EXCEPTION 'only the project''s own tenant transaction may erase its log data' USING ERRCODE = '42501';
    END IF;
    IF p_entity_ids IS NULL THEN
        RAISE EXCEPTION 'no entities given' USING ERRCODE = '22004';
    END IF;
    -- The outbox first: a row the sequencer moves meanwhile either waits for this transaction (and moves
    -- without data) or is already in audit_events for the next statement, which takes a new snapshot.
    UPDATE colloquy.audit_outbox SET data = NULL
     WHERE project_id = p_project AND entity_id = ANY (p_entity_ids) AND data IS NOT NULL;
    PERFORM set_config('colloquy.erasing_audit_data', p_project::text, true);
    UPDATE colloquy.audit_events SET data = NULL
     WHERE project_id = p_project AND entity_id = ANY (p_entity_ids) AND data IS NOT NULL;
    PERFORM set_config('colloquy.erasing_audit_data', '', true);
END;
$$;
REVOKE ALL ON FUNCTION colloquy.erase_audit_data(uuid, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colloquy.erase_audit_data(uuid, text[]) TO ${app_role};
