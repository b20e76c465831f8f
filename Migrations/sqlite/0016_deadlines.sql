-- runledger ledger schema, version 16: deadlines, which `sweep` enforces (issue 16, part 5).
--
-- A run that never sends heartbeats, or sits in PENDING or a cancelling state forever, was
-- never ended. Now a job (or, by default, every job of a lifecycle) can limit how long its
-- runs take and how long they stay in a state; `sweep` moves a run past its deadline to its
-- lifecycle's timeout state, or annotates it where the lifecycle has none. A job can also
-- say how often it must succeed (freshness): `sweep` and `jobs --health` report a job with
-- no COMPLETED run within that time. (The rules of both tables: rules/deadlines.sql.)

-- How long a run may take, or stay in one state, before `sweep` times it out: a job's own
-- deadline, else its lifecycle's default. A run's time counts from when it was due (its
-- scheduled_at, or its creation when it has none or was created later); a stay's from when
-- the run entered the state.
CREATE TABLE deadlines (
    scope   TEXT NOT NULL CHECK (scope IN ('job', 'lifecycle')),
    name    TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),  -- the job, or the lifecycle
    state   TEXT NOT NULL DEFAULT '' CHECK (length(state) <= 200),  -- the state; '' for the whole run
    seconds REAL NOT NULL CHECK (seconds > 0),
    set_at  INTEGER NOT NULL,  -- microseconds since the epoch, UTC
    actor   TEXT,
    PRIMARY KEY (scope, name, state)
) STRICT, WITHOUT ROWID;

-- How often a job must succeed: a freshness violation when none of its runs ended COMPLETED
-- (refined by outcome) within stale_after_seconds (counted from set_at while it has none).
CREATE TABLE job_freshness (
    job                 TEXT PRIMARY KEY CHECK (length(job) BETWEEN 1 AND 200),
    stale_after_seconds REAL NOT NULL CHECK (stale_after_seconds > 0),
    set_at              INTEGER NOT NULL,
    actor               TEXT
) STRICT, WITHOUT ROWID;

-- The timeout role: where `sweep` moves a run past a deadline (with timeout_outcome), from a
-- state with a plain edge to it; NULL: the run stays, with an annotation.
ALTER TABLE lifecycles ADD COLUMN timeout_state TEXT;
ALTER TABLE lifecycles ADD COLUMN timeout_outcome TEXT;

-- The built-in lifecycles' timeout roles. Prefect's own timeout is a Failed-type state named
-- TimedOut; it joins the prefect lifecycle, reachable from every state that is not terminal.
UPDATE lifecycles SET timeout_state = 'FAILED' WHERE name = 'canonical';
UPDATE lifecycles SET timeout_state = 'TERMINATED', timeout_outcome = 'TIMEDOUT' WHERE name = 'databricks';

INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position, description) VALUES
    ('prefect', 'TimedOut', 'FAILED', 1, 0, 12, 'Did not complete within its deadline (a Failed-type state).');

INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state, description) VALUES
    ('prefect', 'Scheduled',     'TimedOut', 'Past its deadline before it started.'),
    ('prefect', 'Late',          'TimedOut', 'Past its deadline while late.'),
    ('prefect', 'Pending',       'TimedOut', 'Past its deadline before it ran.'),
    ('prefect', 'Running',       'TimedOut', 'Past its deadline while running.'),
    ('prefect', 'AwaitingRetry', 'TimedOut', 'Past its deadline while waiting to retry.'),
    ('prefect', 'Retrying',      'TimedOut', 'Past its deadline while retrying.');

UPDATE lifecycles SET timeout_state = 'TimedOut' WHERE name = 'prefect';
