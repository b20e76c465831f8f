-- The rights of a ledger on a shared server: runledger_grant(owner, writer, reader), run
-- once per ledger by a superuser (or a role with CREATEROLE that may also take over the
-- ledger's objects), in the ledger's schema:
--
--     SET search_path TO ledger;
--     SELECT runledger_grant('ledger_owner', 'ledger_writer', 'ledger_reader');
--
-- (A function in the rules set rather than a script of its own: Migrations/postgres/ holds
-- only NNNN_name.sql migrations and rules/, which the build embeds. It does nothing until
-- called, and runs with its caller's rights.) The three roles are created NOLOGIN when
-- they do not exist; give LOGIN, or membership to the login roles of hosts and people:
-- - the owner owns the schema and every object in it (tables, views, sequences, functions):
--   the SECURITY DEFINER rules run as the owner. Nobody connects as the owner to write:
--   an owner may disable or drop triggers, which no rule can refuse;
-- - the writer may do what the library does, and nothing else: SELECT everything; INSERT
--   into runs, state_changes and state_history, run_dependencies, run_annotations, seals
--   (every one through the rules); of runs, UPDATE heartbeat_at only (the state columns follow
--   the history: no client writes them) and DELETE (a prune: runs_before_delete lets only
--   whole pruned runs go) after an INSERT into prunes; a job's limit (jobs: INSERT,
--   UPDATE, DELETE); pins (run_pins: INSERT, DELETE), retention policies, deadlines and
--   freshness limits (retention_policies, deadlines, job_freshness: INSERT, UPDATE,
--   DELETE); a definition (INSERT into the lifecycle tables, UPDATE of a
--   lifecycle's roles; the rules refuse a lifecycle that is built in or in use). It has no
--   UPDATE, DELETE or TRUNCATE of the history, no right on the stats tables or sequences
--   (the rules write them as the owner), no CREATE in the schema, no TRIGGER right; not
--   being an owner, it cannot ALTER TABLE … DISABLE TRIGGER or DROP TRIGGER, and not being
--   a superuser it cannot SET session_replication_role (which skips triggers) or COPY from
--   a server file or program. COPY … FROM STDIN into a table it may INSERT into fires the
--   rules as INSERT does;
-- - the reader may SELECT, and call the functions the views and readers use; and, as the
--   writer, make, move and delete consumers (their cursors over the history).
-- EXECUTE on the schema's functions is revoked from PUBLIC and granted to writer and reader
-- (defaults and CHECKs call now_us and json_valid as the writer; the views call iso_of_us
-- as the reader; trigger functions cannot be called but by their triggers), except on this
-- function.
CREATE OR REPLACE FUNCTION runledger_grant(owner_role text, writer_role text, reader_role text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ledger text := current_schema();
    ledger_oid oid := (SELECT oid FROM pg_namespace WHERE nspname = current_schema());
    role_name text;
    item record;
BEGIN
    FOREACH role_name IN ARRAY ARRAY[owner_role, writer_role, reader_role] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        END IF;
    END LOOP;

    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', ledger, owner_role);
    FOR item IN
        SELECT c.relname FROM pg_class AS c
        WHERE c.relnamespace = ledger_oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    LOOP
        -- A table's owned sequences follow it.
        EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', ledger, item.relname, owner_role);
    END LOOP;
    FOR item IN
        SELECT c.relname FROM pg_class AS c
        WHERE c.relnamespace = ledger_oid AND c.relkind = 'S'
          AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
    LOOP
        EXECUTE format('ALTER SEQUENCE %I.%I OWNER TO %I', ledger, item.relname, owner_role);
    END LOOP;
    FOR item IN SELECT p.oid::regprocedure AS f FROM pg_proc AS p WHERE p.pronamespace = ledger_oid LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', item.f, owner_role);
    END LOOP;

    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', ledger);
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM PUBLIC', ledger);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM PUBLIC', ledger);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA %I FROM PUBLIC', ledger);
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I, %I', ledger, writer_role, reader_role);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I, %I', ledger, writer_role, reader_role);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO %I, %I', ledger, writer_role, reader_role);
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %I.runledger_grant(text, text, text) FROM %I, %I',
        ledger, writer_role, reader_role);

    EXECUTE format(
        'GRANT INSERT ON %1$I.runs, %1$I.state_changes, %1$I.state_history, %1$I.run_dependencies, '
        || '%1$I.run_annotations, %1$I.openlineage_events, %1$I.prunes, %1$I.seals, %1$I.jobs, %1$I.lifecycles, %1$I.lifecycle_states, '
        || '%1$I.lifecycle_transitions, %1$I.lifecycle_outcomes TO %2$I', ledger, writer_role);
    EXECUTE format('GRANT UPDATE (heartbeat_at), DELETE ON %I.runs TO %I', ledger, writer_role);
    EXECUTE format('GRANT UPDATE, DELETE ON %I.jobs TO %I', ledger, writer_role);
    EXECUTE format('GRANT INSERT, DELETE ON %I.run_pins TO %I', ledger, writer_role);
    EXECUTE format('GRANT INSERT, UPDATE, DELETE ON %I.retention_policies, %I.deadlines, %I.job_freshness TO %I',
        ledger, ledger, ledger, writer_role);
    -- Consumers' cursors are the readers' own state, not the ledger's: both may move them.
    EXECUTE format('GRANT INSERT, UPDATE, DELETE ON %I.consumers TO %I, %I', ledger, writer_role, reader_role);
    EXECUTE format(
        'GRANT UPDATE (description, default_max_active, skip_state, skip_outcome, late_state, crash_state, '
        || 'retry_state, blocked_state, release_state, upstream_failed_state, upstream_failed_outcome, '
        || 'timeout_state, timeout_outcome) '
        || 'ON %I.lifecycles TO %I', ledger, writer_role);
END $$;
