-- A stored idempotent response is now sealed under the data key of the request's namespace ('' for
-- project-wide requests, as audit data), so it dies with that namespace (erasure also deletes the
-- record), with the project, and is unreadable while a customer key is revoked. Records are purged
-- 24 hours after they were made.
ALTER TABLE colloquy.idempotency_records ADD COLUMN namespace text NOT NULL DEFAULT '';

-- Responses stored by earlier versions are sealed under the server key, which no erasure, shredding or
-- revocation reaches; they are dropped now (a retry of such a request within 24 hours of the upgrade
-- runs again). TRUNCATE, because a DELETE here would see no row through the forced row-level security.
TRUNCATE colloquy.idempotency_records;
