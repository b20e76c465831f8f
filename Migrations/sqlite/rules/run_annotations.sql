-- The rules of `run_annotations`: facts about a run that did not move it (an event after
-- its end, a failed upstream). Append-only; they leave only with their run.

-- An explicit id must come after every other (SQLite 3.40 passes -1 for an id left out;
-- see the quote in runs.sql).
-- Tags: history_order.
CREATE TRIGGER run_annotations_before_insert BEFORE INSERT ON run_annotations
WHEN NEW.id IS NOT NULL AND NEW.id <> -1 AND NEW.id <= (SELECT ifnull(max(id), 0) FROM run_annotations)
BEGIN
    SELECT RAISE(ABORT, 'runledger:history_order: a new annotation must come after every other');
END;

-- Tags: append_only.
CREATE TRIGGER run_annotations_before_update BEFORE UPDATE ON run_annotations
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: annotations cannot be changed');
END;

-- Tags: append_only.
CREATE TRIGGER run_annotations_before_delete BEFORE DELETE ON run_annotations
WHEN EXISTS (SELECT 1 FROM runs WHERE id = OLD.run_id)
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: annotations leave only with their run');
END;
