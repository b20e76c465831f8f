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
--
-- The role columns name the states that the ledger's semantics use (NULL: the lifecycle
-- has none): where a run goes at once when its job is at its concurrency limit
-- (skip_state, with skip_outcome), where the sweep puts overdue scheduled runs
-- (late_state) and runs whose heartbeat stopped (crash_state), which state counts as a
-- retry (retry_state), where a run waits for its upstream runs (blocked_state) and where it
-- goes when they all complete (release_state), and where it goes when one of them fails
-- (upstream_failed_state, with upstream_failed_outcome; NULL: it stays where it is, with
-- an annotation). default_max_active limits the active runs of each job that has no limit
-- of its own in `jobs`.
CREATE TABLE lifecycles (
    name                    TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    description             TEXT NOT NULL DEFAULT '',
    is_builtin              INTEGER NOT NULL DEFAULT 0 CHECK (is_builtin IN (0, 1)),
    created_at              INTEGER NOT NULL
        DEFAULT (CAST(round((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000),
    default_max_active      INTEGER CHECK (default_max_active >= 0),
    skip_state              TEXT,
    skip_outcome            TEXT,
    late_state              TEXT,
    crash_state             TEXT,
    retry_state             TEXT,
    blocked_state           TEXT,
    release_state           TEXT,
    upstream_failed_state   TEXT,
    upstream_failed_outcome TEXT
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

-- Outcomes a terminal change may carry (Databricks' result_state), each refining the
-- canonical type of the state it ends in: TERMINATED with outcome FAILED counts as FAILED.
CREATE TABLE lifecycle_outcomes (
    lifecycle      TEXT NOT NULL REFERENCES lifecycles (name),
    outcome        TEXT NOT NULL CHECK (length(outcome) BETWEEN 1 AND 200),
    canonical_type TEXT NOT NULL REFERENCES canonical_types (name),
    description    TEXT NOT NULL DEFAULT '',
    UNIQUE (lifecycle, outcome)
) STRICT;

-- Jobs that set their own limit of concurrently active runs (NULL: no limit). A job
-- without a row here gets its lifecycle's default_max_active.
CREATE TABLE jobs (
    job        TEXT PRIMARY KEY CHECK (length(job) BETWEEN 1 AND 200),
    max_active INTEGER CHECK (max_active >= 0)
) STRICT, WITHOUT ROWID;

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
    ended_at       INTEGER,              -- when it entered its terminal state; NULL while active
    outcome        TEXT,                 -- the outcome its terminal change carried, if any
    created_by     TEXT,                 -- actor who started the run
    created_reason TEXT,                 -- why it was started
    attempt        INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    parent_id      TEXT REFERENCES runs (id),  -- the run this one retries or resubmits
    max_retries    INTEGER CHECK (max_retries >= 0),  -- NULL: unlimited
    scheduled_at   INTEGER,              -- when it is due to start
    heartbeat_at   INTEGER,              -- its last heartbeat
    meta           TEXT CHECK (meta IS NULL OR json_valid(meta))
) STRICT;

-- No index holds runs.state: it changes with every transition, and each such index would
-- be rewritten each time (the biggest single write cost the benchmark found).
CREATE INDEX runs_by_job ON runs (job, created_at);
CREATE INDEX runs_by_lifecycle ON runs (lifecycle);
CREATE INDEX runs_by_created_at ON runs (created_at);
CREATE INDEX runs_by_parent ON runs (parent_id) WHERE parent_id IS NOT NULL;
-- Active runs only: concurrency limits count here; an entry changes once, when the run ends.
CREATE INDEX runs_active_by_job ON runs (job) WHERE ended_at IS NULL;
-- Only runs that use schedules or heartbeats, while active: what the sweep looks for.
CREATE INDEX runs_waiting_for_schedule ON runs (scheduled_at) WHERE ended_at IS NULL AND scheduled_at IS NOT NULL;
CREATE INDEX runs_sending_heartbeats ON runs (heartbeat_at) WHERE ended_at IS NULL AND heartbeat_at IS NOT NULL;

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
    action      TEXT,                    -- the action performed, if the change was one
    actor       TEXT,                    -- who asked: a user, a host and process, a service
    reason      TEXT,
    meta        TEXT CHECK (meta IS NULL OR json_valid(meta)),
    outcome     TEXT,                    -- a terminal change's outcome (lifecycle_outcomes)
    request_key TEXT                     -- the client's key for this request: repeats are no-ops
) STRICT;

CREATE INDEX state_changes_by_run ON state_changes (run_num, seq);
CREATE UNIQUE INDEX state_changes_by_request_key ON state_changes (request_key)
    WHERE request_key IS NOT NULL;

CREATE VIEW state_history AS
SELECT c.seq, r.id AS run_id, c.from_state, c.to_state, c.at, c.action, c.actor, c.reason,
       c.meta, c.outcome, c.request_key
FROM state_changes AS c
JOIN runs AS r ON r.num = c.run_num;

-- Upstream runs a run waits for: it cannot enter a RUNNING-type state until each of them
-- has completed successfully. An upstream must be older than its dependant (so there are
-- no cycles).
CREATE TABLE run_dependencies (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    upstream_id TEXT NOT NULL REFERENCES runs (id),
    PRIMARY KEY (run_id, upstream_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX run_dependencies_by_upstream ON run_dependencies (upstream_id);

-- Facts about a run that do not move it: OpenLineage's OTHER events, an upstream that
-- failed while the run stays blocked. May name a run not recorded yet (OTHER may come
-- before START).
CREATE TABLE run_annotations (
    id     INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL CHECK (length(run_id) BETWEEN 1 AND 200),
    at     INTEGER NOT NULL
        DEFAULT (CAST(round((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000),
    kind   TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 200),
    actor  TEXT,
    reason TEXT,
    meta   TEXT CHECK (meta IS NULL OR json_valid(meta))
) STRICT;

CREATE INDEX run_annotations_by_run ON run_annotations (run_id, id);

-- Every retention prune: terminal runs that ended before before_at were removed whole
-- (and first copied to archive, if named). The latest cutoff is what allows a terminal
-- run to be deleted at all.
CREATE TABLE prunes (
    id        INTEGER PRIMARY KEY,
    before_at INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    actor     TEXT,
    archive   TEXT,
    runs      INTEGER NOT NULL DEFAULT 0,
    changes   INTEGER NOT NULL DEFAULT 0
) STRICT;

-- ---------------------------------------------------------------------------------------
-- Rule 1: history is append-only. Rows leave the ledger only with their whole run, when a
-- retention prune removes a terminal run (see `prunes`).
CREATE TRIGGER state_changes_are_append_only_on_update BEFORE UPDATE ON state_changes
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: state_history rows cannot be changed');
END;
CREATE TRIGGER state_changes_are_append_only_on_delete BEFORE DELETE ON state_changes
WHEN EXISTS (SELECT 1 FROM runs WHERE num = OLD.run_num)
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: state_history rows leave only with their whole run');
END;

-- A run may be deleted only whole, when it is terminal, ended before the latest recorded
-- prune cutoff, and no other run names it as parent or upstream; its history, dependencies
-- and annotations go with it.
CREATE TRIGGER runs_delete_only_whole_pruned_runs BEFORE DELETE ON runs
BEGIN
    SELECT CASE
        WHEN OLD.ended_at IS NULL
          OR NOT OLD.ended_at < ifnull((SELECT before_at FROM prunes ORDER BY id DESC LIMIT 1), 0) THEN
            RAISE(ABORT, 'runledger:append_only: only a terminal run that ended before a recorded prune cutoff can be deleted')
        WHEN EXISTS (SELECT 1 FROM runs WHERE parent_id = OLD.id)
          OR EXISTS (SELECT 1 FROM run_dependencies WHERE upstream_id = OLD.id) THEN
            RAISE(ABORT, 'runledger:append_only: a run that another run names as parent or upstream cannot be deleted')
    END;
END;
CREATE TRIGGER runs_delete_takes_their_history AFTER DELETE ON runs
BEGIN
    DELETE FROM state_changes WHERE run_num = OLD.num;
    DELETE FROM run_dependencies WHERE run_id = OLD.id;
    DELETE FROM run_annotations WHERE run_id = OLD.id;
END;

-- Rules 2 and 4, and the rules of retries, outcomes and dependencies: each new row is a
-- legal transition of the run's lifecycle from the run's current state, at a time no
-- earlier than the run's last change; a run's first row enters an initial state. A row is
-- always appended at the end (an explicit seq that is not the newest would rewrite the
-- past, e.g. through INSERT OR REPLACE). An outcome goes only with a change into a terminal
-- state, and must be one the lifecycle defines. Entering the lifecycle's retry state is
-- refused once the run's max_retries are used. Entering a RUNNING-type state is refused
-- while an upstream run has not completed successfully.
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
        WHEN NEW.outcome IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM lifecycle_outcomes AS o JOIN lifecycle_states AS s
                ON s.lifecycle = o.lifecycle AND s.state = NEW.to_state AND s.is_terminal = 1
            WHERE o.lifecycle = r.lifecycle AND o.outcome = NEW.outcome
        ) THEN
            RAISE(ABORT, 'runledger:bad_outcome: an outcome goes only with a terminal state, and must be one the lifecycle defines')
        WHEN r.max_retries IS NOT NULL AND NEW.to_state = (SELECT retry_state FROM lifecycles WHERE name = r.lifecycle)
          AND (SELECT count(*) FROM state_changes
               WHERE run_num = NEW.run_num AND to_state = NEW.to_state AND from_state IS NOT NULL) >= r.max_retries THEN
            RAISE(ABORT, 'runledger:retries_exhausted: the run has used all its retries')
        WHEN EXISTS (SELECT 1 FROM run_dependencies WHERE run_id = r.id)
          AND (SELECT canonical_type FROM lifecycle_states WHERE lifecycle = r.lifecycle AND state = NEW.to_state) = 'RUNNING'
          AND EXISTS (
            SELECT 1 FROM run_dependencies AS d JOIN runs AS u ON u.id = d.upstream_id
            JOIN lifecycle_states AS us ON us.lifecycle = u.lifecycle AND us.state = u.state
            LEFT JOIN lifecycle_outcomes AS uo ON uo.lifecycle = u.lifecycle AND uo.outcome = u.outcome
            WHERE d.run_id = r.id AND ifnull(uo.canonical_type, us.canonical_type) <> 'COMPLETED'
        ) THEN
            RAISE(ABORT, 'runledger:blocked_by_upstream: an upstream run has not completed successfully')
    END
    FROM (SELECT 1) LEFT JOIN runs AS r ON r.num = NEW.run_num;
END;

-- Rule 3: runs.state, updated_at, ended_at and outcome follow the new row.
CREATE TRIGGER state_changes_apply_to_run AFTER INSERT ON state_changes
BEGIN
    SELECT RAISE(ABORT, 'runledger:history_order: seq must be a positive integer')
    WHERE NEW.seq < 1;
    UPDATE runs SET
        state = NEW.to_state,
        updated_at = NEW.at,
        ended_at = CASE WHEN (
            SELECT is_terminal FROM lifecycle_states WHERE lifecycle = runs.lifecycle AND state = NEW.to_state
        ) = 1 THEN NEW.at END,
        outcome = NEW.outcome
    WHERE num = NEW.run_num;
END;

-- A run that ends tells the runs that wait for it. When it completes successfully, each
-- dependant waiting in its lifecycle's blocked state whose other upstreams have completed
-- too is released. When it ends otherwise, each active dependant (and theirs, all the way
-- down) moves to its lifecycle's upstream_failed_state where it has one and the edge, or
-- else stays where it is, with an annotation saying why.
CREATE TRIGGER state_changes_notify_dependants AFTER INSERT ON state_changes
WHEN EXISTS (
    SELECT 1 FROM run_dependencies WHERE upstream_id = (SELECT id FROM runs WHERE num = NEW.run_num)
) AND (
    SELECT s.is_terminal FROM runs AS r JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = NEW.to_state
    WHERE r.num = NEW.run_num
) = 1
BEGIN
    -- Success: release the dependants whose every upstream has now completed.
    INSERT INTO state_changes (run_num, from_state, to_state, at, actor, reason)
    SELECT d.num, d.state, l.release_state, NEW.at, 'runledger',
           'upstream ' || u.id || ' completed; every upstream has completed'
    FROM runs AS u
    JOIN lifecycle_states AS us ON us.lifecycle = u.lifecycle AND us.state = NEW.to_state
    LEFT JOIN lifecycle_outcomes AS uo ON uo.lifecycle = u.lifecycle AND uo.outcome = NEW.outcome
    JOIN run_dependencies AS dep ON dep.upstream_id = u.id
    JOIN runs AS d ON d.id = dep.run_id
    JOIN lifecycles AS l ON l.name = d.lifecycle
    WHERE u.num = NEW.run_num
      AND ifnull(uo.canonical_type, us.canonical_type) = 'COMPLETED'
      AND d.state = l.blocked_state AND l.release_state IS NOT NULL
      AND NOT EXISTS (
        SELECT 1 FROM run_dependencies AS other JOIN runs AS o ON o.id = other.upstream_id
        JOIN lifecycle_states AS os ON os.lifecycle = o.lifecycle AND os.state = o.state
        LEFT JOIN lifecycle_outcomes AS oo ON oo.lifecycle = o.lifecycle AND oo.outcome = o.outcome
        WHERE other.run_id = d.id AND o.num <> u.num AND ifnull(oo.canonical_type, os.canonical_type) <> 'COMPLETED'
      )
    ORDER BY d.num;

    -- Failure: every active run downstream, transitively.
    INSERT INTO state_changes (run_num, from_state, to_state, at, actor, reason, outcome)
    WITH RECURSIVE downstream (id, via) AS (
        SELECT dep.run_id, u.id FROM runs AS u JOIN run_dependencies AS dep ON dep.upstream_id = u.id
        WHERE u.num = NEW.run_num
        UNION
        SELECT dep.run_id, downstream.via FROM downstream JOIN run_dependencies AS dep ON dep.upstream_id = downstream.id
    )
    SELECT d.num, d.state, l.upstream_failed_state, NEW.at, 'runledger',
           'upstream ' || (SELECT id FROM runs WHERE num = NEW.run_num) || ' ended in ' || NEW.to_state,
           l.upstream_failed_outcome
    FROM (SELECT DISTINCT id FROM downstream) AS w
    JOIN runs AS d ON d.id = w.id AND d.ended_at IS NULL
    JOIN lifecycles AS l ON l.name = d.lifecycle
    WHERE (
        SELECT ifnull(uo.canonical_type, us.canonical_type)
        FROM runs AS u JOIN lifecycle_states AS us ON us.lifecycle = u.lifecycle AND us.state = NEW.to_state
        LEFT JOIN lifecycle_outcomes AS uo ON uo.lifecycle = u.lifecycle AND uo.outcome = NEW.outcome
        WHERE u.num = NEW.run_num
    ) <> 'COMPLETED'
      AND EXISTS (
        SELECT 1 FROM lifecycle_transitions AS t
        WHERE t.lifecycle = d.lifecycle AND t.from_state = d.state AND t.to_state = l.upstream_failed_state
          AND t.action IS NULL
      )
    ORDER BY d.num;

    INSERT INTO run_annotations (run_id, at, kind, actor, reason)
    WITH RECURSIVE downstream (id) AS (
        SELECT dep.run_id FROM runs AS u JOIN run_dependencies AS dep ON dep.upstream_id = u.id
        WHERE u.num = NEW.run_num
        UNION
        SELECT dep.run_id FROM downstream JOIN run_dependencies AS dep ON dep.upstream_id = downstream.id
    )
    SELECT d.id, NEW.at, 'upstream_failed', 'runledger',
           'upstream ' || (SELECT id FROM runs WHERE num = NEW.run_num) || ' ended in ' || NEW.to_state
           || '; this run waits for it and cannot run'
    FROM (SELECT DISTINCT id FROM downstream) AS w
    JOIN runs AS d ON d.id = w.id AND d.ended_at IS NULL
    WHERE (
        SELECT ifnull(uo.canonical_type, us.canonical_type)
        FROM runs AS u JOIN lifecycle_states AS us ON us.lifecycle = u.lifecycle AND us.state = NEW.to_state
        LEFT JOIN lifecycle_outcomes AS uo ON uo.lifecycle = u.lifecycle AND uo.outcome = NEW.outcome
        WHERE u.num = NEW.run_num
    ) <> 'COMPLETED'
    ORDER BY d.num;
END;

-- Rule 3: no statement sets runs.state, updated_at, ended_at or outcome except to follow
-- the run's last history row.
CREATE TRIGGER runs_state_is_derived BEFORE UPDATE OF state, updated_at, ended_at, outcome ON runs
WHEN NEW.state IS NOT OLD.state OR NEW.updated_at IS NOT OLD.updated_at
  OR NEW.ended_at IS NOT OLD.ended_at OR NEW.outcome IS NOT OLD.outcome
BEGIN
    SELECT RAISE(ABORT, 'runledger:derived_state: runs.state, updated_at, ended_at and outcome follow state_history; insert a state_history row instead')
    WHERE (NEW.state, NEW.updated_at, NEW.outcome) IS NOT (
        SELECT to_state, at, outcome FROM state_changes WHERE run_num = NEW.num ORDER BY seq DESC LIMIT 1
    ) OR NEW.ended_at IS NOT (
        SELECT CASE WHEN is_terminal = 1 THEN NEW.updated_at END
        FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.state
    );
END;

-- A run's identity is fixed once recorded.
CREATE TRIGGER runs_identity_is_immutable
BEFORE UPDATE OF num, id, job, lifecycle, created_at, created_by, created_reason, attempt, parent_id, max_retries
ON runs
WHEN NEW.num IS NOT OLD.num OR NEW.id IS NOT OLD.id OR NEW.job IS NOT OLD.job
  OR NEW.lifecycle IS NOT OLD.lifecycle OR NEW.created_at IS NOT OLD.created_at
  OR NEW.created_by IS NOT OLD.created_by OR NEW.created_reason IS NOT OLD.created_reason
  OR NEW.attempt IS NOT OLD.attempt OR NEW.parent_id IS NOT OLD.parent_id
  OR NEW.max_retries IS NOT OLD.max_retries
BEGIN
    SELECT RAISE(ABORT, 'runledger:immutable_run: a run''s id, job, lifecycle, creation, parent and retries cannot change');
END;

-- Heartbeats only move forward, and only for an active run.
CREATE TRIGGER runs_check_heartbeat BEFORE UPDATE OF heartbeat_at ON runs
WHEN NEW.heartbeat_at IS NOT OLD.heartbeat_at
BEGIN
    SELECT CASE
        WHEN OLD.ended_at IS NOT NULL THEN
            RAISE(ABORT, 'runledger:run_ended: a run that has ended takes no heartbeat')
        WHEN NEW.heartbeat_at IS NULL OR typeof(NEW.heartbeat_at) <> 'integer'
          OR NEW.heartbeat_at < ifnull(OLD.heartbeat_at, 0) THEN
            RAISE(ABORT, 'runledger:time_backwards: a heartbeat cannot be earlier than the last one')
    END;
END;

-- A new run: a new id, a known lifecycle, an initial state (or none: the lifecycle's first
-- initial state), a known parent whose retries are not used up. Checked before the row
-- exists, so that INSERT OR REPLACE cannot overwrite a run.
CREATE TRIGGER runs_check_new_run BEFORE INSERT ON runs
BEGIN
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM runs WHERE id = NEW.id) THEN
            RAISE(ABORT, 'runledger:duplicate_run: a run with this id already exists')
        WHEN NEW.num <> -1 AND EXISTS (SELECT 1 FROM runs WHERE num = NEW.num) THEN
            RAISE(ABORT, 'runledger:duplicate_run: a run with this num already exists')
        WHEN NOT EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:no_such_lifecycle: the lifecycle does not exist')
        WHEN NEW.state IS NOT NULL AND (
            SELECT is_initial FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.state
        ) IS NULL THEN
            RAISE(ABORT, 'runledger:no_such_state: the lifecycle has no such state')
        WHEN NEW.state IS NOT NULL AND (
            SELECT is_initial FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.state
        ) = 0 THEN
            RAISE(ABORT, 'runledger:not_initial: a run''s first state must be an initial state of its lifecycle')
        WHEN NEW.updated_at IS NOT NULL OR NEW.ended_at IS NOT NULL OR NEW.outcome IS NOT NULL THEN
            RAISE(ABORT, 'runledger:derived_state: runs.updated_at, ended_at and outcome follow state_history; leave them out')
        WHEN NEW.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM runs WHERE id = NEW.parent_id) THEN
            RAISE(ABORT, 'runledger:no_such_run: the parent run does not exist')
        WHEN NEW.parent_id IS NOT NULL
          AND NEW.attempt IS NOT (SELECT attempt + 1 FROM runs WHERE id = NEW.parent_id) THEN
            RAISE(ABORT, 'runledger:bad_value: a run''s attempt must be one more than its parent''s')
        WHEN NEW.parent_id IS NOT NULL AND (
            SELECT max_retries IS NOT NULL AND attempt > max_retries FROM runs WHERE id = NEW.parent_id
        ) THEN
            RAISE(ABORT, 'runledger:retries_exhausted: the parent run has used all its retries')
        WHEN NEW.heartbeat_at IS NOT NULL AND typeof(NEW.heartbeat_at) <> 'integer' THEN
            RAISE(ABORT, 'runledger:bad_value: heartbeat_at must be integer microseconds')
    END;
END;

-- A new run records its first state as its first state_history row. Then, if its job is
-- at its limit of active runs (jobs.max_active, else the lifecycle's default_max_active),
-- it moves at once to its lifecycle's skip state, with a reason naming an active run; a
-- lifecycle without a skip state (or without the edge) refuses the run instead.
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

    -- The limit is looked up first, once per statement; with none (the usual case), the rest
    -- of each statement does no work.
    INSERT INTO state_changes (run_num, from_state, to_state, at, actor, reason, outcome)
    SELECT NEW.num, r.state, l.skip_state, NEW.created_at, 'runledger',
           'job ' || NEW.job || ' is at its limit of ' || limits.max_active || ' active run'
           || CASE WHEN limits.max_active = 1 THEN '' ELSE 's' END
           || ifnull('; run ' || (
                SELECT id FROM runs WHERE job = NEW.job AND ended_at IS NULL AND num <> NEW.num ORDER BY num LIMIT 1
              ) || ' is active', ''),
           l.skip_outcome
    FROM (
        SELECT ifnull((SELECT max_active FROM jobs WHERE job = NEW.job), CASE
                   WHEN EXISTS (SELECT 1 FROM jobs WHERE job = NEW.job) THEN NULL
                   ELSE (SELECT default_max_active FROM lifecycles WHERE name = NEW.lifecycle)
               END) AS max_active
    ) AS limits
    JOIN runs AS r ON r.num = NEW.num AND limits.max_active IS NOT NULL
    JOIN lifecycles AS l ON l.name = r.lifecycle
    WHERE (SELECT count(*) FROM runs WHERE job = NEW.job AND ended_at IS NULL AND num <> NEW.num) >= limits.max_active
      AND EXISTS (
        SELECT 1 FROM lifecycle_transitions
        WHERE lifecycle = r.lifecycle AND from_state = r.state AND to_state = l.skip_state AND action IS NULL
      );

    SELECT RAISE(ABORT, 'runledger:concurrency_limit: the job is at its limit of active runs and the run cannot be skipped')
    FROM (
        SELECT ifnull((SELECT max_active FROM jobs WHERE job = NEW.job), CASE
                   WHEN EXISTS (SELECT 1 FROM jobs WHERE job = NEW.job) THEN NULL
                   ELSE (SELECT default_max_active FROM lifecycles WHERE name = NEW.lifecycle)
               END) AS max_active
    ) AS limits
    JOIN runs AS r ON r.num = NEW.num AND limits.max_active IS NOT NULL
    WHERE r.ended_at IS NULL
      AND (SELECT count(*) FROM runs WHERE job = NEW.job AND ended_at IS NULL AND num <> NEW.num) >= limits.max_active;
END;

-- ---------------------------------------------------------------------------------------
-- Dependencies and annotations are append-only too; they leave only with their run.
CREATE TRIGGER run_dependencies_check_insert BEFORE INSERT ON run_dependencies
BEGIN
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM runs WHERE id = NEW.run_id)
          OR NOT EXISTS (SELECT 1 FROM runs WHERE id = NEW.upstream_id) THEN
            RAISE(ABORT, 'runledger:no_such_run: a dependency joins two recorded runs')
        WHEN (SELECT num FROM runs WHERE id = NEW.upstream_id) >= (SELECT num FROM runs WHERE id = NEW.run_id) THEN
            RAISE(ABORT, 'runledger:bad_value: an upstream run must be recorded before the run that waits for it')
        WHEN EXISTS (SELECT 1 FROM run_dependencies WHERE run_id = NEW.run_id AND upstream_id = NEW.upstream_id) THEN
            RAISE(ABORT, 'runledger:bad_value: the dependency is already recorded')
    END;
END;
CREATE TRIGGER run_dependencies_are_append_only_on_update BEFORE UPDATE ON run_dependencies
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: dependencies cannot be changed');
END;
CREATE TRIGGER run_dependencies_are_append_only_on_delete BEFORE DELETE ON run_dependencies
WHEN EXISTS (SELECT 1 FROM runs WHERE id = OLD.run_id)
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: dependencies leave only with their run');
END;
CREATE TRIGGER run_annotations_check_insert BEFORE INSERT ON run_annotations
WHEN NEW.id IS NOT NULL AND NEW.id <> -1 AND NEW.id <= (SELECT ifnull(max(id), 0) FROM run_annotations)
BEGIN
    SELECT RAISE(ABORT, 'runledger:history_order: a new annotation must come after every other');
END;
CREATE TRIGGER run_annotations_are_append_only_on_update BEFORE UPDATE ON run_annotations
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: annotations cannot be changed');
END;
CREATE TRIGGER run_annotations_are_append_only_on_delete BEFORE DELETE ON run_annotations
WHEN EXISTS (SELECT 1 FROM runs WHERE id = OLD.run_id)
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: annotations leave only with their run');
END;
CREATE TRIGGER prunes_are_append_only_on_update BEFORE UPDATE ON prunes
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: prune records cannot be changed');
END;
CREATE TRIGGER prunes_are_append_only_on_delete BEFORE DELETE ON prunes
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: prune records cannot be deleted');
END;
CREATE TRIGGER prunes_check_insert BEFORE INSERT ON prunes
WHEN NEW.id IS NOT NULL AND NEW.id <> -1 AND NEW.id <= (SELECT ifnull(max(id), 0) FROM prunes)
BEGIN
    SELECT RAISE(ABORT, 'runledger:history_order: a new prune record must come after every other');
END;

-- ---------------------------------------------------------------------------------------
-- The state_history view takes the writes a plain SQL client makes: INSERT records a
-- transition (the triggers above check it); UPDATE and DELETE are refused.
CREATE TRIGGER state_history_insert INSTEAD OF INSERT ON state_history
BEGIN
    SELECT RAISE(ABORT, 'runledger:no_such_run: the run does not exist')
    WHERE NOT EXISTS (SELECT 1 FROM runs WHERE id = NEW.run_id);
    INSERT INTO state_changes (seq, run_num, from_state, to_state, at, action, actor, reason, meta, outcome, request_key)
    VALUES (
        NEW.seq,
        (SELECT num FROM runs WHERE id = NEW.run_id),
        NEW.from_state,
        NEW.to_state,
        ifnull(NEW.at, CAST(round((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000),
        NEW.action,
        NEW.actor,
        NEW.reason,
        NEW.meta,
        NEW.outcome,
        NEW.request_key
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
-- inserts too, so that INSERT OR REPLACE cannot rewrite a definition. Its role states
-- must be its own states.
CREATE TRIGGER lifecycles_check_insert BEFORE INSERT ON lifecycles
BEGIN
    SELECT RAISE(ABORT, 'runledger:duplicate_lifecycle: a lifecycle with this name already exists')
    WHERE EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.name);
END;
CREATE TRIGGER lifecycles_check_update BEFORE UPDATE ON lifecycles
BEGIN
    SELECT CASE
        WHEN OLD.is_builtin = 1 OR NEW.name IS NOT OLD.name
          OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = OLD.name) THEN
            RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
        WHEN EXISTS (
            SELECT 1 FROM (
                SELECT NEW.skip_state AS role UNION ALL SELECT NEW.late_state UNION ALL SELECT NEW.crash_state
                UNION ALL SELECT NEW.retry_state UNION ALL SELECT NEW.blocked_state UNION ALL SELECT NEW.release_state
                UNION ALL SELECT NEW.upstream_failed_state
            ) WHERE role IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM lifecycle_states WHERE lifecycle = NEW.name AND state = role)
        ) THEN
            RAISE(ABORT, 'runledger:no_such_state: a lifecycle''s role states must be its own states')
        WHEN EXISTS (
            SELECT 1 FROM (SELECT NEW.skip_outcome AS role_outcome UNION ALL SELECT NEW.upstream_failed_outcome)
            WHERE role_outcome IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM lifecycle_outcomes WHERE lifecycle = NEW.name AND outcome = role_outcome)
        ) THEN
            RAISE(ABORT, 'runledger:bad_outcome: a lifecycle''s role outcomes must be its own outcomes')
    END;
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

CREATE TRIGGER lifecycle_outcomes_check_insert BEFORE INSERT ON lifecycle_outcomes
BEGIN
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:no_such_lifecycle: the lifecycle does not exist')
        WHEN EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle AND is_builtin = 1)
          OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
        WHEN EXISTS (SELECT 1 FROM lifecycle_outcomes WHERE lifecycle = NEW.lifecycle AND outcome = NEW.outcome) THEN
            RAISE(ABORT, 'runledger:duplicate_outcome: the lifecycle already has this outcome')
        WHEN NOT EXISTS (SELECT 1 FROM canonical_types WHERE name = NEW.canonical_type AND is_terminal = 1) THEN
            RAISE(ABORT, 'runledger:bad_value: an outcome''s canonical_type must be a terminal canonical type')
    END;
END;
CREATE TRIGGER lifecycle_outcomes_check_update BEFORE UPDATE ON lifecycle_outcomes
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE EXISTS (SELECT 1 FROM lifecycles WHERE name IN (OLD.lifecycle, NEW.lifecycle) AND is_builtin = 1)
       OR EXISTS (SELECT 1 FROM runs WHERE lifecycle IN (OLD.lifecycle, NEW.lifecycle))
       OR NEW.lifecycle IS NOT OLD.lifecycle OR NEW.outcome IS NOT OLD.outcome;
END;
CREATE TRIGGER lifecycle_outcomes_check_delete BEFORE DELETE ON lifecycle_outcomes
BEGIN
    SELECT RAISE(ABORT, 'runledger:lifecycle_in_use: a built-in lifecycle or one that a run uses cannot change')
    WHERE EXISTS (SELECT 1 FROM lifecycles WHERE name = OLD.lifecycle AND is_builtin = 1)
       OR EXISTS (SELECT 1 FROM runs WHERE lifecycle = OLD.lifecycle);
END;

-- ---------------------------------------------------------------------------------------
-- Reporting views.

-- Each history row with its ISO-8601 time, the canonical type of the state it enters
-- (refined by its outcome, if it carries one), and the time spent in that state (NULL
-- while the run is still in it).
CREATE VIEW run_timeline AS
SELECT
    c.seq,
    r.id AS run_id,
    r.job,
    r.lifecycle,
    c.from_state,
    c.to_state,
    ifnull(o.canonical_type, s.canonical_type) AS canonical_type,
    s.is_terminal,
    c.outcome,
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
LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = c.outcome
LEFT JOIN state_changes AS n ON n.seq = (
    SELECT min(x.seq) FROM state_changes AS x WHERE x.run_num = c.run_num AND x.seq > c.seq
);

-- One row per run: where it is, its canonical type (refined by its outcome: Databricks'
-- TERMINATED with outcome FAILED is FAILED), and for a finished run when it ended and how
-- long it took.
CREATE VIEW run_summary AS
SELECT
    r.id AS run_id,
    r.job,
    r.lifecycle,
    r.state,
    r.outcome,
    ifnull(o.canonical_type, s.canonical_type) AS canonical_type,
    s.is_terminal,
    r.attempt,
    r.parent_id,
    r.created_at AS started_at,
    strftime('%Y-%m-%dT%H:%M:%S', r.created_at / 1000000, 'unixepoch')
        || printf('.%06dZ', r.created_at % 1000000) AS started_at_iso,
    r.ended_at,
    strftime('%Y-%m-%dT%H:%M:%S', r.ended_at / 1000000, 'unixepoch')
        || printf('.%06dZ', r.ended_at % 1000000) AS ended_at_iso,
    (r.ended_at - r.created_at) / 1e6 AS duration_seconds,
    r.updated_at
FROM runs AS r
LEFT JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = r.state
LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = r.outcome;
