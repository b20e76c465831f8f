-- The rules of `openlineage_events`: every OpenLineage RunEvent received, as it was sent.
-- Append-only; events leave only with their run (a prune), or, for an event whose run was
-- never recorded, never.

-- An explicit id must come after every other (SQLite 3.40 passes -1 for an id left out;
-- see the quote in runs.sql).
-- Tags: history_order.
CREATE TRIGGER openlineage_events_before_insert BEFORE INSERT ON openlineage_events
WHEN NEW.id IS NOT NULL AND NEW.id <> -1 AND NEW.id <= (SELECT ifnull(max(id), 0) FROM openlineage_events)
BEGIN
    SELECT RAISE(ABORT, 'runledger:history_order: a new received event must come after every other');
END;

-- Tags: append_only.
CREATE TRIGGER openlineage_events_before_update BEFORE UPDATE ON openlineage_events
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: received events cannot be changed');
END;

-- Tags: append_only.
CREATE TRIGGER openlineage_events_before_delete BEFORE DELETE ON openlineage_events
WHEN EXISTS (SELECT 1 FROM runs WHERE id = OLD.run_id)
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: received events leave only with their run');
END;
