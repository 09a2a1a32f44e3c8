-- What a project created in a calendar month (UTC), for the plan quotas. One row per project and
-- month, updated in the transaction of the create it counts, with a conditional increment
-- (n + k <= quota), so concurrent creates can never be admitted past the quota.
CREATE TABLE colloquy.plan_usage (
    project_id uuid   NOT NULL,
    month      date   NOT NULL CHECK (month = date_trunc('month', month)::date),
    dialogues  bigint NOT NULL DEFAULT 0 CHECK (dialogues >= 0),
    messages   bigint NOT NULL DEFAULT 0 CHECK (messages >= 0),
    memories   bigint NOT NULL DEFAULT 0 CHECK (memories >= 0),
    PRIMARY KEY (project_id, month),
    FOREIGN KEY (project_id) REFERENCES colloquy.projects (project_id) ON DELETE CASCADE
);

ALTER TABLE colloquy.plan_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE colloquy.plan_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON colloquy.plan_usage
    USING (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid)
    WITH CHECK (project_id = NULLIF(current_setting('app.project_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON colloquy.plan_usage TO ${app_role};
