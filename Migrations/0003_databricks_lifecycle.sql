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

UPDATE lifecycles SET is_builtin = 1 WHERE name = 'databricks';
