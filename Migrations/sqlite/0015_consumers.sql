-- runledger ledger schema, version 15: named cursors over the whole ledger's history.
--
-- Every history row has its place in one global order, `seq`, whichever client wrote it. A
-- consumer (a notifier, an exporter, a script run from cron) reads the changes after its
-- cursor (`runledger tail --consumer NAME`, `Ledger.changes(after:matching:)`), handles them,
-- then moves its cursor on: after a crash it resumes where it stopped, handling at most the
-- last changes twice (at-least-once; each change carries its `seq` to tell).
CREATE TABLE consumers (
    name       TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    seq        INTEGER NOT NULL CHECK (seq >= 0),  -- every change up to this seq is handled (0: none yet)
    created_at INTEGER NOT NULL,  -- microseconds since the epoch, UTC
    updated_at INTEGER NOT NULL   -- when the cursor last moved
) STRICT;
