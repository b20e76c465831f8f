-- runledger ledger schema, version 11: OpenLineage as producers send it.
--
-- Every RunEvent received is kept, exactly as it was sent, whether or not it could move its
-- run; then it is applied to the run's history (Ledger.receiveOpenLineage). A repeat (the
-- same event again: a retrying HTTP transport, a file imported twice) is recognized by its
-- hash and records nothing.
CREATE TABLE openlineage_events (
    id          INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,  -- when the ledger received it (microseconds since the epoch, UTC)
    sha256      TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),  -- of the event as JSON with sorted keys, no spaces
    run_id      TEXT NOT NULL CHECK (length(run_id) BETWEEN 1 AND 200),  -- the run it is about (runs.id)
    event_type  TEXT,              -- its eventType as sent; NULL when it has none
    event_time  INTEGER NOT NULL,  -- its eventTime (microseconds, UTC; a time without a zone is read as UTC)
    job         TEXT NOT NULL CHECK (length(job) BETWEEN 1 AND 200),  -- job.namespace '/' job.name
    effect      TEXT NOT NULL CHECK (effect IN ('applied', 'noted', 'known')),
        -- applied: it started or moved its run, or (an OTHER) was recorded as an annotation;
        -- noted: it could not move its run and is an annotation on it (note says why);
        -- known: the change it describes was already in the history
    note        TEXT CHECK (effect <> 'noted' OR note IS NOT NULL),
    event       TEXT NOT NULL CHECK (json_valid(event))  -- the event, as received
) STRICT;

CREATE INDEX openlineage_events_by_run ON openlineage_events (run_id, id);

-- OpenLineage runs may be first seen through any event: a listener attached late misses
-- START, a batch producer sends only COMPLETE, a streaming job sends RUNNING first. So
-- RUNNING, COMPLETE, FAIL and ABORT are initial states of `openlineage` too, as in Marquez
-- (which records a run on any event type). START stays the first one: the default.
UPDATE lifecycle_states SET is_initial = 1
WHERE lifecycle = 'openlineage' AND state IN ('RUNNING', 'COMPLETE', 'FAIL', 'ABORT');
