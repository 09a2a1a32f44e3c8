-- The tenant context: set exactly once per transaction, transaction-local (SET LOCAL), read by every
-- row-level security policy. A connection without it sees zero rows and can write none.
GRANT USAGE ON SCHEMA colloquy TO ${app_role};

CREATE FUNCTION colloquy.set_tenant(p_project uuid, p_namespace text) RETURNS void
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    current_project text := NULLIF(current_setting('app.project_id', true), '');
BEGIN
    IF p_project IS NULL THEN
        RAISE EXCEPTION 'tenant project is required' USING ERRCODE = '22023';
    END IF;
    IF p_namespace IS NULL OR (p_namespace <> '*' AND p_namespace !~ '^[A-Za-z0-9._:-]{1,128}$') THEN
        RAISE EXCEPTION 'tenant namespace is invalid' USING ERRCODE = '22023';
    END IF;
    IF current_project IS NOT NULL THEN
        RAISE EXCEPTION 'tenant context is already set in this transaction' USING ERRCODE = '55000';
    END IF;
    EXECUTE format('SET LOCAL app.project_id = %L', p_project);
    EXECUTE format('SET LOCAL app.namespace = %L', p_namespace);
END;
$$;

REVOKE ALL ON FUNCTION colloquy.set_tenant(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colloquy.set_tenant(uuid, text) TO ${app_role};
