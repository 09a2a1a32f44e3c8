-- A dialogue's revision: it goes up by one with every change to the dialogue (title, metadata, tags, status, legal hold) or to
-- one of its messages (edit, delete) -- everything but an append, which moves last_seq instead. A client that holds
-- a dialogue's messages as of (revision, last seq) brings them up to date by reading only the messages after that
-- seq, as long as the revision it sees with them is still its own (GET .../messages answers it in the
-- Colloquy-Dialogue-Revision header, in the same statement as the page). Bumped under the dialogue's row lock, in
-- the transaction of the change. Adding a column with a constant default rewrites nothing.
ALTER TABLE colloquy.dialogues ADD COLUMN revision bigint NOT NULL DEFAULT 0;
