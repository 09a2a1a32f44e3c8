-- Responses of POST requests sent with an Idempotency-Key, kept 24 hours, written in the same
-- transaction as the change they describe. The stored response is a sealed value.
CREATE TABLE colloquy.idempotency_records (
    project_id      uuid        NOT NULL,
    idempotency_key text        NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_digest  bytea       NOT NULL,
    status          integer     NOT NULL,
    response        bytea,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (project_id, idempotency_key),
    FOREIGN KEY (project_id) REFERENCES colloquy.projects (project_id) ON DELETE CASCADE
        DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX idempotency_records_created_at ON colloquy.idempotency_records (project_id, created_at);

ALTER TABLE colloquy.idempotency_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.idempotency_records FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.idempotency_records
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON colloquy.idempotency_records TO ${app_role};
