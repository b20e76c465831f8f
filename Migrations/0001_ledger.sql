-- runledger ledger schema, version 1.
--
-- The schema is a public interface: these names are stable and documented in README.
-- Times are INTEGER microseconds since the Unix epoch, UTC, in columns named *_at.
--
-- Every rule of SPEC §3 is enforced here, by triggers, for every client: this library,
-- the sqlite3 shell, Python. A refused statement fails with an SQLite error whose message
-- starts with a stable tag, "runledger:<rule>:". (Debian's SQLite 3.40 accepts only a
-- literal in RAISE(), so the message cannot name the run; the library adds the run, the
-- states and the legal targets when it turns the tag into a typed error.)
--
-- Foreign keys are declared for readers and tools, but the rules do not rely on them:
-- PRAGMA foreign_keys is off by default in other clients, so the triggers check references.

-- ---------------------------------------------------------------------------------------
-- Canonical types: the fixed set every state maps to, so that stats compare across
-- lifecycles.
CREATE TABLE canonical_types (
    name        TEXT PRIMARY KEY,
    position    INTEGER NOT NULL UNIQUE,
    is_terminal INTEGER NOT NULL CHECK (is_terminal IN (0, 1)),
    description TEXT NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO canonical_types (name, position, is_terminal, description) VALUES
    ('SCHEDULED', 1, 0, 'Waiting for a time: a scheduled start, a retry delay.'),
    ('PENDING',   2, 0, 'Submitted and active, but not yet running user code: queued, blocked, preparing.'),
    ('RUNNING',   3, 0, 'Executing.'),
    ('COMPLETED', 4, 1, 'Finished successfully.'),
    ('FAILED',    5, 1, 'Finished unsuccessfully because of the run''s own code or data.'),
    ('CANCELLED', 6, 1, 'Stopped on purpose, by a user or a policy.'),
    ('CRASHED',   7, 1, 'Ended by a failure outside the run: infrastructure, platform, lost heartbeat.'),
    ('SKIPPED',   8, 1, 'Never executed: a concurrency limit, an unmet condition, an upstream failure.');

CREATE TRIGGER canonical_types_are_fixed_on_insert BEFORE INSERT ON canonical_types
BEGIN
    SELECT RAISE(ABORT, 'runledger:immutable_definition: canonical types are fixed');
END;
CREATE TRIGGER canonical_types_are_fixed_on_update BEFORE UPDATE ON canonical_types
BEGIN
    SELECT RAISE(ABORT, 'runledger:immutable_definition: canonical types are fixed');
END;
CREATE TRIGGER canonical_types_are_fixed_on_delete BEFORE DELETE ON canonical_types
BEGIN
    SELECT RAISE(ABORT, 'runledger:immutable_definition: canonical types are fixed');
END;

-- ---------------------------------------------------------------------------------------
-- Lifecycles: named state machines. A lifecycle that a run uses, or a built-in one, is
-- immutable; a change is a new lifecycle under a new name.
CREATE TABLE lifecycles (
    name        TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    description TEXT NOT NULL DEFAULT '',
    is_builtin  INTEGER NOT NULL DEFAULT 0 CHECK (is_builtin IN (0, 1)),
    created_at  INTEGER NOT NULL
        DEFAULT (CAST(round((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000)
) STRICT, WITHOUT ROWID;

-- Every state of every lifecycle. A run starts in an initial state (by default the one with
-- the lowest position); a terminal state ends the run unless an action edge reopens it.
CREATE TABLE lifecycle_states (
    lifecycle      TEXT NOT NULL REFERENCES lifecycles (name),
    state          TEXT NOT NULL CHECK (length(state) BETWEEN 1 AND 200),
    canonical_type TEXT NOT NULL REFERENCES canonical_types (name),
    is_terminal    INTEGER NOT NULL CHECK (is_terminal IN (0, 1)),
    is_initial     INTEGER NOT NULL CHECK (is_initial IN (0, 1)),
    position       INTEGER NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (lifecycle, state)
) STRICT, WITHOUT ROWID;

-- The legal transitions. action is NULL for a plain transition, or names the action that
-- takes this edge (OpenCue's kill, retry...). An edge with an action is taken only by
-- performing that action.
CREATE TABLE lifecycle_transitions (
    lifecycle   TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    action      TEXT CHECK (action IS NULL OR length(action) BETWEEN 1 AND 200),
    description TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (lifecycle, from_state) REFERENCES lifecycle_states (lifecycle, state),
    FOREIGN KEY (lifecycle, to_state) REFERENCES lifecycle_states (lifecycle, state)
) STRICT;

-- One row per edge and action; covers the legality check of every transition.
CREATE UNIQUE INDEX lifecycle_transitions_by_edge
    ON lifecycle_transitions (lifecycle, from_state, to_state, ifnull(action, ''));
CREATE INDEX lifecycle_transitions_lookup
    ON lifecycle_transitions (lifecycle, from_state, to_state, action);

-- ---------------------------------------------------------------------------------------
-- Runs: one execution of a job. state and updated_at are derived: the triggers set them
-- from the run's last state_history row, and no statement can set them otherwise.
CREATE TABLE runs (
    num            INTEGER PRIMARY KEY,  -- compact key; state_changes refers to the run by it
    id             TEXT NOT NULL UNIQUE CHECK (length(id) BETWEEN 1 AND 200),
    job            TEXT NOT NULL CHECK (length(job) BETWEEN 1 AND 200),
    lifecycle      TEXT NOT NULL REFERENCES lifecycles (name),
    state          TEXT,                 -- current state (set by the triggers)
    created_at     INTEGER NOT NULL
        DEFAULT (CAST(round((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000)
        CHECK (created_at >= 0),
    updated_at     INTEGER,              -- time of the last state change (set by the triggers)
    created_by     TEXT,                 -- actor who started the run
    created_reason TEXT,                 -- why it was started
    attempt        INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    parent_id      TEXT REFERENCES runs (id),  -- the run this one retries or resubmits
    scheduled_at   INTEGER,
    heartbeat_at   INTEGER,
    meta           TEXT CHECK (meta IS NULL OR json_valid(meta))
) STRICT;

CREATE INDEX runs_by_job ON runs (job, created_at);
CREATE INDEX runs_by_lifecycle ON runs (lifecycle, state);
CREATE INDEX runs_by_created_at ON runs (created_at);
CREATE INDEX runs_by_parent ON runs (parent_id) WHERE parent_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------
-- The history, stored compactly: one append-only row per state change, naming the run by
-- runs.num. Read and write it through the state_history view below, which names the run
-- by its id; both refuse what the rules refuse.
CREATE TABLE state_changes (
    seq        INTEGER PRIMARY KEY,      -- global order of every change in the ledger
    run_num    INTEGER NOT NULL REFERENCES runs (num),
    from_state TEXT,                     -- NULL on a run's first row
    to_state   TEXT NOT NULL,
    at         INTEGER NOT NULL
        DEFAULT (CAST(round((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000),
    action     TEXT,                     -- the action performed, if the change was one
    actor      TEXT,                     -- who asked: a user, a host and process, a service
    reason     TEXT,
    meta       TEXT CHECK (meta IS NULL OR json_valid(meta))
) STRICT;

CREATE INDEX state_changes_by_run ON state_changes (run_num, seq);

CREATE VIEW state_history AS
SELECT c.seq, r.id AS run_id, c.from_state, c.to_state, c.at, c.action, c.actor, c.reason,
       c.meta
FROM state_changes AS c
JOIN runs AS r ON r.num = c.run_num;

-- ---------------------------------------------------------------------------------------
-- Rule 1: state_history is append-only. Rows leave only with their run (never, in this
-- version: runs cannot be deleted).
CREATE TRIGGER state_changes_are_append_only_on_update BEFORE UPDATE ON state_changes
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: state_history rows cannot be changed');
END;
CREATE TRIGGER state_changes_are_append_only_on_delete BEFORE DELETE ON state_changes
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: state_history rows cannot be deleted');
END;
CREATE TRIGGER runs_are_append_only_on_delete BEFORE DELETE ON runs
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: runs cannot be deleted');
END;

-- Rules 2 and 4: each new row is a legal transition of the run's lifecycle from the run's
-- current state, at a time no earlier than the run's last change; a run's first row enters
-- an initial state. A row is always appended at the end (an explicit seq that is not the
-- newest would rewrite the past, e.g. through INSERT OR REPLACE).
CREATE TRIGGER state_changes_check_transition BEFORE INSERT ON state_changes
BEGIN
    SELECT CASE
        WHEN r.num IS NULL THEN
            RAISE(ABORT, 'runledger:no_such_run: the run does not exist')
        WHEN NEW.seq <> -1 AND NEW.seq <= (SELECT ifnull(max(seq), 0) FROM state_changes) THEN
            RAISE(ABORT, 'runledger:history_order: a new state_history row must come after every other')
        WHEN typeof(NEW.at) <> 'integer' OR NEW.at < 0 THEN
            RAISE(ABORT, 'runledger:bad_value: at must be integer microseconds since the Unix epoch')
        WHEN NEW.from_state IS NULL THEN
            CASE
                WHEN EXISTS (SELECT 1 FROM state_changes WHERE run_num = NEW.run_num) THEN
                    RAISE(ABORT, 'runledger:wrong_from_state: from_state must be the run''s current state')
                WHEN NOT EXISTS (
                    SELECT 1 FROM lifecycle_states
                    WHERE lifecycle = r.lifecycle AND state = NEW.to_state AND is_initial = 1
                ) THEN
                    RAISE(ABORT, 'runledger:not_initial: a run''s first state must be an initial state of its lifecycle')
            END
        WHEN NEW.from_state IS NOT r.state THEN
            RAISE(ABORT, 'runledger:wrong_from_state: from_state must be the run''s current state')
        WHEN NEW.at < r.updated_at THEN
            RAISE(ABORT, 'runledger:time_backwards: a change cannot be earlier than the run''s last change')
        WHEN NOT EXISTS (
            SELECT 1 FROM lifecycle_transitions
            WHERE lifecycle = r.lifecycle AND from_state = NEW.from_state
              AND to_state = NEW.to_state AND action IS NEW.action
        ) THEN
            RAISE(ABORT, 'runledger:illegal_transition: the lifecycle has no such transition')
    END
    FROM (SELECT 1) LEFT JOIN runs AS r ON r.num = NEW.run_num;
END;

-- Rule 3: runs.state and runs.updated_at follow the new row.
CREATE TRIGGER state_changes_apply_to_run AFTER INSERT ON state_changes
BEGIN
    SELECT RAISE(ABORT, 'runledger:history_order: seq must be a positive integer')
    WHERE NEW.seq < 1;
    UPDATE runs SET state = NEW.to_state, updated_at = NEW.at WHERE num = NEW.run_num;
END;

-- Rule 3: no statement sets runs.state or runs.updated_at except to follow the newest row.
CREATE TRIGGER runs_state_is_derived BEFORE UPDATE OF state, updated_at ON runs
WHEN NEW.state IS NOT OLD.state OR NEW.updated_at IS NOT OLD.updated_at
BEGIN
    SELECT RAISE(ABORT, 'runledger:derived_state: runs.state and runs.updated_at follow state_history; insert a state_history row instead')
    WHERE (NEW.num, NEW.state, NEW.updated_at) IS NOT (
        SELECT run_num, to_state, at FROM state_changes ORDER BY seq DESC LIMIT 1
    );
END;

-- A run's identity is fixed once recorded.
CREATE TRIGGER runs_identity_is_immutable
BEFORE UPDATE OF num, id, job, lifecycle, created_at, created_by, created_reason, attempt, parent_id
ON runs
WHEN NEW.num IS NOT OLD.num OR NEW.id IS NOT OLD.id OR NEW.job IS NOT OLD.job
  OR NEW.lifecycle IS NOT OLD.lifecycle OR NEW.created_at IS NOT OLD.created_at
  OR NEW.created_by IS NOT OLD.created_by OR NEW.created_reason IS NOT OLD.created_reason
  OR NEW.attempt IS NOT OLD.attempt OR NEW.parent_id IS NOT OLD.parent_id
BEGIN
    SELECT RAISE(ABORT, 'runledger:immutable_run: a run''s id, job, lifecycle, creation and parent cannot change');
END;

-- A new run: a new id, a known lifecycle, an initial state (or none: the lifecycle's first
-- initial state), a known parent. Checked before the row exists, so that INSERT OR REPLACE
-- cannot overwrite a run.
CREATE TRIGGER runs_check_new_run BEFORE INSERT ON runs
BEGIN
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM runs WHERE id = NEW.id) THEN
            RAISE(ABORT, 'runledger:duplicate_run: a run with this id already exists')
        WHEN NEW.num <> -1 AND EXISTS (SELECT 1 FROM runs WHERE num = NEW.num) THEN
            RAISE(ABORT, 'runledger:duplicate_run: a run with this num already exists')
        WHEN NOT EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:no_such_lifecycle: the lifecycle does not exist')
        WHEN NEW.state IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.state
        ) THEN
            RAISE(ABORT, 'runledger:no_such_state: the lifecycle has no such state')
        WHEN NEW.state IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM lifecycle_states
            WHERE lifecycle = NEW.lifecycle AND state = NEW.state AND is_initial = 1
        ) THEN
            RAISE(ABORT, 'runledger:not_initial: a run''s first state must be an initial state of its lifecycle')
        WHEN NEW.updated_at IS NOT NULL THEN
            RAISE(ABORT, 'runledger:derived_state: runs.updated_at follows state_history; leave it out')
        WHEN NEW.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM runs WHERE id = NEW.parent_id) THEN
            RAISE(ABORT, 'runledger:no_such_run: the parent run does not exist')
        WHEN NEW.heartbeat_at IS NOT NULL AND typeof(NEW.heartbeat_at) <> 'integer' THEN
            RAISE(ABORT, 'runledger:bad_value: heartbeat_at must be integer microseconds')
    END;
END;

-- A new run records its first state as its first state_history row.
CREATE TRIGGER runs_record_first_state AFTER INSERT ON runs
BEGIN
    INSERT INTO state_changes (run_num, from_state, to_state, at, actor, reason)
    VALUES (
        NEW.num,
        NULL,
        ifnull(NEW.state, (
            SELECT state FROM lifecycle_states
            WHERE lifecycle = NEW.lifecycle AND is_initial = 1
            ORDER BY position LIMIT 1
        )),
        NEW.created_at,
        NEW.created_by,
        NEW.created_reason
    );
END;

-- ---------------------------------------------------------------------------------------
-- The state_history view takes the writes a plain SQL client makes: INSERT records a
-- transition (the triggers above check it); UPDATE and DELETE are refused.
CREATE TRIGGER state_history_insert INSTEAD OF INSERT ON state_history
BEGIN
    SELECT RAISE(ABORT, 'runledger:no_such_run: the run does not exist')
    WHERE NOT EXISTS (SELECT 1 FROM runs WHERE id = NEW.run_id);
    INSERT INTO state_changes (seq, run_num, from_state, to_state, at, action, actor, reason, meta)
    VALUES (
        NEW.seq,
        (SELECT num FROM runs WHERE id = NEW.run_id),
        NEW.from_state,
        NEW.to_state,
        ifnull(NEW.at, CAST(round((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000),
        NEW.action,
        NEW.actor,
        NEW.reason,
        NEW.meta
    );
END;
CREATE TRIGGER state_history_update INSTEAD OF UPDATE ON state_history
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: state_history rows cannot be changed');
END;
CREATE TRIGGER state_history_delete INSTEAD OF DELETE ON state_history
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: state_history rows cannot be deleted');
END;

-- ---------------------------------------------------------------------------------------
-- Rule 5: a lifecycle that is built in or used by a run cannot change. Checked before
-- inserts too, so that INSERT OR REPLACE cannot rewrite a definition.
CREATE TRIGGER lifecycles_check_insert BEFORE INSERT ON lifecycles
BEGIN
    SELECT RAISE(ABORT, 'runledger:duplicate_lifecycle: a lifecycle with this name already exists')
    WHERE EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.name);
END;
CREATE TRIGGER lifecycles_check_update BEFORE UPDATE ON lifecycles
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE OLD.is_builtin = 1 OR NEW.name IS NOT OLD.name
       OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = OLD.name);
END;
CREATE TRIGGER lifecycles_check_delete BEFORE DELETE ON lifecycles
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE OLD.is_builtin = 1 OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = OLD.name);
END;

CREATE TRIGGER lifecycle_states_check_insert BEFORE INSERT ON lifecycle_states
BEGIN
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:no_such_lifecycle: the lifecycle does not exist')
        WHEN EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle AND is_builtin = 1)
          OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
        WHEN EXISTS (SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.state) THEN
            RAISE(ABORT, 'runledger:duplicate_state: the lifecycle already has this state')
        WHEN NOT EXISTS (SELECT 1 FROM canonical_types WHERE name = NEW.canonical_type) THEN
            RAISE(ABORT, 'runledger:bad_value: canonical_type must be one of canonical_types.name')
    END;
END;
CREATE TRIGGER lifecycle_states_check_update BEFORE UPDATE ON lifecycle_states
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE EXISTS (
        SELECT 1 FROM lifecycles
        WHERE name IN (OLD.lifecycle, NEW.lifecycle) AND is_builtin = 1
    ) OR EXISTS (SELECT 1 FROM runs WHERE lifecycle IN (OLD.lifecycle, NEW.lifecycle))
      OR NEW.lifecycle IS NOT OLD.lifecycle OR NEW.state IS NOT OLD.state;
END;
CREATE TRIGGER lifecycle_states_check_delete BEFORE DELETE ON lifecycle_states
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE EXISTS (SELECT 1 FROM lifecycles WHERE name = OLD.lifecycle AND is_builtin = 1)
       OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = OLD.lifecycle);
END;

CREATE TRIGGER lifecycle_transitions_check_insert BEFORE INSERT ON lifecycle_transitions
BEGIN
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:no_such_lifecycle: the lifecycle does not exist')
        WHEN EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle AND is_builtin = 1)
          OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
        WHEN NOT EXISTS (SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.from_state)
          OR NOT EXISTS (SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.to_state) THEN
            RAISE(ABORT, 'runledger:no_such_state: a transition must join two states of its lifecycle')
        WHEN EXISTS (
            SELECT 1 FROM lifecycle_transitions
            WHERE lifecycle = NEW.lifecycle AND from_state = NEW.from_state
              AND to_state = NEW.to_state AND action IS NEW.action
        ) THEN
            RAISE(ABORT, 'runledger:duplicate_transition: the lifecycle already has this transition')
    END;
END;
CREATE TRIGGER lifecycle_transitions_check_update BEFORE UPDATE ON lifecycle_transitions
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE EXISTS (
        SELECT 1 FROM lifecycles
        WHERE name IN (OLD.lifecycle, NEW.lifecycle) AND is_builtin = 1
    ) OR EXISTS (SELECT 1 FROM runs WHERE lifecycle IN (OLD.lifecycle, NEW.lifecycle))
      OR NEW.lifecycle IS NOT OLD.lifecycle OR NEW.from_state IS NOT OLD.from_state
      OR NEW.to_state IS NOT OLD.to_state;
END;
CREATE TRIGGER lifecycle_transitions_check_delete BEFORE DELETE ON lifecycle_transitions
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE EXISTS (SELECT 1 FROM lifecycles WHERE name = OLD.lifecycle AND is_builtin = 1)
       OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = OLD.lifecycle);
END;

-- ---------------------------------------------------------------------------------------
-- Reporting views.

-- Each history row with its ISO-8601 time, the canonical type of the state it enters, and
-- the time spent in that state (NULL while the run is still in it).
CREATE VIEW run_timeline AS
SELECT
    c.seq,
    r.id AS run_id,
    r.job,
    r.lifecycle,
    c.from_state,
    c.to_state,
    s.canonical_type,
    s.is_terminal,
    c.at,
    strftime('%Y-%m-%dT%H:%M:%S', c.at / 1000000, 'unixepoch')
        || printf('.%06dZ', c.at % 1000000) AS at_iso,
    n.at AS left_at,
    (n.at - c.at) / 1e6 AS seconds_in_state,
    c.action,
    c.actor,
    c.reason,
    c.meta
FROM state_changes AS c
JOIN runs AS r ON r.num = c.run_num
LEFT JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = c.to_state
LEFT JOIN state_changes AS n ON n.seq = (
    SELECT min(x.seq) FROM state_changes AS x WHERE x.run_num = c.run_num AND x.seq > c.seq
);

-- One row per run: where it is, and for a finished run when it ended and how long it took.
CREATE VIEW run_summary AS
SELECT
    r.id AS run_id,
    r.job,
    r.lifecycle,
    r.state,
    s.canonical_type,
    s.is_terminal,
    r.attempt,
    r.parent_id,
    r.created_at AS started_at,
    strftime('%Y-%m-%dT%H:%M:%S', r.created_at / 1000000, 'unixepoch')
        || printf('.%06dZ', r.created_at % 1000000) AS started_at_iso,
    CASE WHEN s.is_terminal = 1 THEN r.updated_at END AS ended_at,
    CASE WHEN s.is_terminal = 1 THEN
        strftime('%Y-%m-%dT%H:%M:%S', r.updated_at / 1000000, 'unixepoch')
            || printf('.%06dZ', r.updated_at % 1000000)
    END AS ended_at_iso,
    CASE WHEN s.is_terminal = 1 THEN (r.updated_at - r.created_at) / 1e6 END AS duration_seconds,
    r.updated_at
FROM runs AS r
LEFT JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = r.state;
