-- Runs after every migration (a Flyway callback): on Citus, distributes every table not distributed yet,
-- so a table added by any later migration is distributed (or made a reference table) without that migration
-- knowing about Citus (docs/scale-out.md, "Rules for new tables"). A no-op on plain PostgreSQL, and before
-- V60 (an upgrade test migrating to an older version).
DO $$
BEGIN
    IF to_regprocedure('colloquy.distribute_tables()') IS NOT NULL THEN
        PERFORM colloquy.distribute_tables();
    END IF;
END;
$$;
