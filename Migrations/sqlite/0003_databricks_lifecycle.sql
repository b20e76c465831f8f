-- The `databricks` lifecycle: Databricks Jobs RunLifeCycleState, spelled as the Jobs API
-- spells it. TERMINATED covers success and failure alike; the real outcome is the run's
-- result_state, which a transition may carry in its meta.
-- The document states only PENDING -> SKIPPED and the order its descriptions imply; the
-- other edges follow how the Jobs service behaves (README, "Lifecycles").
INSERT INTO lifecycles (name, description, created_at) VALUES
    ('databricks', 'Databricks Jobs run life cycle states (RunLifeCycleState).', 0);

INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position, description) VALUES
    ('databricks', 'PENDING',           'PENDING',   0, 1, 1, 'The run has been triggered; the cluster and execution context are being prepared.'),
    ('databricks', 'BLOCKED',           'PENDING',   0, 1, 2, 'The run is blocked on an upstream dependency.'),
    ('databricks', 'WAITING_FOR_RETRY', 'SCHEDULED', 0, 0, 3, 'The run is waiting for a retry.'),
    ('databricks', 'RUNNING',           'RUNNING',   0, 0, 4, 'The task of this run is being executed.'),
    ('databricks', 'TERMINATING',       'RUNNING',   0, 0, 5, 'The task has completed; the cluster and execution context are being cleaned up.'),
    ('databricks', 'TERMINATED',        'COMPLETED', 1, 0, 6, 'The task has completed and the cluster and execution context have been cleaned up.'),
    ('databricks', 'SKIPPED',           'SKIPPED',   1, 0, 7, 'Aborted because a previous run of the same job was already active.'),
    ('databricks', 'INTERNAL_ERROR',    'CRASHED',   1, 0, 8, 'A failure in the Jobs service, such as network failure over a long period.');

INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state, description) VALUES
    ('databricks', 'PENDING',           'RUNNING',           'Resources are ready; the task starts.'),
    ('databricks', 'PENDING',           'SKIPPED',           'Another run of the job is already active (the document).'),
    ('databricks', 'PENDING',           'TERMINATED',        'Cancelled before it started (result_state CANCELED).'),
    ('databricks', 'PENDING',           'INTERNAL_ERROR',    'The service failed while preparing the run.'),
    ('databricks', 'BLOCKED',           'PENDING',           'The upstream dependency completed.'),
    ('databricks', 'BLOCKED',           'SKIPPED',           'An upstream run failed (termination code SKIPPED).'),
    ('databricks', 'BLOCKED',           'TERMINATED',        'Cancelled while blocked (result_state CANCELED).'),
    ('databricks', 'BLOCKED',           'INTERNAL_ERROR',    'The service failed while the run was blocked.'),
    ('databricks', 'RUNNING',           'TERMINATING',       'The task completed; cleaning up.'),
    ('databricks', 'RUNNING',           'TERMINATED',        'Ended with nothing to clean up, or cancelled.'),
    ('databricks', 'RUNNING',           'WAITING_FOR_RETRY', 'The task failed and a retry remains.'),
    ('databricks', 'RUNNING',           'INTERNAL_ERROR',    'The service failed during execution.'),
    ('databricks', 'TERMINATING',       'TERMINATED',        'Clean-up finished.'),
    ('databricks', 'TERMINATING',       'WAITING_FOR_RETRY', 'The task had failed and a retry remains.'),
    ('databricks', 'TERMINATING',       'INTERNAL_ERROR',    'The service failed during clean-up.'),
    ('databricks', 'WAITING_FOR_RETRY', 'PENDING',           'The retry interval passed; the run is triggered again.'),
    ('databricks', 'WAITING_FOR_RETRY', 'TERMINATED',        'Cancelled while waiting (result_state CANCELED).'),
    ('databricks', 'WAITING_FOR_RETRY', 'INTERNAL_ERROR',    'The service failed while the run waited.');

-- The run's result_state, set when it terminates: each refines the canonical type of
-- TERMINATED (or SKIPPED, INTERNAL_ERROR) for stats and run_summary.
INSERT INTO lifecycle_outcomes (lifecycle, outcome, canonical_type, description) VALUES
    ('databricks', 'SUCCESS',                         'COMPLETED', 'The task completed successfully.'),
    ('databricks', 'SUCCESS_WITH_FAILURES',           'COMPLETED', 'The leaf tasks were successful; some others failed.'),
    ('databricks', 'FAILED',                          'FAILED',    'The task completed with an error.'),
    ('databricks', 'TIMEDOUT',                        'FAILED',    'The run was stopped after reaching the timeout.'),
    ('databricks', 'CANCELED',                        'CANCELLED', 'The run was canceled at user request.'),
    ('databricks', 'MAXIMUM_CONCURRENT_RUNS_REACHED', 'SKIPPED',   'Skipped because the maximum concurrent runs were reached.'),
    ('databricks', 'EXCLUDED',                        'SKIPPED',   'Skipped because the necessary conditions were not met.'),
    ('databricks', 'UPSTREAM_FAILED',                 'SKIPPED',   'Skipped because an upstream run failed.'),
    ('databricks', 'UPSTREAM_CANCELED',               'SKIPPED',   'Skipped because an upstream run was canceled.'),
    ('databricks', 'DISABLED',                        'SKIPPED',   'Not run because the job was disabled.');

-- Roles (see lifecycles in 0001_ledger.sql), then the lifecycle is sealed.
UPDATE lifecycles SET default_max_active = 1, skip_state = 'SKIPPED', skip_outcome = 'MAXIMUM_CONCURRENT_RUNS_REACHED', crash_state = 'INTERNAL_ERROR', retry_state = 'WAITING_FOR_RETRY', blocked_state = 'BLOCKED', release_state = 'PENDING', upstream_failed_state = 'SKIPPED', upstream_failed_outcome = 'UPSTREAM_FAILED', is_builtin = 1 WHERE name = 'databricks';
