-- The first statement of a request transaction: checks the presented API key and sets the tenant
-- context in the same round trip (before: an autocommitted key lookup, then set_tenant as the
-- transaction's first statement). The tenant's project is the key's own project, never client input;
-- the client only names the namespace of its path (validated by set_tenant). Only when the presented
-- secret's digest matches the stored one is the context set and a row returned; an unknown, revoked
-- (deleted) or mismatching key returns no row and sets nothing, and the caller rolls back at once.
-- Expiry and the IP allowlists are decided by the server on the returned row (it rolls back on a
-- refusal). last_used_at is touched at most once a minute and never waits for another request that is
-- touching the same key (SKIP LOCKED): the touch commits or rolls back with the request.
-- Like find_api_key_with_project it runs with the caller's rights under the key_lookup policies;
-- app.key_id is cleared again before it returns, so the rest of the transaction sees only its tenant.
CREATE FUNCTION colloquy.begin_request(p_key_id uuid, p_digest bytea, p_namespace text)
    RETURNS TABLE (project_id uuid, capabilities text[], ip_allowlist text[], expires_at timestamptz,
                   project_plan text, project_ip_allowlist text[])
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    k record;
BEGIN
    IF NULLIF(current_setting('app.project_id', true), '') IS NOT NULL THEN
        RAISE EXCEPTION 'tenant context is already set in this transaction' USING ERRCODE = '55000';
    END IF;
    EXECUTE format('SET LOCAL app.key_id = %L', p_key_id);
    SELECT ak.project_id, ak.capabilities, ak.secret_digest, ak.ip_allowlist, ak.expires_at,
           ak.last_used_at, p.plan, p.ip_allowlist AS project_ip_allowlist
      INTO k
      FROM colloquy.api_keys ak
      JOIN colloquy.projects p ON p.project_id = ak.project_id
     WHERE ak.key_id = p_key_id;
    IF NOT FOUND OR k.secret_digest IS DISTINCT FROM p_digest THEN
        SET LOCAL app.key_id = '';
        RETURN;
    END IF;
    IF k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute' THEN
        UPDATE colloquy.api_keys t SET last_used_at = now()
         WHERE t.key_id = p_key_id
           AND t.key_id IN (SELECT l.key_id FROM colloquy.api_keys l
                             WHERE l.key_id = p_key_id FOR UPDATE SKIP LOCKED);
    END IF;
    SET LOCAL app.key_id = '';
    PERFORM colloquy.set_tenant(k.project_id, p_namespace);
    RETURN QUERY SELECT k.project_id, k.capabilities, k.ip_allowlist, k.expires_at, k.plan,
                        k.project_ip_allowlist;
END;
$$;

REVOKE ALL ON FUNCTION colloquy.begin_request(uuid, bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colloquy.begin_request(uuid, bytea, text) TO ${app_role};
