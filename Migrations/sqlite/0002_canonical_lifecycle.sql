-- The `canonical` lifecycle: exactly the canonical types, as states of their own. For
-- schedulers that have no vocabulary of their own, and the common ground of the others.
INSERT INTO lifecycles (name, description, created_at) VALUES
    ('canonical', 'The canonical types as states: a generic run lifecycle.', 0);

INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position, description)
SELECT 'canonical', name, name, is_terminal, name IN ('SCHEDULED', 'PENDING', 'RUNNING'), position, description
FROM canonical_types;

INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state, description) VALUES
    ('canonical', 'SCHEDULED', 'PENDING',   'The scheduled time came; the run is submitted.'),
    ('canonical', 'SCHEDULED', 'RUNNING',   'Started directly.'),
    ('canonical', 'SCHEDULED', 'CANCELLED', 'Cancelled before it started.'),
    ('canonical', 'SCHEDULED', 'SKIPPED',   'Not run: a limit or condition.'),
    ('canonical', 'PENDING',   'RUNNING',   'Execution began.'),
    ('canonical', 'PENDING',   'SCHEDULED', 'Put back to wait for a time (rescheduled, retry delay).'),
    ('canonical', 'PENDING',   'CANCELLED', 'Cancelled before it started.'),
    ('canonical', 'PENDING',   'SKIPPED',   'Not run: a limit, an unmet condition, an upstream failure.'),
    ('canonical', 'PENDING',   'FAILED',    'Failed before it ran, for a reason of its own (bad parameters).'),
    ('canonical', 'PENDING',   'CRASHED',   'The infrastructure failed before it ran.'),
    ('canonical', 'RUNNING',   'COMPLETED', 'Finished successfully.'),
    ('canonical', 'RUNNING',   'FAILED',    'Finished unsuccessfully.'),
    ('canonical', 'RUNNING',   'CANCELLED', 'Stopped on purpose.'),
    ('canonical', 'RUNNING',   'CRASHED',   'Ended by a failure outside the run.'),
    ('canonical', 'RUNNING',   'SCHEDULED', 'Will be retried after a delay.'),
    ('canonical', 'RUNNING',   'PENDING',   'Interrupted and put back in the queue.');

-- Roles (see lifecycles in 0001_ledger.sql), then the lifecycle is sealed.
UPDATE lifecycles SET default_max_active = NULL, skip_state = 'SKIPPED', late_state = NULL, crash_state = 'CRASHED', retry_state = 'SCHEDULED', blocked_state = 'PENDING', release_state = NULL, upstream_failed_state = 'SKIPPED', is_builtin = 1 WHERE name = 'canonical';
