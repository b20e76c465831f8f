-- Version 7: deadlines, which `sweep` enforces, and how often a job must succeed (as
-- Migrations/sqlite/0016_deadlines.sql, whose comments say what each column means).
CREATE TABLE deadlines (
    scope   text NOT NULL CHECK (scope IN ('job', 'lifecycle')),
    name    text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    state   text NOT NULL DEFAULT '' CHECK (length(state) <= 200),
    seconds double precision NOT NULL CHECK (seconds > 0),
    set_at  bigint NOT NULL,
    actor   text,
    PRIMARY KEY (scope, name, state)
);

CREATE TABLE job_freshness (
    job                 text PRIMARY KEY CHECK (length(job) BETWEEN 1 AND 200),
    stale_after_seconds double precision NOT NULL CHECK (stale_after_seconds > 0),
    set_at              bigint NOT NULL,
    actor               text
);

ALTER TABLE lifecycles ADD COLUMN timeout_state text;
ALTER TABLE lifecycles ADD COLUMN timeout_outcome text;

-- The built-in lifecycles' timeout roles, on a ledger that has them already (a new ledger
-- loads them afterwards, from Migrations/lifecycles/, TimedOut and roles included). The
-- rules' triggers, which refuse changes to a built-in lifecycle, are set aside meanwhile;
-- the rules set is installed again after the migrations.
ALTER TABLE lifecycles DISABLE TRIGGER USER;
ALTER TABLE lifecycle_states DISABLE TRIGGER USER;
ALTER TABLE lifecycle_transitions DISABLE TRIGGER USER;

UPDATE lifecycles SET timeout_state = 'FAILED' WHERE name = 'canonical';
UPDATE lifecycles SET timeout_state = 'TERMINATED', timeout_outcome = 'TIMEDOUT' WHERE name = 'databricks';

INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position, description)
SELECT 'prefect', 'TimedOut', 'FAILED', 1, 0, 12, 'Did not complete within its deadline (a Failed-type state).'
WHERE EXISTS (SELECT 1 FROM lifecycles WHERE name = 'prefect');

INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state, description)
SELECT 'prefect', edge.from_state, 'TimedOut', edge.description
FROM (VALUES
    (1, 'Scheduled',     'Past its deadline before it started.'),
    (2, 'Late',          'Past its deadline while late.'),
    (3, 'Pending',       'Past its deadline before it ran.'),
    (4, 'Running',       'Past its deadline while running.'),
    (5, 'AwaitingRetry', 'Past its deadline while waiting to retry.'),
    (6, 'Retrying',      'Past its deadline while retrying.')
) AS edge (n, from_state, description)
WHERE EXISTS (SELECT 1 FROM lifecycles WHERE name = 'prefect')
ORDER BY edge.n;

UPDATE lifecycles SET timeout_state = 'TimedOut' WHERE name = 'prefect';

ALTER TABLE lifecycles ENABLE TRIGGER USER;
ALTER TABLE lifecycle_states ENABLE TRIGGER USER;
ALTER TABLE lifecycle_transitions ENABLE TRIGGER USER;
