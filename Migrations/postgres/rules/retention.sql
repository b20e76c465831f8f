-- The rules of `run_pins` and `retention_policies` on PostgreSQL, as the SQLite rules of
-- these tables (rules/run_pins.sql, rules/retention_policies.sql there), with the same tags.
-- A pinned run is never pruned: runs_before_delete (runs.sql) refuses to delete it.

-- A pin names a recorded run, and is not changed: unpin (delete the row) and pin again.
-- Tags: no_such_run, bad_value.
CREATE OR REPLACE FUNCTION run_pins_before_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM runledger_refuse('bad_value', 'a pin cannot be changed; unpin the run and pin it again',
            'run ' || OLD.run_id);
    ELSIF NOT EXISTS (SELECT 1 FROM runs WHERE id = NEW.run_id) THEN
        PERFORM runledger_refuse('no_such_run', 'the pinned run does not exist', 'run ' || NEW.run_id);
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS run_pins_before_change ON run_pins;
CREATE TRIGGER run_pins_before_change BEFORE INSERT OR UPDATE ON run_pins
FOR EACH ROW EXECUTE FUNCTION run_pins_before_change();

-- A policy's ages are a JSON object whose keys are terminal canonical types or '*' and whose
-- values are whole seconds, 0 or more.
-- Tags: bad_value.
CREATE OR REPLACE FUNCTION retention_policies_before_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF jsonb_typeof(NEW.max_age_seconds::jsonb) IS DISTINCT FROM 'object' OR EXISTS (
        SELECT 1 FROM jsonb_each(NEW.max_age_seconds::jsonb) AS e
        WHERE (e.key <> '*' AND e.key NOT IN (SELECT name FROM canonical_types WHERE is_terminal = 1))
           OR jsonb_typeof(e.value) <> 'number' OR e.value::text !~ '^[0-9]+$'
    ) THEN
        PERFORM runledger_refuse('bad_value', 'max_age_seconds maps terminal canonical types or * to whole seconds',
            'job ' || NEW.job);
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS retention_policies_before_change ON retention_policies;
CREATE TRIGGER retention_policies_before_change BEFORE INSERT OR UPDATE ON retention_policies
FOR EACH ROW EXECUTE FUNCTION retention_policies_before_change();
