-- pgbench custom script: the SQL of one API append (POST .../messages with one message), statement for
-- statement as the server sends it (captured with log_min_duration_statement=0): the tenant context, the
-- dialogue's last seq read without a lock, then ONE statement reserving the next seq (only if it is still
-- the last) and inserting the message and its audit event (MessageRepository.append); when another append
-- came in between (nothing written), the seq read again under the row lock and the same statement again.
-- Run as the app role under
-- row-level security against the project and the 64 dialogues the benchmark created through the API.
-- Needs -M prepared (the variables are bound as parameters, like the server's JDBC driver does) and
--   -D project=<uuid> -D ns=<namespace> -D dialogues='{<64 dialogue uuids>}' -D ndialogues=64
--   -D actor=key_<hex> -D content='\x<133 bytes>' -D metadata='\x<35 bytes>' -D audit_data='\x<393 bytes>'
--   -D data_hash='\x<32 bytes>' -D tokens='{<5 bigints>}'
-- The bytea values are random bytes of the size the server writes for a 100-character message: content and
-- metadata sealed with AES-256-GCM (1 + 4 + 12 + plaintext + 16 bytes), the audit event data sealed the same
-- way, a SHA-256 data hash and one blind-index token per distinct word. Ids are time-ordered (UUIDv7-like:
-- millisecond timestamp first) like the server's. Not included: the API key lookup the server makes before
-- the transaction (one autocommitted SELECT) and the audit sequencer's later move of the outbox row into
-- the log (the running server still does it while pgbench runs, as it does during the wrk runs).
\set d random(1, :ndialogues)
\set m1 random(0, 281474976710655)
\set m2 random(0, 268435455)
\set e1 random(0, 281474976710655)
\set e2 random(0, 268435455)
BEGIN;
SELECT colloquy.set_tenant(CAST(:project AS uuid), :ns);
SELECT last_seq FROM colloquy.dialogues WHERE project_id = CAST(:project AS uuid) AND namespace = :ns AND dialogue_id = (CAST(:dialogues AS uuid[]))[:d] AND deleted_at IS NULL \gset
\set seq :last_seq + 1
WITH reserved AS (UPDATE colloquy.dialogues SET last_seq = last_seq + 1, message_count = message_count + 1, updated_at = now() WHERE project_id = CAST(:project AS uuid) AND namespace = :ns AND dialogue_id = (CAST(:dialogues AS uuid[]))[:d] AND deleted_at IS NULL AND last_seq = CAST(:last_seq AS bigint) RETURNING last_seq), appended AS (INSERT INTO colloquy.messages (project_id, namespace, dialogue_id, message_id, seq, role, content, metadata, search_tokens, created_at) SELECT v.* FROM (VALUES (CAST(:project AS uuid), CAST(:ns AS text), CAST((CAST(:dialogues AS uuid[]))[:d] AS uuid), CAST(lpad(to_hex(CAST(floor(extract(epoch FROM now()) * 1000) AS bigint)), 12, '0') || '7' || lpad(to_hex(CAST(:m1 AS bigint)), 12, '0') || lpad(to_hex(CAST(:m2 AS bigint)), 7, '0') AS uuid), CAST(:seq AS bigint), CAST('user' AS text), CAST(:content AS bytea), CAST(:metadata AS bytea), CAST(:tokens AS bigint[]), CAST(now() AS timestamptz))) AS v WHERE EXISTS (SELECT 1 FROM reserved) RETURNING 1), events AS (INSERT INTO colloquy.audit_outbox (project_id, event_id, at, namespace, entity_type, entity_id, action, actor_type, actor_id, parent_id, idempotency_key, data, data_hash) SELECT v.* FROM (VALUES (CAST(:project AS uuid), CAST(lpad(to_hex(CAST(floor(extract(epoch FROM now()) * 1000) AS bigint)), 12, '0') || '7' || lpad(to_hex(CAST(:e1 AS bigint)), 12, '0') || lpad(to_hex(CAST(:e2 AS bigint)), 7, '0') AS uuid), CAST(now() AS timestamptz), CAST(:ns AS text), CAST('message' AS text), CAST('msg_' || lpad(to_hex(CAST(floor(extract(epoch FROM now()) * 1000) AS bigint)), 12, '0') || '7' || lpad(to_hex(CAST(:m1 AS bigint)), 12, '0') || lpad(to_hex(CAST(:m2 AS bigint)), 7, '0') AS text), CAST('created' AS text), CAST('api_key' AS text), CAST(:actor AS text), CAST(NULL AS uuid), CAST(NULL AS text), CAST(:audit_data AS bytea), CAST(:data_hash AS bytea))) AS v WHERE EXISTS (SELECT 1 FROM reserved)) SELECT count(*) AS reserved FROM reserved \gset
\if :reserved = 0
SELECT last_seq FROM colloquy.dialogues WHERE project_id = CAST(:project AS uuid) AND namespace = :ns AND dialogue_id = (CAST(:dialogues AS uuid[]))[:d] AND deleted_at IS NULL FOR UPDATE \gset
\set seq :last_seq + 1
WITH reserved AS (UPDATE colloquy.dialogues SET last_seq = last_seq + 1, message_count = message_count + 1, updated_at = now() WHERE project_id = CAST(:project AS uuid) AND namespace = :ns AND dialogue_id = (CAST(:dialogues AS uuid[]))[:d] AND deleted_at IS NULL AND last_seq = CAST(:last_seq AS bigint) RETURNING last_seq), appended AS (INSERT INTO colloquy.messages (project_id, namespace, dialogue_id, message_id, seq, role, content, metadata, search_tokens, created_at) SELECT v.* FROM (VALUES (CAST(:project AS uuid), CAST(:ns AS text), CAST((CAST(:dialogues AS uuid[]))[:d] AS uuid), CAST(lpad(to_hex(CAST(floor(extract(epoch FROM now()) * 1000) AS bigint)), 12, '0') || '7' || lpad(to_hex(CAST(:m1 AS bigint)), 12, '0') || lpad(to_hex(CAST(:m2 AS bigint)), 7, '0') AS uuid), CAST(:seq AS bigint), CAST('user' AS text), CAST(:content AS bytea), CAST(:metadata AS bytea), CAST(:tokens AS bigint[]), CAST(now() AS timestamptz))) AS v WHERE EXISTS (SELECT 1 FROM reserved) RETURNING 1), events AS (INSERT INTO colloquy.audit_outbox (project_id, event_id, at, namespace, entity_type, entity_id, action, actor_type, actor_id, parent_id, idempotency_key, data, data_hash) SELECT v.* FROM (VALUES (CAST(:project AS uuid), CAST(lpad(to_hex(CAST(floor(extract(epoch FROM now()) * 1000) AS bigint)), 12, '0') || '7' || lpad(to_hex(CAST(:e1 AS bigint)), 12, '0') || lpad(to_hex(CAST(:e2 AS bigint)), 7, '0') AS uuid), CAST(now() AS timestamptz), CAST(:ns AS text), CAST('message' AS text), CAST('msg_' || lpad(to_hex(CAST(floor(extract(epoch FROM now()) * 1000) AS bigint)), 12, '0') || '7' || lpad(to_hex(CAST(:m1 AS bigint)), 12, '0') || lpad(to_hex(CAST(:m2 AS bigint)), 7, '0') AS text), CAST('created' AS text), CAST('api_key' AS text), CAST(:actor AS text), CAST(NULL AS uuid), CAST(NULL AS text), CAST(:audit_data AS bytea), CAST(:data_hash AS bytea))) AS v WHERE EXISTS (SELECT 1 FROM reserved)) SELECT count(*) AS reserved FROM reserved \gset
\endif
COMMIT;
