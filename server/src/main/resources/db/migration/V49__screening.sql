-- Screening (docs/screening.md): a project's PII redaction mode and the injection score at or above which a message
-- write is refused (null: never), and each message's injection screening (null for messages written before it).
-- The score and labels are derived from the content and kept in clear so reads can filter on them without
-- decrypting; they tell a category of suspicious text, never the text.
ALTER TABLE colloquy.projects
    ADD COLUMN pii_redaction text NOT NULL DEFAULT 'on_read' CHECK (pii_redaction IN ('on_read', 'on_write')),
    ADD COLUMN injection_reject_threshold numeric(4, 3)
        CHECK (injection_reject_threshold > 0 AND injection_reject_threshold <= 1);

ALTER TABLE colloquy.messages
    ADD COLUMN injection_score numeric(4, 3) CHECK (injection_score >= 0 AND injection_score <= 1),
    ADD COLUMN injection_labels text[];
