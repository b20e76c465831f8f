-- The `opencue` lifecycle: OpenCue job states, with its actions naming their edges.
-- killed and failed are terminal, left only by the `retry` action ("Killed jobs must be
-- manually retried or resubmitted"). `resubmit` is not an edge: it starts a new run whose
-- parent is the old one. `suspend` lets the current frame finish, `interrupt` kills it;
-- both put the job back to pending ("jobs which have been suspended will also be marked as
-- pending").
INSERT INTO lifecycles (name, description, created_at) VALUES
    ('opencue', 'OpenCue job states and actions.', 0);

INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position, description) VALUES
    ('opencue', 'pending',  'PENDING',   0, 1, 1, 'Submitted; may be started at any time. Suspended jobs are also pending.'),
    ('opencue', 'blocked',  'PENDING',   0, 1, 2, 'Held until unblocked, usually by a job it depends on.'),
    ('opencue', 'running',  'RUNNING',   0, 0, 3, 'Doing work, with no failures.'),
    ('opencue', 'failing',  'RUNNING',   0, 0, 4, 'Not finished, with at least one failed frame.'),
    ('opencue', 'retrying', 'RUNNING',   0, 0, 5, 'Retried automatically at least once.'),
    ('opencue', 'complete', 'COMPLETED', 1, 0, 6, 'No longer running; all frames succeeded.'),
    ('opencue', 'failed',   'FAILED',    1, 0, 7, 'No longer running; at least one frame failed.'),
    ('opencue', 'killed',   'CANCELLED', 1, 0, 8, 'Killed by a user; must be retried or resubmitted.');

INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state, action, description) VALUES
    ('opencue', 'pending',  'running',  NULL, 'The Supervisor starts the job.'),
    ('opencue', 'blocked',  'pending',  NULL, 'Unblocked, usually by the job it depends on.'),
    ('opencue', 'running',  'complete', NULL, 'All frames succeeded.'),
    ('opencue', 'running',  'failing',  NULL, 'A frame failed; the job goes on.'),
    ('opencue', 'running',  'failed',   NULL, 'The job ended with a failed frame.'),
    ('opencue', 'failing',  'retrying', NULL, 'Failed frames are retried automatically.'),
    ('opencue', 'failing',  'failed',   NULL, 'The job ended with failed frames.'),
    ('opencue', 'retrying', 'running',  NULL, 'The retried frames run with no failure left.'),
    ('opencue', 'retrying', 'complete', NULL, 'All frames succeeded after retries.'),
    ('opencue', 'retrying', 'failing',  NULL, 'A frame failed again.'),
    ('opencue', 'retrying', 'failed',   NULL, 'The job ended with failed frames after retries.'),
    ('opencue', 'pending',  'blocked',  'block',     'Held by a user or by auto-wrangling.'),
    ('opencue', 'running',  'pending',  'interrupt', 'The current frame is killed; the job goes back to pending.'),
    ('opencue', 'failing',  'pending',  'interrupt', 'The current frame is killed; the job goes back to pending.'),
    ('opencue', 'retrying', 'pending',  'interrupt', 'The current frame is killed; the job goes back to pending.'),
    ('opencue', 'running',  'pending',  'suspend',   'The current frame finishes; the job goes back to pending.'),
    ('opencue', 'failing',  'pending',  'suspend',   'The current frame finishes; the job goes back to pending.'),
    ('opencue', 'retrying', 'pending',  'suspend',   'The current frame finishes; the job goes back to pending.'),
    ('opencue', 'pending',  'killed',   'kill',      'Ended by a user without restart.'),
    ('opencue', 'blocked',  'killed',   'kill',      'Ended by a user without restart.'),
    ('opencue', 'running',  'killed',   'kill',      'The current frame ends; the job does not restart.'),
    ('opencue', 'failing',  'killed',   'kill',      'The current frame ends; the job does not restart.'),
    ('opencue', 'retrying', 'killed',   'kill',      'The current frame ends; the job does not restart.'),
    ('opencue', 'killed',   'pending',  'retry',     'Put back onto the queue as-is.'),
    ('opencue', 'failed',   'pending',  'retry',     'Put back onto the queue as-is.');

-- Roles (see lifecycles in 0001_ledger.sql), then the lifecycle is sealed.
UPDATE lifecycles SET retry_state = 'retrying', blocked_state = 'blocked', release_state = 'pending', is_builtin = 1 WHERE name = 'opencue';
