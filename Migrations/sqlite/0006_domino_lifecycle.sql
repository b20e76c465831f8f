-- The `domino` lifecycle: Domino run states. The document gives a numbered order and the
-- meaning of each state; the edges follow that order, with Building and Pulling optional
-- ("you may need to", "when your image has been saved"), a stop request from any state
-- before Succeeded, and Error ("some problem outside of your code") from any active state.
INSERT INTO lifecycles (name, description, created_at) VALUES
    ('domino', 'Domino run states.', 0);

INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position, description) VALUES
    ('domino', 'Queued',        'PENDING',   0, 1, 1,  'Waiting for a machine of the hardware tier.'),
    ('domino', 'Scheduled',     'PENDING',   0, 0, 2,  'An executor acknowledged the run but has not begun.'),
    ('domino', 'Preparing',     'PENDING',   0, 0, 3,  'Project files are being copied to the executor.'),
    ('domino', 'Building',      'PENDING',   0, 0, 4,  'The custom environment''s Docker image is being built.'),
    ('domino', 'Pulling',       'PENDING',   0, 0, 5,  'The Docker image is being fetched.'),
    ('domino', 'Running',       'RUNNING',   0, 0, 6,  'The code is executing.'),
    ('domino', 'Finishing',     'RUNNING',   0, 0, 7,  'Completed; file changes are copied back.'),
    ('domino', 'Succeeded',     'COMPLETED', 1, 0, 8,  'Finished without error.'),
    ('domino', 'StopRequested', 'RUNNING',   0, 0, 9,  'The request to stop the run has been received.'),
    ('domino', 'Stopping',      'RUNNING',   0, 0, 10, 'Stopping; new or updated files are synced back.'),
    ('domino', 'Stopped',       'CANCELLED', 1, 0, 11, 'Manually stopped.'),
    ('domino', 'Failed',        'FAILED',    1, 0, 12, 'Did not complete due to a problem with the code.'),
    ('domino', 'Error',         'CRASHED',   1, 0, 13, 'A problem outside the code ended the run.');

INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state, description) VALUES
    ('domino', 'Queued',        'Scheduled',     'A machine is available; an executor acknowledged.'),
    ('domino', 'Scheduled',     'Preparing',     'The executor begins.'),
    ('domino', 'Preparing',     'Building',      'A custom environment needs its image built.'),
    ('domino', 'Preparing',     'Pulling',       'The image is in a repository.'),
    ('domino', 'Preparing',     'Running',       'The image is cached.'),
    ('domino', 'Building',      'Pulling',       'The built image is fetched.'),
    ('domino', 'Building',      'Running',       'The built image is used directly.'),
    ('domino', 'Pulling',       'Running',       'The image is ready.'),
    ('domino', 'Running',       'Finishing',     'The code finished.'),
    ('domino', 'Running',       'Failed',        'The code failed.'),
    ('domino', 'Finishing',     'Succeeded',     'Files copied back.'),
    ('domino', 'Finishing',     'Failed',        'The run ended with a code failure found while finishing.'),
    ('domino', 'Queued',        'StopRequested', 'A user asked to stop the run.'),
    ('domino', 'Scheduled',     'StopRequested', 'A user asked to stop the run.'),
    ('domino', 'Preparing',     'StopRequested', 'A user asked to stop the run.'),
    ('domino', 'Building',      'StopRequested', 'A user asked to stop the run.'),
    ('domino', 'Pulling',       'StopRequested', 'A user asked to stop the run.'),
    ('domino', 'Running',       'StopRequested', 'A user asked to stop the run.'),
    ('domino', 'Finishing',     'StopRequested', 'A user asked to stop the run.'),
    ('domino', 'StopRequested', 'Stopping',      'Files are synced back.'),
    ('domino', 'StopRequested', 'Stopped',       'Nothing to sync.'),
    ('domino', 'Stopping',      'Stopped',       'Files synced.'),
    ('domino', 'Queued',        'Error',         'A problem outside the code.'),
    ('domino', 'Scheduled',     'Error',         'A problem outside the code.'),
    ('domino', 'Preparing',     'Error',         'A problem outside the code.'),
    ('domino', 'Building',      'Error',         'A problem outside the code.'),
    ('domino', 'Pulling',       'Error',         'A problem outside the code.'),
    ('domino', 'Running',       'Error',         'A problem outside the code.'),
    ('domino', 'Finishing',     'Error',         'A problem outside the code.'),
    ('domino', 'StopRequested', 'Error',         'A problem outside the code.'),
    ('domino', 'Stopping',      'Error',         'A problem outside the code.');

-- Roles (see lifecycles in 0001_ledger.sql), then the lifecycle is sealed.
UPDATE lifecycles SET crash_state = 'Error', is_builtin = 1 WHERE name = 'domino';
