-- Team accounts (docs/accounts.md): users, their memberships in projects with a role, invitations and
-- server-side sessions. Users and sessions belong to a person, not to a project: they carry no
-- project_id and are guarded by row-level security on the user the transaction acts for
-- (app.user_id, set by colloquy.set_user) or on the one row a lookup function names (app.login_email,
-- app.session_id, app.invite_id: transaction-local, like app.key_id for API keys). Memberships and
-- invitations are tenant data: project_id first, forced RLS on the tenant context.
CREATE TABLE colloquy.users (
    user_id       uuid        NOT NULL,
    email         text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    password_hash text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id)
);
-- one account per address, whatever its case
CREATE UNIQUE INDEX users_email_lower ON colloquy.users (lower(email));

CREATE TABLE colloquy.memberships (
    project_id uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    role       text        NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id),
    FOREIGN KEY (project_id) REFERENCES colloquy.projects (project_id) ON DELETE CASCADE
);
CREATE INDEX memberships_user ON colloquy.memberships (user_id);

CREATE TABLE colloquy.invites (
    project_id    uuid        NOT NULL,
    invite_id     uuid        NOT NULL,
    email         text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    role          text        NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    secret_digest bytea       NOT NULL CHECK (length(secret_digest) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (project_id, invite_id),
    FOREIGN KEY (project_id) REFERENCES colloquy.projects (project_id) ON DELETE CASCADE
);
CREATE INDEX invites_invite_id ON colloquy.invites (invite_id);

CREATE TABLE colloquy.sessions (
    session_id    uuid        NOT NULL,
    user_id       uuid        NOT NULL REFERENCES colloquy.users (user_id) ON DELETE CASCADE,
    secret_digest bytea       NOT NULL CHECK (length(secret_digest) = 32),
    csrf_token    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    address       text,
    user_agent    text,
    PRIMARY KEY (session_id)
);
CREATE INDEX sessions_user ON colloquy.sessions (user_id);

ALTER TABLE colloquy.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.users FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON colloquy.users
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (user_id = NULLIF(current_setting('app.user_id', true), '')::uuid);
CREATE POLICY login_lookup ON colloquy.users FOR SELECT
    USING (lower(email) = NULLIF(current_setting('app.login_email', true), ''));
-- the members of the tenant project (their email for the member list)
CREATE POLICY project_members ON colloquy.users FOR SELECT
    USING (EXISTS (SELECT 1 FROM colloquy.memberships m
                    WHERE m.user_id = users.user_id
                      AND m.project_id = NULLIF(current_setting('app.project_id', true), '')::uuid));

ALTER TABLE colloquy.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.memberships
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);
CREATE POLICY own_memberships ON colloquy.memberships FOR SELECT
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::uuid);

-- a user sees the projects they belong to (name, plan, allowlist), nothing else of them
CREATE POLICY member_projects ON colloquy.projects FOR SELECT
    USING (EXISTS (SELECT 1 FROM colloquy.memberships m
                    WHERE m.project_id = projects.project_id
                      AND m.user_id = NULLIF(current_setting('app.user_id', true), '')::uuid));

ALTER TABLE colloquy.invites ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.invites FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.invites
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);
CREATE POLICY invite_lookup ON colloquy.invites FOR SELECT
    USING (invite_id = NULLIF(current_setting('app.invite_id', true), '')::uuid);

ALTER TABLE colloquy.sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON colloquy.sessions
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::uuid)
    WITH CHECK (user_id = NULLIF(current_setting('app.user_id', true), '')::uuid);
CREATE POLICY session_lookup ON colloquy.sessions FOR SELECT
    USING (session_id = NULLIF(current_setting('app.session_id', true), '')::uuid);
CREATE POLICY session_touch ON colloquy.sessions FOR UPDATE
    USING (session_id = NULLIF(current_setting('app.session_id', true), '')::uuid)
    WITH CHECK (session_id = NULLIF(current_setting('app.session_id', true), '')::uuid);
CREATE POLICY session_end ON colloquy.sessions FOR DELETE
    USING (session_id = NULLIF(current_setting('app.session_id', true), '')::uuid);
-- an owner of the tenant project ends the sessions of one of its members (the route decides who may)
CREATE POLICY member_sessions_read ON colloquy.sessions FOR SELECT
    USING (EXISTS (SELECT 1 FROM colloquy.memberships m
                    WHERE m.user_id = sessions.user_id
                      AND m.project_id = NULLIF(current_setting('app.project_id', true), '')::uuid));
CREATE POLICY member_sessions_end ON colloquy.sessions FOR DELETE
    USING (EXISTS (SELECT 1 FROM colloquy.memberships m
                    WHERE m.user_id = sessions.user_id
                      AND m.project_id = NULLIF(current_setting('app.project_id', true), '')::uuid));

-- The user a transaction acts for: set at most once per transaction, transaction-local.
CREATE FUNCTION colloquy.set_user(p_user uuid) RETURNS void
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF p_user IS NULL THEN
        RAISE EXCEPTION 'user is required' USING ERRCODE = '22023';
    END IF;
    IF NULLIF(current_setting('app.user_id', true), '') IS NOT NULL THEN
        RAISE EXCEPTION 'user is already set in this transaction' USING ERRCODE = '55000';
    END IF;
    EXECUTE format('SET LOCAL app.user_id = %L', p_user);
END;
$$;

-- The account of an email address (any case) before anyone is known: exactly that row becomes readable.
CREATE FUNCTION colloquy.find_login(p_email text)
    RETURNS TABLE (user_id uuid, email text, password_hash text)
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    EXECUTE format('SET LOCAL app.login_email = %L', lower(p_email));
    RETURN QUERY SELECT u.user_id, u.email, u.password_hash FROM colloquy.users u
                  WHERE lower(u.email) = lower(p_email);
END;
$$;

-- The session a cookie names (its secret's digest is compared by the server).
CREATE FUNCTION colloquy.find_session(p_session uuid)
    RETURNS TABLE (user_id uuid, secret_digest bytea, csrf_token text, created_at timestamptz,
                   last_seen_at timestamptz, expires_at timestamptz)
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    EXECUTE format('SET LOCAL app.session_id = %L', p_session);
    RETURN QUERY SELECT s.user_id, s.secret_digest, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at
                   FROM colloquy.sessions s WHERE s.session_id = p_session;
END;
$$;

-- The invitation a set-up link names (its secret's digest is compared by the server).
CREATE FUNCTION colloquy.find_invite(p_invite uuid)
    RETURNS TABLE (project_id uuid, email text, role text, secret_digest bytea, expires_at timestamptz)
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    EXECUTE format('SET LOCAL app.invite_id = %L', p_invite);
    RETURN QUERY SELECT i.project_id, i.email, i.role, i.secret_digest, i.expires_at
                   FROM colloquy.invites i WHERE i.invite_id = p_invite;
END;
$$;

REVOKE ALL ON FUNCTION colloquy.set_user(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION colloquy.find_login(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION colloquy.find_session(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION colloquy.find_invite(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colloquy.set_user(uuid) TO ${app_role};
GRANT EXECUTE ON FUNCTION colloquy.find_login(text) TO ${app_role};
GRANT EXECUTE ON FUNCTION colloquy.find_session(uuid) TO ${app_role};
GRANT EXECUTE ON FUNCTION colloquy.find_invite(uuid) TO ${app_role};
GRANT SELECT, INSERT, UPDATE, DELETE ON colloquy.users, colloquy.memberships, colloquy.invites, colloquy.sessions
    TO ${app_role};
