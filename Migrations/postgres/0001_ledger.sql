-- The ledger's tables on PostgreSQL: the same names, columns and meanings as the SQLite
-- file (Migrations/sqlite/), so that a query reads the same on both engines.
--
-- Where the engines differ, and why:
-- - times, `seq` and `num` are bigint (PostgreSQL's integer is 32-bit); `num`, `seq` and the
--   ids of annotations and prunes take the next value of a sequence owned by the column, as
--   SQLite's INTEGER PRIMARY KEY takes the next rowid, or the value a client gives. The value
--   is drawn by the table's BEFORE INSERT rule, not by a column default: a default is
--   evaluated before the trigger runs, so the rule could not tell a given value from a drawn
--   one, and a history row's `seq` must be drawn after its run's row is locked (rules/
--   history.sql explains why);
-- - flags are smallint 0/1, as SQLite clients read them;
-- - `json_valid` is a function of this schema (PostgreSQL 15 has no IS JSON), so the CHECKs
--   read as they do in SQLite;
-- - PostgreSQL enforces the foreign keys that SQLite only declares; the history of a run
--   goes with the run (ON DELETE CASCADE), as the SQLite rules delete it.
-- The rules (triggers, functions, views) are not here: they come with the PostgreSQL rules
-- set. Not shipped yet: no library opens a PostgreSQL ledger, so this file may still change
-- until the engine ships; from then on it is frozen like the SQLite migrations.

CREATE FUNCTION json_valid(text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM $1::json;
    RETURN true;
EXCEPTION WHEN others THEN
    RETURN false;
END $$;

-- Now, in microseconds since the Unix epoch, to the millisecond (as SQLite's default).
CREATE FUNCTION now_us() RETURNS bigint LANGUAGE sql VOLATILE AS $$
    SELECT (round(extract(epoch FROM clock_timestamp()) * 1000) * 1000)::bigint
$$;

CREATE TABLE canonical_types (
    name        text PRIMARY KEY,
    position    integer NOT NULL UNIQUE,
    is_terminal smallint NOT NULL CHECK (is_terminal IN (0, 1)),
    description text NOT NULL
);

INSERT INTO canonical_types (name, position, is_terminal, description) VALUES
    ('SCHEDULED', 1, 0, 'Waiting for a time: a scheduled start, a retry delay.'),
    ('PENDING',   2, 0, 'Submitted and active, but not yet running user code: queued, blocked, preparing.'),
    ('RUNNING',   3, 0, 'Executing.'),
    ('COMPLETED', 4, 1, 'Finished successfully.'),
    ('FAILED',    5, 1, 'Finished unsuccessfully because of the run''s own code or data.'),
    ('CANCELLED', 6, 1, 'Stopped on purpose, by a user or a policy.'),
    ('CRASHED',   7, 1, 'Ended by a failure outside the run: infrastructure, platform, lost heartbeat.'),
    ('SKIPPED',   8, 1, 'Never executed: a concurrency limit, an unmet condition, an upstream failure.');

CREATE TABLE lifecycles (
    name                    text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    description             text NOT NULL DEFAULT '',
    is_builtin              smallint NOT NULL DEFAULT 0 CHECK (is_builtin IN (0, 1)),
    created_at              bigint NOT NULL DEFAULT now_us(),
    default_max_active      integer CHECK (default_max_active >= 0),
    skip_state              text,
    skip_outcome            text,
    late_state              text,
    crash_state             text,
    retry_state             text,
    blocked_state           text,
    release_state           text,
    upstream_failed_state   text,
    upstream_failed_outcome text
);

CREATE TABLE lifecycle_states (
    lifecycle      text NOT NULL REFERENCES lifecycles (name),
    state          text NOT NULL CHECK (length(state) BETWEEN 1 AND 200),
    canonical_type text NOT NULL REFERENCES canonical_types (name),
    is_terminal    smallint NOT NULL CHECK (is_terminal IN (0, 1)),
    is_initial     smallint NOT NULL CHECK (is_initial IN (0, 1)),
    position       integer NOT NULL,
    description    text NOT NULL DEFAULT '',
    PRIMARY KEY (lifecycle, state)
);

-- `rowid` (here and in lifecycle_outcomes): the order the rows were written, which SQLite
-- keeps as its tables' rowid; lifecycles list their edges and outcomes in that order.
CREATE TABLE lifecycle_transitions (
    rowid       bigint GENERATED ALWAYS AS IDENTITY,
    lifecycle   text NOT NULL,
    from_state  text NOT NULL,
    to_state    text NOT NULL,
    action      text CHECK (action IS NULL OR length(action) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    FOREIGN KEY (lifecycle, from_state) REFERENCES lifecycle_states (lifecycle, state),
    FOREIGN KEY (lifecycle, to_state) REFERENCES lifecycle_states (lifecycle, state)
);
CREATE UNIQUE INDEX lifecycle_transitions_by_edge
    ON lifecycle_transitions (lifecycle, from_state, to_state, coalesce(action, ''));
CREATE INDEX lifecycle_transitions_lookup
    ON lifecycle_transitions (lifecycle, from_state, to_state, action);

CREATE TABLE lifecycle_outcomes (
    rowid          bigint GENERATED ALWAYS AS IDENTITY,
    lifecycle      text NOT NULL REFERENCES lifecycles (name),
    outcome        text NOT NULL CHECK (length(outcome) BETWEEN 1 AND 200),
    canonical_type text NOT NULL REFERENCES canonical_types (name),
    description    text NOT NULL DEFAULT '',
    UNIQUE (lifecycle, outcome)
);

CREATE TABLE jobs (
    job        text PRIMARY KEY CHECK (length(job) BETWEEN 1 AND 200),
    max_active integer CHECK (max_active >= 0)
);

CREATE TABLE runs (
    num            bigint PRIMARY KEY,
    id             text NOT NULL UNIQUE CHECK (length(id) BETWEEN 1 AND 200),
    job            text NOT NULL CHECK (length(job) BETWEEN 1 AND 200),
    lifecycle      text NOT NULL REFERENCES lifecycles (name),
    state          text,
    created_at     bigint NOT NULL DEFAULT now_us() CHECK (created_at >= 0),
    updated_at     bigint,
    ended_at       bigint,
    outcome        text,
    created_by     text,
    created_reason text,
    attempt        integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    parent_id      text REFERENCES runs (id),
    max_retries    integer CHECK (max_retries >= 0),
    scheduled_at   bigint,
    heartbeat_at   bigint,
    meta           text CHECK (meta IS NULL OR json_valid(meta))
);
CREATE SEQUENCE runs_num_seq AS bigint OWNED BY runs.num;
CREATE INDEX runs_by_job ON runs (job, created_at);
CREATE INDEX runs_by_lifecycle ON runs (lifecycle);
CREATE INDEX runs_by_created_at ON runs (created_at);
CREATE INDEX runs_by_parent ON runs (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX runs_active_by_job ON runs (job) WHERE ended_at IS NULL;
CREATE INDEX runs_waiting_for_schedule ON runs (scheduled_at) WHERE ended_at IS NULL AND scheduled_at IS NOT NULL;
CREATE INDEX runs_sending_heartbeats ON runs (heartbeat_at) WHERE ended_at IS NULL AND heartbeat_at IS NOT NULL;

CREATE TABLE state_changes (
    seq         bigint PRIMARY KEY,
    run_num     bigint NOT NULL REFERENCES runs (num) ON DELETE CASCADE,
    from_state  text,
    to_state    text NOT NULL,
    at          bigint NOT NULL DEFAULT now_us(),
    action      text,
    actor       text,
    reason      text,
    meta        text CHECK (meta IS NULL OR json_valid(meta)),
    outcome     text,
    request_key text
);
CREATE SEQUENCE state_changes_seq_seq AS bigint OWNED BY state_changes.seq;
CREATE INDEX state_changes_by_run ON state_changes (run_num, seq);
CREATE UNIQUE INDEX state_changes_by_request_key ON state_changes (request_key) WHERE request_key IS NOT NULL;

CREATE TABLE run_dependencies (
    run_id      text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    upstream_id text NOT NULL REFERENCES runs (id),
    PRIMARY KEY (run_id, upstream_id)
);
CREATE INDEX run_dependencies_by_upstream ON run_dependencies (upstream_id);

CREATE TABLE run_annotations (
    id     bigint PRIMARY KEY,
    run_id text NOT NULL CHECK (length(run_id) BETWEEN 1 AND 200),
    at     bigint NOT NULL DEFAULT now_us(),
    kind   text NOT NULL CHECK (length(kind) BETWEEN 1 AND 200),
    actor  text,
    reason text,
    meta   text CHECK (meta IS NULL OR json_valid(meta))
);
CREATE SEQUENCE run_annotations_id_seq AS bigint OWNED BY run_annotations.id;
CREATE INDEX run_annotations_by_run ON run_annotations (run_id, id);

CREATE TABLE prunes (
    id        bigint PRIMARY KEY,
    before_at bigint NOT NULL,
    at        bigint NOT NULL,
    actor     text,
    archive   text,
    runs      bigint NOT NULL DEFAULT 0,
    changes   bigint NOT NULL DEFAULT 0
);
CREATE SEQUENCE prunes_id_seq AS bigint OWNED BY prunes.id;

CREATE TABLE stats_run_durations (
    job       text NOT NULL,
    lifecycle text NOT NULL,
    state     text NOT NULL,
    outcome   text NOT NULL,
    bucket    bigint NOT NULL,
    runs      bigint NOT NULL,
    total_us  bigint NOT NULL,
    min_us    bigint NOT NULL,
    max_us    bigint NOT NULL,
    PRIMARY KEY (job, lifecycle, state, outcome, bucket)
);

CREATE TABLE stats_state_durations (
    job       text NOT NULL,
    lifecycle text NOT NULL,
    state     text NOT NULL,
    bucket    bigint NOT NULL,
    stays     bigint NOT NULL,
    total_us  bigint NOT NULL,
    min_us    bigint NOT NULL,
    max_us    bigint NOT NULL,
    PRIMARY KEY (job, lifecycle, state, bucket)
);
