-- The ids of all projects, for maintenance jobs (retention purge, key rotation) that must visit every
-- project and then work inside each one's own tenant transaction. Only ids: no tenant data. Kept in
-- step with colloquy.projects by a trigger that runs as the owner; the app role can only read it.
CREATE TABLE colloquy.project_registry (
    project_ref uuid        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_ref)
);

CREATE FUNCTION colloquy.track_project() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = colloquy, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO colloquy.project_registry (project_ref) VALUES (NEW.project_id) ON CONFLICT DO NOTHING;
        RETURN NEW;
    END IF;
    DELETE FROM colloquy.project_registry WHERE project_ref = OLD.project_id;
    RETURN OLD;
END;
$$;
REVOKE ALL ON FUNCTION colloquy.track_project() FROM PUBLIC;

CREATE TRIGGER projects_registry AFTER INSERT OR DELETE ON colloquy.projects
    FOR EACH ROW EXECUTE FUNCTION colloquy.track_project();

GRANT SELECT ON colloquy.project_registry TO ${app_role};
