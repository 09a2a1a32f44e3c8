-- Memories (short and long term) of a namespace.
CREATE TABLE colloquy.memories (
    project_id    uuid        NOT NULL,
    namespace     text        NOT NULL CHECK (namespace ~ '^[A-Za-z0-9._:-]{1,128}$'),
    memory_id     uuid        NOT NULL,
    kind          text        NOT NULL CHECK (kind IN ('short_term', 'long_term')),
    content       bytea       NOT NULL,
    metadata      bytea       NOT NULL,
    search_tokens bigint[]    NOT NULL DEFAULT '{}',
    expires_at    timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz,
    PRIMARY KEY (project_id, namespace, memory_id),
    FOREIGN KEY (project_id) REFERENCES colloquy.projects (project_id) ON DELETE CASCADE
);

ALTER TABLE colloquy.memories ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.memories FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.memories
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid
           AND NULLIF(current_setting('app.namespace', true), '') IN (namespace, '*'))
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid
           AND NULLIF(current_setting('app.namespace', true), '') IN (namespace, '*'));

GRANT SELECT, INSERT, UPDATE, DELETE ON colloquy.memories TO ${app_role};
