-- Signed deletion receipts. Deliberately NOT a tenant table: a receipt must outlive the project it
-- proves was deleted, and the operator lists them (./colloquy receipts list). They hold ids and
-- counts, never content. The app role may add and read receipts, never change or remove them.
CREATE TABLE colloquy.deletion_receipts (
    receipt_id      uuid        NOT NULL,
    subject         text        NOT NULL CHECK (subject IN ('project', 'namespace')),
    subject_project uuid        NOT NULL,
    namespace       text,
    signed_text     text        NOT NULL,
    signature       text        NOT NULL,
    key_id          text        NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (receipt_id)
);
CREATE INDEX deletion_receipts_created_at ON colloquy.deletion_receipts (created_at);

CREATE FUNCTION colloquy.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on %.% is not allowed: the table is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = '42501';
END;
$$;
CREATE TRIGGER deletion_receipts_append_only BEFORE UPDATE OR DELETE ON colloquy.deletion_receipts
    FOR EACH ROW EXECUTE FUNCTION colloquy.refuse_change();
CREATE TRIGGER deletion_receipts_no_truncate BEFORE TRUNCATE ON colloquy.deletion_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION colloquy.refuse_change();

GRANT SELECT, INSERT ON colloquy.deletion_receipts TO ${app_role};
