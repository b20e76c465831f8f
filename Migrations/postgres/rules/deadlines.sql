-- The rules of `deadlines` on PostgreSQL, as the SQLite rules of the table
-- (rules/deadlines.sql there), with the same tags: a lifecycle's default deadline names a
-- lifecycle of the ledger and, for a stay, one of its states that is not terminal.
-- Tags: no_such_lifecycle, no_such_state.
CREATE OR REPLACE FUNCTION deadlines_before_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.scope <> 'lifecycle' THEN
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.name) THEN
        PERFORM runledger_refuse('no_such_lifecycle', 'the lifecycle does not exist', 'lifecycle ' || NEW.name);
    END IF;
    IF NEW.state <> '' AND NOT EXISTS (
        SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.name AND state = NEW.state AND is_terminal = 0
    ) THEN
        PERFORM runledger_refuse('no_such_state',
            'a deadline''s state must be a state of its lifecycle that is not terminal',
            'lifecycle ' || NEW.name || ', state ' || NEW.state);
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS deadlines_before_change ON deadlines;
CREATE TRIGGER deadlines_before_change BEFORE INSERT OR UPDATE ON deadlines
FOR EACH ROW EXECUTE FUNCTION deadlines_before_change();
