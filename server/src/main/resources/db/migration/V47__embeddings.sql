-- Sentence embeddings of messages and memories for semantic and hybrid search (docs/search.md). A vector
-- is sealed like content: AES-256-GCM under the namespace's data key, bound to (project, namespace,
-- 'embeddings', item id, 'vector'), so erasing the namespace's key shreds its vectors too. item_kind says
-- what the vector stands for ('message', 'short_term', 'long_term'): the memory kind is stored in clear
-- in colloquy.memories already. The embedding worker follows each project's audit log; cursor_seq is the
-- last seq of the project's log it has applied (it only moves forward).
CREATE TABLE colloquy.embeddings (
    project_id  uuid        NOT NULL,
    namespace   text        NOT NULL CHECK (namespace ~ '^[A-Za-z0-9._:-]{1,128}$'),
    item_id     uuid        NOT NULL,
    item_kind   text        NOT NULL CHECK (item_kind IN ('message', 'short_term', 'long_term')),
    dialogue_id uuid,
    vector      bytea       NOT NULL,
    embedded_at timestamptz NOT NULL,
    PRIMARY KEY (project_id, namespace, item_id),
    FOREIGN KEY (project_id) REFERENCES colloquy.projects (project_id) ON DELETE CASCADE
);
CREATE INDEX embeddings_dialogue ON colloquy.embeddings (project_id, namespace, dialogue_id)
    WHERE dialogue_id IS NOT NULL;

CREATE TABLE colloquy.embedding_cursors (
    project_id uuid        NOT NULL,
    cursor_seq bigint      NOT NULL CHECK (cursor_seq >= 0),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (project_id),
    FOREIGN KEY (project_id) REFERENCES colloquy.projects (project_id) ON DELETE CASCADE
);

ALTER TABLE colloquy.embeddings ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.embeddings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.embeddings
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid
           AND NULLIF(current_setting('app.namespace', true), '') IN (namespace, '*'))
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid
           AND NULLIF(current_setting('app.namespace', true), '') IN (namespace, '*'));

ALTER TABLE colloquy.embedding_cursors ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.embedding_cursors FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.embedding_cursors
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);

-- The worker must learn WHICH projects have log events it has not applied, while the app role only ever
-- sees one project: this function (owner, SECURITY DEFINER) answers exactly that and nothing else, like
-- colloquy.webhook_due_projects. The owner's read-only policies are needed because RLS is forced.
CREATE POLICY embedding_scan ON colloquy.embedding_cursors FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY embedding_scan ON colloquy.audit_events FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY embedding_scan ON colloquy.projects FOR SELECT TO CURRENT_USER USING (true);

CREATE FUNCTION colloquy.embedding_pending_projects() RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT p.project_id FROM colloquy.projects p
      LEFT JOIN colloquy.embedding_cursors c ON c.project_id = p.project_id
     WHERE EXISTS (SELECT 1 FROM colloquy.audit_events e
                    WHERE e.project_id = p.project_id AND e.seq > COALESCE(c.cursor_seq, 0));
END;
$$;

REVOKE ALL ON FUNCTION colloquy.embedding_pending_projects() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION colloquy.embedding_pending_projects() TO ${app_role};
GRANT SELECT, INSERT, UPDATE, DELETE ON colloquy.embeddings, colloquy.embedding_cursors TO ${app_role};
