-- The `prefect` lifecycle: Prefect state names, each with its state type as the canonical
-- type. The edges are the transitions Prefect's server orchestration accepts, as results:
-- the server rewrites a proposed Running -> Failed into AwaitingRetry while retries remain,
-- and a cache hit into Retrieved Cache; the ledger records what was decided.
-- Crashed is terminal, as Prefect's server treats it (the document's "No / Coming Soon"
-- predates that, and a non-terminal Crashed would have no way out). No edge leaves a
-- terminal state: a manual re-run is a new run whose parent is the old one.
INSERT INTO lifecycles (name, description, created_at) VALUES
    ('prefect', 'Prefect flow and task run states (name, with its type as canonical type).', 0);

INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position, description) VALUES
    ('prefect', 'Scheduled',       'SCHEDULED', 0, 1, 1,  'The run will begin at a particular time in the future.'),
    ('prefect', 'Late',            'SCHEDULED', 0, 0, 2,  'The scheduled start time has passed, but the run has not become Pending.'),
    ('prefect', 'AwaitingRetry',   'SCHEDULED', 0, 0, 3,  'Did not complete because of a code issue and has retry attempts left.'),
    ('prefect', 'Pending',         'PENDING',   0, 1, 4,  'Submitted, waiting on necessary preconditions.'),
    ('prefect', 'Running',         'RUNNING',   0, 1, 5,  'The run code is executing.'),
    ('prefect', 'Retrying',        'RUNNING',   0, 0, 6,  'The run code is executing again after not completing successfully.'),
    ('prefect', 'Completed',       'COMPLETED', 1, 0, 7,  'Completed successfully.'),
    ('prefect', 'Retrieved Cache', 'COMPLETED', 1, 0, 8,  'Retrieved a previously created cached state.'),
    ('prefect', 'Failed',          'FAILED',    1, 0, 9,  'Did not complete because of a code issue; no retry attempts left.'),
    ('prefect', 'Cancelled',       'CANCELLED', 1, 0, 10, 'Did not complete because a user determined it should not.'),
    ('prefect', 'Crashed',         'CRASHED',   1, 0, 11, 'Did not complete because of an infrastructure issue.');

INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state, description) VALUES
    ('prefect', 'Scheduled',     'Pending',         'A worker submits the run.'),
    ('prefect', 'Scheduled',     'Late',            'The scheduled time passed without the run becoming Pending.'),
    ('prefect', 'Scheduled',     'Running',         'Started directly.'),
    ('prefect', 'Scheduled',     'Retrieved Cache', 'A cache hit.'),
    ('prefect', 'Scheduled',     'Cancelled',       'Cancelled before it started.'),
    ('prefect', 'Late',          'Pending',         'A worker submits the late run.'),
    ('prefect', 'Late',          'Running',         'The late run starts directly.'),
    ('prefect', 'Late',          'Cancelled',       'Cancelled while late.'),
    ('prefect', 'Pending',       'Running',         'Execution began.'),
    ('prefect', 'Pending',       'Retrieved Cache', 'A cache hit.'),
    ('prefect', 'Pending',       'Cancelled',       'Cancelled before it ran.'),
    ('prefect', 'Pending',       'Crashed',         'The infrastructure failed before the code ran.'),
    ('prefect', 'Pending',       'Failed',          'Failed before the code ran (bad parameters).'),
    ('prefect', 'Running',       'Completed',       'Completed.'),
    ('prefect', 'Running',       'Failed',          'Failed with no retry left.'),
    ('prefect', 'Running',       'AwaitingRetry',   'Failed with retries left.'),
    ('prefect', 'Running',       'Crashed',         'The infrastructure failed.'),
    ('prefect', 'Running',       'Cancelled',       'Cancelled while running.'),
    ('prefect', 'AwaitingRetry', 'Retrying',        'The retry starts.'),
    ('prefect', 'AwaitingRetry', 'Pending',         'A worker resubmits the run for its retry.'),
    ('prefect', 'AwaitingRetry', 'Cancelled',       'Cancelled while waiting to retry.'),
    ('prefect', 'Retrying',      'Completed',       'Completed on a retry.'),
    ('prefect', 'Retrying',      'Failed',          'Failed with no retry left.'),
    ('prefect', 'Retrying',      'AwaitingRetry',   'Failed again with retries left.'),
    ('prefect', 'Retrying',      'Crashed',         'The infrastructure failed.'),
    ('prefect', 'Retrying',      'Cancelled',       'Cancelled while retrying.');

-- Roles (see lifecycles in 0001_ledger.sql), then the lifecycle is sealed.
UPDATE lifecycles SET skip_state = 'Cancelled', late_state = 'Late', crash_state = 'Crashed', retry_state = 'AwaitingRetry', is_builtin = 1 WHERE name = 'prefect';
