-- The rules of `runs`. A run is recorded with its identity (id, job, lifecycle, creation,
-- parent, retries), which never changes; its state columns (`state`, `updated_at`,
-- `ended_at`, `outcome`) follow its history and are written only by
-- state_changes_after_insert. Its first state is recorded with it, as the first history
-- row. A run leaves only whole, with its history, once a prune has recorded a cutoff after
-- its end.
--
-- One trigger per table and event, whose steps run in the order written (see
-- state_changes.sql).

-- A new run: its id (and num) unused, its lifecycle and parent recorded, its attempt one
-- more than its parent's, within the parent's retries. Its state columns are the ledger's
-- to write: a client leaves out `ended_at` and `outcome`, and may give `state` (an initial
-- state: its first row checks it) and `updated_at` equal to `created_at`, as a whole row
-- copied from elsewhere has them.
-- > "The value of NEW.rowid is undefined in a BEFORE INSERT trigger in which the rowid is
-- > not explicitly set to an integer." (SQLite's CREATE TRIGGER page)
-- SQLite 3.40 passes -1 for a `num` left out (pinned by
-- RulesTests.anUnsetRowidIsMinusOneInABeforeInsertTrigger).
-- Tags: duplicate_run, no_such_lifecycle, derived_state, no_such_run, bad_value,
-- retries_exhausted.
CREATE TRIGGER runs_before_insert BEFORE INSERT ON runs
BEGIN
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM runs WHERE id = NEW.id) THEN
            RAISE(ABORT, 'runledger:duplicate_run: a run with this id already exists')
        WHEN NEW.num <> -1 AND EXISTS (SELECT 1 FROM runs WHERE num = NEW.num) THEN
            RAISE(ABORT, 'runledger:duplicate_run: a run with this num already exists')
        WHEN NOT EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:no_such_lifecycle: the lifecycle does not exist')
        WHEN NEW.updated_at IS NOT NEW.created_at AND NEW.updated_at IS NOT NULL
          OR NEW.ended_at IS NOT NULL OR NEW.outcome IS NOT NULL THEN
            RAISE(ABORT, 'runledger:derived_state: runs.updated_at, ended_at and outcome follow state_history; leave them out')
        WHEN NEW.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM runs WHERE id = NEW.parent_id) THEN
            RAISE(ABORT, 'runledger:no_such_run: the parent run does not exist')
        WHEN NEW.parent_id IS NOT NULL
          AND NEW.attempt IS NOT (SELECT attempt + 1 FROM runs WHERE id = NEW.parent_id) THEN
            RAISE(ABORT, 'runledger:bad_value: a run''s attempt must be one more than its parent''s')
        WHEN NEW.parent_id IS NOT NULL AND (
            SELECT max_retries IS NOT NULL AND attempt > max_retries FROM runs WHERE id = NEW.parent_id
        ) THEN
            RAISE(ABORT, 'runledger:retries_exhausted: the parent run has used all its retries')
        WHEN NEW.heartbeat_at IS NOT NULL AND typeof(NEW.heartbeat_at) <> 'integer' THEN
            RAISE(ABORT, 'runledger:bad_value: heartbeat_at must be integer microseconds')
    END;
END;

-- After a run is stored, in this order:
-- 1. its first state (the one it names, else its lifecycle's first initial state) is
--    recorded as its first history row, which goes through state_changes' rules;
-- 2. its job's limit of active runs is enforced (call_job_limit, below). Step 1 must come
--    first: the skip is an edge from the first state.
-- Step 1 may raise the tags of state_changes' triggers, step 2 those of the call.
CREATE TRIGGER runs_after_insert AFTER INSERT ON runs
BEGIN
    INSERT INTO state_changes (run_num, from_state, to_state, at, actor, reason)
    VALUES (
        NEW.num,
        NULL,
        ifnull(NEW.state, (
            SELECT state FROM lifecycle_states
            WHERE lifecycle = NEW.lifecycle AND is_initial = 1
            ORDER BY position LIMIT 1
        )),
        NEW.created_at,
        NEW.created_by,
        NEW.created_reason
    );

    INSERT INTO call_job_limit (num, job, lifecycle, created_at)
    VALUES (NEW.num, NEW.job, NEW.lifecycle, NEW.created_at);
END;

-- call_job_limit: called for every new run, after its first state. When the run's job has
-- a limit (jobs.max_active, else its lifecycle's default_max_active), it calls
-- call_enforce_job_limit with that limit, which, in this order:
-- 1. refuses a call that is not for the run whose first state is the ledger's newest row;
-- 2. moves a run over its limit to its lifecycle's skip state, with the skip outcome;
-- 3. refuses a run still active over its limit (its lifecycle cannot skip it).
-- SQLite has no stored procedures: a call is an INSERT into a view that holds no rows, and
-- its INSTEAD OF trigger is the procedure. SQLite sets up a trigger's whole body each time
-- it fires, even when its WHEN is false, so the small call_job_limit keeps runs without a
-- limit from setting up the large one.
CREATE VIEW call_job_limit AS
SELECT NULL AS num, NULL AS job, NULL AS lifecycle, NULL AS created_at WHERE 0;

CREATE TRIGGER call_job_limit_instead_of_insert INSTEAD OF INSERT ON call_job_limit
WHEN EXISTS (SELECT 1 FROM jobs WHERE job = NEW.job AND max_active IS NOT NULL)
  OR (SELECT default_max_active FROM lifecycles WHERE name = NEW.lifecycle) IS NOT NULL
BEGIN
    INSERT INTO call_enforce_job_limit (num, job, lifecycle, created_at, max_active)
    VALUES (NEW.num, NEW.job, NEW.lifecycle, NEW.created_at, ifnull((SELECT max_active FROM jobs WHERE job = NEW.job), CASE
        WHEN EXISTS (SELECT 1 FROM jobs WHERE job = NEW.job) THEN NULL
        ELSE (SELECT default_max_active FROM lifecycles WHERE name = NEW.lifecycle)
    END));
END;

-- Tags: internal_call, concurrency_limit.
CREATE VIEW call_enforce_job_limit AS
SELECT NULL AS num, NULL AS job, NULL AS lifecycle, NULL AS created_at, NULL AS max_active WHERE 0;

CREATE TRIGGER call_enforce_job_limit_instead_of_insert INSTEAD OF INSERT ON call_enforce_job_limit
BEGIN
    SELECT RAISE(ABORT, 'runledger:internal_call: call_enforce_job_limit is called by the triggers, for the newest run')
    WHERE (SELECT run_num FROM state_changes ORDER BY seq DESC LIMIT 1) IS NOT NEW.num
       OR (SELECT from_state FROM state_changes ORDER BY seq DESC LIMIT 1) IS NOT NULL
       OR NOT EXISTS (
        SELECT 1 FROM runs
        WHERE num = NEW.num AND job = NEW.job AND lifecycle = NEW.lifecycle AND created_at = NEW.created_at
       );

    INSERT INTO state_changes (run_num, from_state, to_state, at, actor, reason, outcome)
    SELECT NEW.num, r.state, l.skip_state, NEW.created_at, 'runledger',
           'job ' || NEW.job || ' is at its limit of ' || NEW.max_active || ' active run'
           || CASE WHEN NEW.max_active = 1 THEN '' ELSE 's' END
           || ifnull('; run ' || (
                SELECT id FROM runs WHERE job = NEW.job AND ended_at IS NULL AND num <> NEW.num ORDER BY num LIMIT 1
              ) || ' is active', ''),
           l.skip_outcome
    FROM runs AS r
    JOIN lifecycles AS l ON l.name = r.lifecycle
    WHERE r.num = NEW.num AND NEW.max_active IS NOT NULL
      AND (SELECT count(*) FROM runs WHERE job = NEW.job AND ended_at IS NULL AND num <> NEW.num) >= NEW.max_active
      AND EXISTS (
        SELECT 1 FROM lifecycle_transitions
        WHERE lifecycle = r.lifecycle AND from_state = r.state AND to_state = l.skip_state AND action IS NULL
      );

    SELECT RAISE(ABORT, 'runledger:concurrency_limit: the job is at its limit of active runs and the run cannot be skipped')
    FROM runs AS r
    WHERE r.num = NEW.num AND NEW.max_active IS NOT NULL AND r.ended_at IS NULL
      AND (SELECT count(*) FROM runs WHERE job = NEW.job AND ended_at IS NULL AND num <> NEW.num) >= NEW.max_active;
END;

-- A run's identity never changes; a heartbeat only moves forward, on an active run. Neither
-- concerns the state columns, so the UPDATE that applies a history row does not fire it.
-- Tags: immutable_run, run_ended, time_backwards.
CREATE TRIGGER runs_before_update
BEFORE UPDATE OF num, id, job, lifecycle, created_at, created_by, created_reason, attempt, parent_id, max_retries,
    heartbeat_at
ON runs
WHEN NEW.num IS NOT OLD.num OR NEW.id IS NOT OLD.id OR NEW.job IS NOT OLD.job
  OR NEW.lifecycle IS NOT OLD.lifecycle OR NEW.created_at IS NOT OLD.created_at
  OR NEW.created_by IS NOT OLD.created_by OR NEW.created_reason IS NOT OLD.created_reason
  OR NEW.attempt IS NOT OLD.attempt OR NEW.parent_id IS NOT OLD.parent_id
  OR NEW.max_retries IS NOT OLD.max_retries OR NEW.heartbeat_at IS NOT OLD.heartbeat_at
BEGIN
    SELECT RAISE(ABORT, 'runledger:immutable_run: a run''s id, job, lifecycle, creation, parent and retries cannot change')
    WHERE NEW.num IS NOT OLD.num OR NEW.id IS NOT OLD.id OR NEW.job IS NOT OLD.job
       OR NEW.lifecycle IS NOT OLD.lifecycle OR NEW.created_at IS NOT OLD.created_at
       OR NEW.created_by IS NOT OLD.created_by OR NEW.created_reason IS NOT OLD.created_reason
       OR NEW.attempt IS NOT OLD.attempt OR NEW.parent_id IS NOT OLD.parent_id
       OR NEW.max_retries IS NOT OLD.max_retries;

    SELECT CASE
        WHEN OLD.ended_at IS NOT NULL THEN
            RAISE(ABORT, 'runledger:run_ended: a run that has ended takes no heartbeat')
        WHEN NEW.heartbeat_at IS NULL OR typeof(NEW.heartbeat_at) <> 'integer'
          OR NEW.heartbeat_at < ifnull(OLD.heartbeat_at, 0) THEN
            RAISE(ABORT, 'runledger:time_backwards: a heartbeat cannot be earlier than the last one')
    END
    WHERE NEW.heartbeat_at IS NOT OLD.heartbeat_at;
END;

-- After a run's state columns change: they must be what the run's own last history row
-- makes them (the row being applied: any other write leaves the run unlike its last row),
-- and `ended_at` must be set exactly when the state is terminal. The ledger's newest row is
-- looked at first: it is almost always the run's own (a seek to the end of the table), and
-- the run's last row (an index seek) only when it is not. An AFTER trigger: SQLite reads
-- the row again after a BEFORE UPDATE trigger. (Two triggers fire on this UPDATE; see
-- runs_after_update_of_ended_at.)
-- Tags: derived_state.
CREATE TRIGGER runs_after_update AFTER UPDATE OF state, updated_at, ended_at, outcome ON runs
WHEN NEW.state IS NOT OLD.state OR NEW.updated_at IS NOT OLD.updated_at
  OR NEW.ended_at IS NOT OLD.ended_at OR NEW.outcome IS NOT OLD.outcome
BEGIN
    SELECT RAISE(ABORT, 'runledger:derived_state: runs.state, updated_at, ended_at and outcome follow state_history; insert a state_history row instead')
    WHERE (NEW.num, NEW.state, NEW.updated_at, NEW.outcome) IS NOT (
        SELECT run_num, to_state, at, outcome FROM state_changes ORDER BY seq DESC LIMIT 1
    ) AND (NEW.state, NEW.updated_at, NEW.outcome) IS NOT (
        SELECT to_state, at, outcome FROM state_changes WHERE run_num = NEW.num ORDER BY seq DESC LIMIT 1
    ) OR NEW.ended_at IS NOT OLD.ended_at AND NEW.ended_at IS NOT (
        SELECT CASE WHEN is_terminal = 1 THEN NEW.updated_at END
        FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.state
    );
END;

-- After a run's `ended_at` changes: its duration is counted in stats_run_durations when it
-- ends, and taken out again when an action reopens it. It commutes with runs_after_update,
-- which only refuses: either order leaves the same stats.
CREATE TRIGGER runs_after_update_of_ended_at AFTER UPDATE OF ended_at ON runs
WHEN OLD.ended_at IS NOT NULL OR NEW.ended_at IS NOT NULL
BEGIN
    UPDATE stats_run_durations SET runs = runs - 1, total_us = total_us - (OLD.ended_at - OLD.created_at)
    WHERE OLD.ended_at IS NOT NULL
      AND job = OLD.job AND lifecycle = OLD.lifecycle AND state = OLD.state AND outcome = ifnull(OLD.outcome, '')
      AND bucket = (SELECT CASE WHEN d < 1000 THEN d ELSE length(d) * 1000 + substr(d, 1, 3) END
                    FROM (SELECT OLD.ended_at - OLD.created_at AS d));
    DELETE FROM stats_run_durations
    WHERE OLD.ended_at IS NOT NULL AND runs = 0
      AND job = OLD.job AND lifecycle = OLD.lifecycle AND state = OLD.state AND outcome = ifnull(OLD.outcome, '');

    INSERT INTO stats_run_durations (job, lifecycle, state, outcome, bucket, runs, total_us, min_us, max_us)
    SELECT NEW.job, NEW.lifecycle, NEW.state, ifnull(NEW.outcome, ''),
           CASE WHEN d < 1000 THEN d ELSE length(d) * 1000 + substr(d, 1, 3) END, 1, d, d, d
    FROM (SELECT NEW.ended_at - NEW.created_at AS d)
    WHERE NEW.ended_at IS NOT NULL
    ON CONFLICT DO UPDATE SET runs = runs + 1, total_us = total_us + excluded.total_us,
        min_us = min(min_us, excluded.min_us), max_us = max(max_us, excluded.max_us);
END;

-- Only a whole terminal run that ended before the latest prune cutoff, that no other run
-- names as parent or upstream, that is not pinned (run_pins) and that is not its job's
-- newest run (by creation, then num: a job always keeps its latest run) can be deleted.
-- Tags: append_only, pinned_run.
CREATE TRIGGER runs_before_delete BEFORE DELETE ON runs
BEGIN
    SELECT CASE
        WHEN OLD.ended_at IS NULL
          OR NOT OLD.ended_at < ifnull((SELECT before_at FROM prunes ORDER BY id DESC LIMIT 1), 0) THEN
            RAISE(ABORT, 'runledger:append_only: only a terminal run that ended before a recorded prune cutoff can be deleted')
        WHEN EXISTS (SELECT 1 FROM run_pins WHERE run_id = OLD.id) THEN
            RAISE(ABORT, 'runledger:pinned_run: a pinned run cannot be deleted; unpin it first')
        WHEN NOT EXISTS (
            SELECT 1 FROM runs WHERE job = OLD.job AND created_at >= OLD.created_at
              AND (created_at > OLD.created_at OR num > OLD.num)
        ) THEN
            RAISE(ABORT, 'runledger:append_only: a job''s newest run cannot be deleted')
        WHEN EXISTS (SELECT 1 FROM runs WHERE parent_id = OLD.id)
          OR EXISTS (SELECT 1 FROM run_dependencies WHERE upstream_id = OLD.id) THEN
            RAISE(ABORT, 'runledger:append_only: a run that another run names as parent or upstream cannot be deleted')
    END;
END;

-- A deleted run takes its duration and its stays out of the stats, and adds its history
-- rows and its duration to the pruned tallies (which keep the metrics' counters from going
-- back); then its history, its dependencies, its annotations and the OpenLineage events
-- received for it go with it (their own delete triggers let them go once the run is gone).
CREATE TRIGGER runs_after_delete AFTER DELETE ON runs
BEGIN
    INSERT INTO pruned_state_entries (job, lifecycle, state, entries)
    SELECT OLD.job, OLD.lifecycle, to_state, count(*) FROM state_changes WHERE run_num = OLD.num GROUP BY to_state
    ON CONFLICT DO UPDATE SET entries = entries + excluded.entries;
    INSERT INTO pruned_run_durations (job, lifecycle, state, outcome, bucket, runs, total_us, max_us)
    SELECT OLD.job, OLD.lifecycle, OLD.state, ifnull(OLD.outcome, ''),
           CASE WHEN d < 1000 THEN d ELSE length(d) * 1000 + substr(d, 1, 3) END, 1, d, d
    FROM (SELECT OLD.ended_at - OLD.created_at AS d)
    WHERE d IS NOT NULL
    ON CONFLICT DO UPDATE SET runs = runs + 1, total_us = total_us + excluded.total_us,
        max_us = max(max_us, excluded.max_us);

    UPDATE stats_run_durations SET runs = runs - 1, total_us = total_us - (OLD.ended_at - OLD.created_at)
    WHERE OLD.ended_at IS NOT NULL
      AND job = OLD.job AND lifecycle = OLD.lifecycle AND state = OLD.state AND outcome = ifnull(OLD.outcome, '')
      AND bucket = (SELECT CASE WHEN d < 1000 THEN d ELSE length(d) * 1000 + substr(d, 1, 3) END
                    FROM (SELECT OLD.ended_at - OLD.created_at AS d));
    UPDATE stats_state_durations SET stays = stays - g.n, total_us = total_us - g.total
    FROM (
        SELECT state AS s, CASE WHEN d < 1000 THEN d ELSE length(d) * 1000 + substr(d, 1, 3) END AS b,
               count(*) AS n, sum(d) AS total
        FROM (SELECT to_state AS state, lead(at) OVER (ORDER BY seq) - at AS d
              FROM state_changes WHERE run_num = OLD.num)
        WHERE d IS NOT NULL
        GROUP BY 1, 2
    ) AS g
    WHERE job = OLD.job AND lifecycle = OLD.lifecycle AND state = g.s AND bucket = g.b;
    DELETE FROM stats_run_durations WHERE job = OLD.job AND lifecycle = OLD.lifecycle AND runs <= 0;
    DELETE FROM stats_state_durations WHERE job = OLD.job AND lifecycle = OLD.lifecycle AND stays <= 0;

    DELETE FROM state_changes WHERE run_num = OLD.num;
    DELETE FROM run_dependencies WHERE run_id = OLD.id;
    DELETE FROM run_annotations WHERE run_id = OLD.id;
    DELETE FROM openlineage_events WHERE run_id = OLD.id;
END;
