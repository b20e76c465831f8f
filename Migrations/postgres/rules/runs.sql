-- The rules of `runs` on PostgreSQL, as far as they are written: a run's identity never
-- changes, and a heartbeat only moves forward, on an active run (the SQLite rule
-- runs_before_update, with the same tags). The rules of a new run and of its state columns
-- come with the rules of new history rows.

-- Tags: immutable_run, run_ended, time_backwards.
CREATE OR REPLACE FUNCTION runs_check_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.num, NEW.id, NEW.job, NEW.lifecycle, NEW.created_at, NEW.created_by, NEW.created_reason, NEW.attempt,
        NEW.parent_id, NEW.max_retries)
       IS DISTINCT FROM (OLD.num, OLD.id, OLD.job, OLD.lifecycle, OLD.created_at, OLD.created_by, OLD.created_reason,
        OLD.attempt, OLD.parent_id, OLD.max_retries) THEN
        PERFORM runledger_refuse('immutable_run',
            'a run''s id, job, lifecycle, creation, parent and retries cannot change', 'run ' || OLD.id);
    END IF;
    IF NEW.heartbeat_at IS DISTINCT FROM OLD.heartbeat_at THEN
        IF OLD.ended_at IS NOT NULL THEN
            PERFORM runledger_refuse('run_ended', 'a run that has ended takes no heartbeat', 'run ' || OLD.id);
        ELSIF NEW.heartbeat_at IS NULL OR NEW.heartbeat_at < coalesce(OLD.heartbeat_at, 0) THEN
            PERFORM runledger_refuse('time_backwards', 'a heartbeat cannot be earlier than the last one',
                'run ' || OLD.id || ': heartbeat ' || coalesce(NEW.heartbeat_at::text, 'NULL') || ' after '
                || coalesce(OLD.heartbeat_at::text, 'none'));
        END IF;
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS runs_before_update ON runs;
CREATE TRIGGER runs_before_update
BEFORE UPDATE OF num, id, job, lifecycle, created_at, created_by, created_reason, attempt, parent_id, max_retries,
    heartbeat_at
ON runs FOR EACH ROW EXECUTE FUNCTION runs_check_update();
