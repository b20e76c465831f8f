-- The rules of `prunes`: the record of each retention prune, whose cutoff lets
-- runs_before_delete delete the runs that ended before it. Append-only.

-- An explicit id must come after every other (SQLite 3.40 passes -1 for an id left out;
-- see the quote in runs.sql).
-- Tags: history_order.
CREATE TRIGGER prunes_before_insert BEFORE INSERT ON prunes
WHEN NEW.id IS NOT NULL AND NEW.id <> -1 AND NEW.id <= (SELECT ifnull(max(id), 0) FROM prunes)
BEGIN
    SELECT RAISE(ABORT, 'runledger:history_order: a new prune record must come after every other');
END;

-- Tags: append_only.
CREATE TRIGGER prunes_before_update BEFORE UPDATE ON prunes
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: prune records cannot be changed');
END;

-- Tags: append_only.
CREATE TRIGGER prunes_before_delete BEFORE DELETE ON prunes
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: prune records cannot be deleted');
END;
