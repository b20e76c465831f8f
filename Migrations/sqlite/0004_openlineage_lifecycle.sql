-- The `openlineage` lifecycle: the eventType values of an OpenLineage RunEvent.
-- START begins a run, RUNNING events add information while it runs (a series of them: the
-- RUNNING -> RUNNING edge), COMPLETE, FAIL and ABORT end it ("no other events related to
-- this run will be emitted").
-- OTHER is not a state: the spec calls it "outside standard run cycle" and allows it at any
-- time, even before START; it cannot have one place in a graph (README, "Lifecycles").
INSERT INTO lifecycles (name, description, created_at) VALUES
    ('openlineage', 'OpenLineage run states (RunEvent eventType).', 0);

INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position, description) VALUES
    ('openlineage', 'START',    'RUNNING',   0, 1, 1, 'The beginning of a job run.'),
    ('openlineage', 'RUNNING',  'RUNNING',   0, 0, 2, 'Additional information about a running job.'),
    ('openlineage', 'COMPLETE', 'COMPLETED', 1, 0, 3, 'The execution concluded successfully.'),
    ('openlineage', 'FAIL',     'FAILED',    1, 0, 4, 'The execution failed.'),
    ('openlineage', 'ABORT',    'CANCELLED', 1, 0, 5, 'The execution stopped abnormally.');

INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state, description) VALUES
    ('openlineage', 'START',   'RUNNING',  'The first RUNNING event.'),
    ('openlineage', 'START',   'COMPLETE', 'A batch run that sent no RUNNING event.'),
    ('openlineage', 'START',   'FAIL',     'Failed before any RUNNING event.'),
    ('openlineage', 'START',   'ABORT',    'Stopped before any RUNNING event.'),
    ('openlineage', 'RUNNING', 'RUNNING',  'A further RUNNING event: the series the spec describes.'),
    ('openlineage', 'RUNNING', 'COMPLETE', 'Concluded.'),
    ('openlineage', 'RUNNING', 'FAIL',     'Failed.'),
    ('openlineage', 'RUNNING', 'ABORT',    'Stopped abnormally.');

-- Roles (see lifecycles in 0001_ledger.sql), then the lifecycle is sealed.
UPDATE lifecycles SET crash_state = 'ABORT', is_builtin = 1 WHERE name = 'openlineage';
