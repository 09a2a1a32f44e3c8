-- Dialogues and their messages. Content columns (title, metadata, tags, content) are bytea: they hold
-- self-describing stored values (format byte first) so that encryption can change them row by row.
CREATE TABLE colloquy.dialogues (
    project_id    uuid        NOT NULL,
    namespace     text        NOT NULL CHECK (namespace ~ '^[A-Za-z0-9._:-]{1,128}$'),
    dialogue_id   uuid        NOT NULL,
    title         bytea,
    metadata      bytea       NOT NULL,
    tags          bytea       NOT NULL,
    tag_digests   bigint[]    NOT NULL DEFAULT '{}',
    message_count integer     NOT NULL DEFAULT 0,
    last_seq      bigint      NOT NULL DEFAULT 0,
    legal_hold    boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz,
    PRIMARY KEY (project_id, namespace, dialogue_id),
    FOREIGN KEY (project_id) REFERENCES colloquy.projects (project_id) ON DELETE CASCADE
);
CREATE INDEX dialogues_tag_digests ON colloquy.dialogues USING gin (tag_digests);

CREATE TABLE colloquy.messages (
    project_id    uuid        NOT NULL,
    namespace     text        NOT NULL,
    dialogue_id   uuid        NOT NULL,
    message_id    uuid        NOT NULL,
    seq           bigint      NOT NULL CHECK (seq > 0),
    role          text        NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
    content       bytea       NOT NULL,
    metadata      bytea       NOT NULL,
    search_tokens bigint[]    NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (project_id, namespace, message_id),
    UNIQUE (project_id, namespace, dialogue_id, seq),
    FOREIGN KEY (project_id, namespace, dialogue_id)
        REFERENCES colloquy.dialogues (project_id, namespace, dialogue_id) ON DELETE CASCADE
);

ALTER TABLE colloquy.dialogues ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.dialogues FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.dialogues
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid
           AND NULLIF(current_setting('app.namespace', true), '') IN (namespace, '*'))
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid
           AND NULLIF(current_setting('app.namespace', true), '') IN (namespace, '*'));

ALTER TABLE colloquy.messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.messages
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid
           AND NULLIF(current_setting('app.namespace', true), '') IN (namespace, '*'))
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid
           AND NULLIF(current_setting('app.namespace', true), '') IN (namespace, '*'));

GRANT SELECT, INSERT, UPDATE, DELETE ON colloquy.dialogues, colloquy.messages TO ${app_role};
