-- Structured memories (issue 20): a sealed JSON value beside or instead of the content, a sealed label and
-- description, a client-chosen id unique per namespace, and a keyed blind index of metadata key/value pairs.
ALTER TABLE colloquy.memories
    ALTER COLUMN content DROP NOT NULL,
    ADD COLUMN value            bytea,
    ADD COLUMN label            bytea,
    ADD COLUMN description      bytea,
    ADD COLUMN client_id        text CHECK (client_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'),
    ADD COLUMN metadata_digests bigint[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT memories_content_or_value CHECK (content IS NOT NULL OR value IS NOT NULL),
    ADD CONSTRAINT memories_client_id_key UNIQUE (project_id, namespace, client_id);
CREATE INDEX memories_metadata_digests ON colloquy.memories USING gin (metadata_digests);
