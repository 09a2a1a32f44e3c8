-- An application's own id for a dialogue (issue 12: frameworks address a conversation by their own string):
-- unique within a namespace, found in one round trip. The key is identifying data, so the database never
-- holds it in clear: dialogue_key is sealed like the title (AES-256-GCM under the namespace data key), and
-- key_digest is the full HMAC-SHA256 of the key under the namespace's blind-index (search) key, which the
-- unique index and the look-up use. A soft-deleted dialogue gives its key up (restoring it is refused while
-- another dialogue holds the key).
ALTER TABLE colloquy.dialogues ADD COLUMN dialogue_key bytea;
ALTER TABLE colloquy.dialogues ADD COLUMN key_digest bytea CHECK (octet_length(key_digest) = 32);
ALTER TABLE colloquy.dialogues ADD CONSTRAINT dialogues_key_sealed_with_digest
    CHECK ((dialogue_key IS NULL) = (key_digest IS NULL));
CREATE UNIQUE INDEX dialogues_key ON colloquy.dialogues (project_id, namespace, key_digest)
    WHERE key_digest IS NOT NULL AND deleted_at IS NULL;
