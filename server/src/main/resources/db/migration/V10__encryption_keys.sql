-- The key hierarchy below the server's key-encryption key (KEK): one project key per project
-- (versioned; server-generated or customer-supplied) and per-namespace data keys (versioned) and
-- search keys. Only wrapped keys are stored: a project key wrapped by the KEK, data and search keys
-- wrapped by the project key. Deleting these rows crypto-shreds whatever they protected.
CREATE TABLE colloquy.project_keys (
    project_id   uuid        NOT NULL,
    version      integer     NOT NULL CHECK (version > 0),
    wrapped      bytea       NOT NULL,
    kek_id       text        NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (project_id, version),
    FOREIGN KEY (project_id) REFERENCES colloquy.projects (project_id) ON DELETE CASCADE
);

-- Which project key is current, and whether it is the customer's (BYOK) and revoked.
CREATE TABLE colloquy.project_encryption (
    project_id      uuid        NOT NULL,
    current_version integer     NOT NULL,
    customer_key    boolean     NOT NULL DEFAULT false,
    check_value     bytea,
    revoked_at      timestamptz,
    rotated_at      timestamptz NOT NULL,
    PRIMARY KEY (project_id),
    FOREIGN KEY (project_id) REFERENCES colloquy.projects (project_id) ON DELETE CASCADE
);

CREATE TABLE colloquy.data_keys (
    project_id          uuid        NOT NULL,
    namespace           text        NOT NULL,
    purpose             text        NOT NULL CHECK (purpose IN ('data', 'search')),
    version             integer     NOT NULL CHECK (version > 0),
    wrapped             bytea       NOT NULL,
    project_key_version integer     NOT NULL,
    created_at          timestamptz NOT NULL,
    PRIMARY KEY (project_id, namespace, purpose, version),
    FOREIGN KEY (project_id) REFERENCES colloquy.projects (project_id) ON DELETE CASCADE
);

ALTER TABLE colloquy.project_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.project_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.project_keys
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);

ALTER TABLE colloquy.project_encryption ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.project_encryption FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.project_encryption
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);

ALTER TABLE colloquy.data_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.data_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.data_keys
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid
           AND NULLIF(current_setting('app.namespace', true), '') IN (namespace, '*'))
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid
           AND NULLIF(current_setting('app.namespace', true), '') IN (namespace, '*'));

GRANT SELECT, INSERT, UPDATE, DELETE ON colloquy.project_keys, colloquy.project_encryption, colloquy.data_keys
    TO ${app_role};

-- Keyword search over encrypted content: keyed 64-bit token hashes, GIN-indexed.
CREATE INDEX messages_search_tokens ON colloquy.messages USING gin (search_tokens);
CREATE INDEX memories_search_tokens ON colloquy.memories USING gin (search_tokens);
