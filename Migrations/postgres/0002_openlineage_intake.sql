-- Version 2: OpenLineage as producers send it (as Migrations/sqlite/0011_openlineage_intake.sql).
-- Every RunEvent received is kept, exactly as it was sent; a repeat is recognized by its
-- hash and records nothing.
CREATE TABLE openlineage_events (
    id          bigint PRIMARY KEY,
    received_at bigint NOT NULL,
    sha256      text NOT NULL UNIQUE CHECK (length(sha256) = 64),
    run_id      text NOT NULL CHECK (length(run_id) BETWEEN 1 AND 200),
    event_type  text,
    event_time  bigint NOT NULL,
    job         text NOT NULL CHECK (length(job) BETWEEN 1 AND 200),
    effect      text NOT NULL CHECK (effect IN ('applied', 'noted', 'known')),
    note        text CHECK (effect <> 'noted' OR note IS NOT NULL),
    event       text NOT NULL CHECK (json_valid(event))
);
CREATE SEQUENCE openlineage_events_id_seq AS bigint OWNED BY openlineage_events.id;
CREATE INDEX openlineage_events_by_run ON openlineage_events (run_id, id);

-- RUNNING, COMPLETE, FAIL and ABORT are initial states of `openlineage` too. A new ledger
-- loads the lifecycle from its JSON after this (no row here yet); an existing one has its
-- rules in place, which keep a built-in lifecycle as it is: they are set aside for this
-- statement (the rules are installed again after the migrations).
ALTER TABLE lifecycle_states DISABLE TRIGGER USER;
UPDATE lifecycle_states SET is_initial = 1
WHERE lifecycle = 'openlineage' AND state IN ('RUNNING', 'COMPLETE', 'FAIL', 'ABORT');
ALTER TABLE lifecycle_states ENABLE TRIGGER USER;
