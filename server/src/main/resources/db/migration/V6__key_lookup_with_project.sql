-- Authentication decides the IP allowlist and the rate limit right after the key lookup, before any
-- tenant data is read, so the lookup also returns the key's project's plan and IP allowlist. The
-- project row becomes readable exactly while app.key_id names one of its keys (set by the lookup
-- function, transaction-local), and only for SELECT: nothing else of any project is exposed.
CREATE POLICY key_lookup ON colloquy.projects FOR SELECT
    USING (EXISTS (SELECT 1 FROM colloquy.api_keys k
                    WHERE k.project_id = projects.project_id
                      AND k.key_id = NULLIF(current_setting('app.key_id', true), '')::uuid));

-- A new function rather than a changed find_api_key: a server of the previous version may still be
-- running against this database during a rolling upgrade, and it calls the old one.
CREATE FUNCTION colloquy.find_api_key_with_project(p_key_id uuid)
    RETURNS TABLE (project_id uuid, capabilities text[], secret_digest bytea, ip_allowlist text[],
                   expires_at timestamptz, last_used_at timestamptz,
                   project_plan text, project_ip_allowlist text[])
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    EXECUTE format('SET LOCAL app.key_id = %L', p_key_id);
    RETURN QUERY SELECT k.project_id, k.capabilities, k.secret_digest, k.ip_allowlist, k.expires_at,
                        k.last_used_at, p.plan, p.ip_allowlist
                   FROM colloquy.api_keys k
                   JOIN colloquy.projects p ON p.project_id = k.project_id
                  WHERE k.key_id = p_key_id;
END;
$$;

REVOKE ALL ON FUNCTION colloquy.find_api_key_with_project(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colloquy.find_api_key_with_project(uuid) TO ${app_role};
