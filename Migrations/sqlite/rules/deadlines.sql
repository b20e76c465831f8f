-- The rules of `deadlines`: a lifecycle's default deadline names a lifecycle of the ledger
-- and, for a stay, one of its states that is not terminal (a job's deadline may name any
-- state: its runs may be of several lifecycles). Durations are checked by the table.

-- Tags: no_such_lifecycle, no_such_state.
CREATE TRIGGER deadlines_before_insert BEFORE INSERT ON deadlines
WHEN NEW.scope = 'lifecycle'
BEGIN
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.name) THEN
            RAISE(ABORT, 'runledger:no_such_lifecycle: the lifecycle does not exist')
        WHEN NEW.state <> '' AND NOT EXISTS (
            SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.name AND state = NEW.state AND is_terminal = 0
        ) THEN
            RAISE(ABORT, 'runledger:no_such_state: a deadline''s state must be a state of its lifecycle that is not terminal')
    END;
END;

-- Tags: no_such_lifecycle, no_such_state.
CREATE TRIGGER deadlines_before_update BEFORE UPDATE ON deadlines
WHEN NEW.scope = 'lifecycle'
BEGIN
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.name) THEN
            RAISE(ABORT, 'runledger:no_such_lifecycle: the lifecycle does not exist')
        WHEN NEW.state <> '' AND NOT EXISTS (
            SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.name AND state = NEW.state AND is_terminal = 0
        ) THEN
            RAISE(ABORT, 'runledger:no_such_state: a deadline''s state must be a state of its lifecycle that is not terminal')
    END;
END;
