-- The rules of `run_pins`: a pinned run is never pruned (runs_before_delete refuses to
-- delete it, whichever client deletes). A pin names a recorded run and is not changed:
-- unpin (delete the row) and pin again.

-- Tags: no_such_run.
CREATE TRIGGER run_pins_before_insert BEFORE INSERT ON run_pins
WHEN NOT EXISTS (SELECT 1 FROM runs WHERE id = NEW.run_id)
BEGIN
    SELECT RAISE(ABORT, 'runledger:no_such_run: the pinned run does not exist');
END;

-- Tags: bad_value.
CREATE TRIGGER run_pins_before_update BEFORE UPDATE ON run_pins
BEGIN
    SELECT RAISE(ABORT, 'runledger:bad_value: a pin cannot be changed; unpin the run and pin it again');
END;
