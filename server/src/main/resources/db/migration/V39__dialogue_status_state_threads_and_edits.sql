-- Conversation features (issue 20): a dialogue's status, its mutable state (a sealed JSON object with a
-- version for optimistic concurrency), threads (a parent dialogue in the same project and namespace: the
-- foreign key carries both, and removes a thread with its parent), a keyed blind index of metadata
-- key/value pairs, and when a message was last edited.
ALTER TABLE colloquy.dialogues
    ADD COLUMN status            text    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended', 'archived')),
    ADD COLUMN state             bytea,
    ADD COLUMN state_version     bigint  NOT NULL DEFAULT 0,
    ADD COLUMN parent_id         uuid,
    ADD COLUMN depth             integer NOT NULL DEFAULT 0 CHECK (depth >= 0),
    ADD COLUMN metadata_digests  bigint[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT dialogues_parent_fkey FOREIGN KEY (project_id, namespace, parent_id)
        REFERENCES colloquy.dialogues (project_id, namespace, dialogue_id) ON DELETE CASCADE;
CREATE INDEX dialogues_parent ON colloquy.dialogues (project_id, namespace, parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX dialogues_metadata_digests ON colloquy.dialogues USING gin (metadata_digests);

ALTER TABLE colloquy.messages ADD COLUMN updated_at timestamptz;
