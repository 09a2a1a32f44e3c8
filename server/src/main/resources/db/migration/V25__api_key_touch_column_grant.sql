-- The key_touch policy makes the one key named by app.key_id updatable (authentication records its
-- last use), and app.key_id is a setting any session of the app role can set: with a table-wide UPDATE
-- grant, the app role could rewrite that key's capabilities, allowlist or expiry in any project. The app
-- never updates a key otherwise (issue = INSERT, revoke = DELETE), so it may now update last_used_at
-- only (a column grant): colloquy.touch_api_key keeps working, nothing else of a key can change.
REVOKE UPDATE ON colloquy.api_keys FROM ${app_role};
GRANT UPDATE (last_used_at) ON colloquy.api_keys TO ${app_role};
