-- A per-project sequencing horizon (docs/audit.md, "Sequencing"). Before it draws its place in the
-- order, a transaction that records an event of a project takes a shared transaction-level advisory
-- lock naming that project (class 0x61756477, "audw"; shared, so writers never wait for each other),
-- held until it ends. After drawing its watermark W, the sequencer reads which transactions hold the
-- lock of a project and waits for exactly those: every event of that project below W was placed by one
-- of them or by a transaction that has ended. So a long transaction of one project holds back only
-- that project's log, never another's.
CREATE OR REPLACE FUNCTION colloquy.audit_outbox_order() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(1635083383, hashtext(NEW.project_id::text));
    PERFORM pg_current_xact_id();
    NEW.ord := nextval('colloquy.audit_ord');
    RETURN NEW;
END;
$$;
