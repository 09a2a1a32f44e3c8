-- Projects and their API keys. Only a SHA-256 digest of a key's secret is stored.
CREATE TABLE colloquy.projects (
    project_id                       uuid        NOT NULL,
    name                             text        NOT NULL,
    plan                             text        NOT NULL,
    immutable_dialogues              boolean     NOT NULL DEFAULT false,
    delete_protection                boolean     NOT NULL DEFAULT false,
    ip_allowlist                     text[]      NOT NULL DEFAULT '{}',
    retention_dialogue_days          integer,
    retention_short_term_memory_days integer,
    retention_long_term_memory_days  integer,
    recovery_window_days             integer     NOT NULL DEFAULT 0 CHECK (recovery_window_days >= 0),
    created_at                       timestamptz NOT NULL,
    updated_at                       timestamptz NOT NULL,
    PRIMARY KEY (project_id)
);

CREATE TABLE colloquy.api_keys (
    project_id    uuid        NOT NULL,
    key_id        uuid        NOT NULL,
    name          text,
    capabilities  text[]      NOT NULL,
    secret_digest bytea       NOT NULL,
    ip_allowlist  text[]      NOT NULL DEFAULT '{}',
    expires_at    timestamptz,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    PRIMARY KEY (project_id, key_id),
    FOREIGN KEY (project_id) REFERENCES colloquy.projects (project_id) ON DELETE CASCADE
);
-- Authentication finds a key by its id before the tenant is known (see colloquy.find_api_key).
CREATE INDEX api_keys_key_id ON colloquy.api_keys (key_id);

ALTER TABLE colloquy.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.projects
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);

ALTER TABLE colloquy.api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.api_keys
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);
-- The one row a presented key names is visible (and its last_used_at touchable) while app.key_id
-- holds its id: authentication can read exactly the key it verifies and nothing else.
CREATE POLICY key_lookup ON colloquy.api_keys FOR SELECT
    USING (key_id = NULLIF(current_setting('app.key_id', true), '')::uuid);
CREATE POLICY key_touch ON colloquy.api_keys FOR UPDATE
    USING (key_id = NULLIF(current_setting('app.key_id', true), '')::uuid)
    WITH CHECK (key_id = NULLIF(current_setting('app.key_id', true), '')::uuid);

CREATE FUNCTION colloquy.find_api_key(p_key_id uuid)
    RETURNS TABLE (project_id uuid, capabilities text[], secret_digest bytea, ip_allowlist text[],
                   expires_at timestamptz, last_used_at timestamptz)
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    EXECUTE format('SET LOCAL app.key_id = %L', p_key_id);
    RETURN QUERY SELECT k.project_id, k.capabilities, k.secret_digest, k.ip_allowlist, k.expires_at, k.last_used_at
                   FROM colloquy.api_keys k WHERE k.key_id = p_key_id;
END;
$$;

CREATE FUNCTION colloquy.touch_api_key(p_key_id uuid) RETURNS void
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    EXECUTE format('SET LOCAL app.key_id = %L', p_key_id);
    UPDATE colloquy.api_keys SET last_used_at = now() WHERE key_id = p_key_id;
END;
$$;

REVOKE ALL ON FUNCTION colloquy.find_api_key(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION colloquy.touch_api_key(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colloquy.find_api_key(uuid) TO ${app_role};
GRANT EXECUTE ON FUNCTION colloquy.touch_api_key(uuid) TO ${app_role};
GRANT SELECT, INSERT, UPDATE, DELETE ON colloquy.projects, colloquy.api_keys TO ${app_role};
