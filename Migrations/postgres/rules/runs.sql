-- The rules of `runs` on PostgreSQL, the same as the SQLite rules of the same names
-- (Migrations/sqlite/rules/runs.sql), with the same tags. A run is recorded with its
-- identity (id, job, lifecycle, creation, parent, retries), which never changes; its state
-- columns (`state`, `updated_at`, `ended_at`, `outcome`) follow its history and are written
-- only by state_changes_before_insert (state_changes.sql). Its first state is recorded with
-- it, as the first history row. A run leaves only whole, with its history, once a prune has
-- recorded a cutoff after its end.
--
-- One trigger per table, timing and event, whose function runs its steps in the order
-- written. Functions that write other tables are SECURITY DEFINER (zz_settings.sql fixes
-- every function's search_path).

-- A new run, before it is stored, in this order:
-- 1. its id is new, and so is a `num` it gives. (Two sessions that start the same id at the
--    same moment both pass this check; the second then waits on the unique index of `id`
--    and fails with a unique violation of runs_id_key, SQLSTATE 23505, which the library
--    reads as duplicate_run. A lock on the id would give the tag in that race too, but
--    every new run of a transaction would hold one lock until it ends: a batch of
--    thousands ran out of the server's lock table, and locks on shared buckets of ids
--    deadlocked two batches that took them in different orders.)
-- 2. its lifecycle exists; its row is locked FOR SHARE until the end of the transaction, so
--    that a definition of that lifecycle (lifecycle_must_be_editable locks it FOR UPDATE)
--    either commits first or sees this run and is refused;
-- 3. its state columns are the ledger's to write: a client leaves out `ended_at` and
--    `outcome`, and may give `state` (an initial state: its first row checks it) and
--    `updated_at` equal to `created_at`, as a whole row copied from elsewhere has them.
--    `updated_at` is then cleared: the first history row sets it, and until then the run is
--    not counted among its job's active runs (runs_after_insert);
-- 4. its parent exists, its attempt is one more than its parent's, within the parent's
--    retries;
-- 5. its `num` is the next of the sequence, or the given one (the sequence moves past it).
-- Tags: duplicate_run, no_such_lifecycle, derived_state, no_such_run, bad_value,
-- retries_exhausted.
CREATE OR REPLACE FUNCTION runs_before_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    parent runs%ROWTYPE;
BEGIN
    IF EXISTS (SELECT 1 FROM runs WHERE id = NEW.id) THEN
        PERFORM runledger_refuse('duplicate_run', 'a run with this id already exists', 'run ' || NEW.id);
    END IF;
    IF NEW.num IS NOT NULL AND EXISTS (SELECT 1 FROM runs WHERE num = NEW.num) THEN
        PERFORM runledger_refuse('duplicate_run', 'a run with this num already exists', 'num ' || NEW.num);
    END IF;
    PERFORM 1 FROM lifecycles WHERE name = NEW.lifecycle FOR SHARE;
    IF NOT FOUND THEN
        PERFORM runledger_refuse('no_such_lifecycle', 'the lifecycle does not exist',
            'lifecycle ' || coalesce(NEW.lifecycle, 'NULL'));
    END IF;
    IF NEW.updated_at IS DISTINCT FROM NEW.created_at AND NEW.updated_at IS NOT NULL
       OR NEW.ended_at IS NOT NULL OR NEW.outcome IS NOT NULL THEN
        PERFORM runledger_refuse('derived_state',
            'runs.updated_at, ended_at and outcome follow state_history; leave them out', 'run ' || NEW.id);
    END IF;
    IF NEW.parent_id IS NOT NULL THEN
        SELECT * INTO parent FROM runs WHERE id = NEW.parent_id;
        IF NOT FOUND THEN
            PERFORM runledger_refuse('no_such_run', 'the parent run does not exist', 'parent ' || NEW.parent_id);
        ELSIF NEW.attempt IS DISTINCT FROM parent.attempt + 1 THEN
            PERFORM runledger_refuse('bad_value', 'a run''s attempt must be one more than its parent''s',
                'run ' || NEW.id || ': attempt ' || coalesce(NEW.attempt::text, 'NULL') || ', parent ' || parent.id
                || ': attempt ' || parent.attempt);
        ELSIF parent.max_retries IS NOT NULL AND parent.attempt > parent.max_retries THEN
            PERFORM runledger_refuse('retries_exhausted', 'the parent run has used all its retries',
                'parent ' || parent.id || ': attempt ' || parent.attempt || ', max_retries ' || parent.max_retries);
        END IF;
    END IF;
    NEW.updated_at := NULL;
    IF NEW.num IS NULL THEN
        NEW.num := nextval('runs_num_seq');
    ELSE
        PERFORM setval('runs_num_seq', greatest(NEW.num, last_value)) FROM runs_num_seq WHERE NEW.num >= 1;
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS runs_before_insert ON runs;
CREATE TRIGGER runs_before_insert BEFORE INSERT ON runs
FOR EACH ROW EXECUTE FUNCTION runs_before_insert();

-- After a run is stored, in this order:
-- 1. when its job has a limit of active runs (jobs.max_active, else, without a jobs row,
--    its lifecycle's default_max_active), the job's active runs are counted, under the
--    job's lock (below);
-- 2. its first state (the one it names, else its lifecycle's first initial state by
--    position) is recorded as its first history row, which goes through state_changes'
--    rules (and sets the run's state columns);
-- 3. the limit is enforced with that count: a run over the limit moves to its lifecycle's
--    skip state with the skip outcome (actor 'runledger', SQLite's reason text); one still
--    active over the limit (its lifecycle cannot skip it) is refused. Step 2 must come
--    before: the skip is an edge from the first state. Step 1 must come before step 2, so
--    that the first row draws its seq after the count: a run that another session ends
--    after the count is counted as active (this run is skipped), and one ended before it
--    has its end's seq drawn before this run's first row. Counted after the first row, a
--    run could be let in by an end whose seq is greater than its first row's, and the
--    history, read in seq order, would show two active runs of a job limited to one.
-- Concurrency of steps 1 and 3: two sessions must never both start a run of a job at its limit.
-- The count of the job's active runs is taken under a transaction-level advisory lock of the
-- job, held until commit: a second session starting a run of the job waits for the first to
-- commit or roll back, and under READ COMMITTED its count, a statement after the lock, sees
-- the first's run. Under SERIALIZABLE the count reads the transaction's snapshot, but SSI
-- sees the two sessions' reads and writes of the job's runs and fails one (40001). Under
-- REPEATABLE READ nothing would: the count could miss a run committed after the snapshot,
-- so a run of a job with a limit is refused there (SQLSTATE 0A000). (A counter row per job
-- would be race-free at every level, but it is a table SQLite does not have, and a hot row
-- to update at every end and reopening of a run.) Runs whose first row is not applied yet
-- (`updated_at` NULL: later rows of the same INSERT, whose AFTER triggers fire after this
-- one) are not counted, as SQLite, which records a run whole before the next.
-- Step 2 may raise the tags of state_changes' triggers.
-- Tags: concurrency_limit.
CREATE OR REPLACE FUNCTION runs_after_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    max_active_runs integer;
    active_runs bigint;
    other_run text;
    run_state text;
    skip text;
    skip_with text;
BEGIN
    SELECT max_active INTO max_active_runs FROM jobs WHERE job = NEW.job;
    IF NOT FOUND THEN
        SELECT default_max_active INTO max_active_runs FROM lifecycles WHERE name = NEW.lifecycle;
    END IF;
    IF max_active_runs IS NOT NULL THEN
        IF current_setting('transaction_isolation') = 'repeatable read' THEN
            RAISE EXCEPTION USING ERRCODE = '0A000',
                MESSAGE = 'runledger: a run of a job with a limit of active runs cannot start in a REPEATABLE READ transaction',
                DETAIL = 'job ' || NEW.job || ' has a limit of ' || max_active_runs
                    || '; its count of active runs could miss a run started concurrently',
                HINT = 'use READ COMMITTED (the default) or SERIALIZABLE';
        END IF;
        PERFORM pg_advisory_xact_lock(runledger_lock_key('job', NEW.job));
        SELECT count(*), (array_agg(id ORDER BY num))[1] INTO active_runs, other_run
        FROM runs WHERE job = NEW.job AND ended_at IS NULL AND updated_at IS NOT NULL AND num <> NEW.num;
    END IF;

    INSERT INTO state_changes (run_num, from_state, to_state, at, actor, reason)
    VALUES (
        NEW.num,
        NULL,
        coalesce(NEW.state, (
            SELECT state FROM lifecycle_states
            WHERE lifecycle = NEW.lifecycle AND is_initial = 1
            ORDER BY position LIMIT 1
        )),
        NEW.created_at,
        NEW.created_by,
        NEW.created_reason
    );

    IF max_active_runs IS NULL OR active_runs < max_active_runs THEN
        RETURN NULL;
    END IF;
    SELECT r.state, l.skip_state, l.skip_outcome INTO run_state, skip, skip_with
    FROM runs AS r JOIN lifecycles AS l ON l.name = r.lifecycle WHERE r.num = NEW.num;
    IF EXISTS (
        SELECT 1 FROM lifecycle_transitions
        WHERE lifecycle = NEW.lifecycle AND from_state = run_state AND to_state = skip AND action IS NULL
    ) THEN
        INSERT INTO state_changes (run_num, from_state, to_state, at, actor, reason, outcome)
        VALUES (NEW.num, run_state, skip, NEW.created_at, 'runledger',
            'job ' || NEW.job || ' is at its limit of ' || max_active_runs || ' active run'
            || CASE WHEN max_active_runs = 1 THEN '' ELSE 's' END
            || coalesce('; run ' || other_run || ' is active', ''),
            skip_with);
    END IF;
    IF (SELECT ended_at FROM runs WHERE num = NEW.num) IS NULL THEN
        PERFORM runledger_refuse('concurrency_limit',
            'the job is at its limit of active runs and the run cannot be skipped',
            'job ' || NEW.job || ': ' || active_runs || ' active, limit ' || max_active_runs
            || coalesce('; run ' || other_run || ' is active', ''));
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS runs_after_insert ON runs;
CREATE TRIGGER runs_after_insert AFTER INSERT ON runs
FOR EACH ROW EXECUTE FUNCTION runs_after_insert();

-- A run's identity never changes; a heartbeat only moves forward, on an active run; its
-- state columns change only as its history says (SQLite's runs_before_update and
-- runs_after_update).
-- The state columns are written by state_changes_before_insert alone, as it applies a new
-- history row: it sets the transaction-local setting `runledger.applying` to the run's num
-- and the transaction's id just before its UPDATE and clears it just after, and this rule
-- lets a change of those columns through only from inside another trigger
-- (pg_trigger_depth() > 1) with that setting. A client's UPDATE of runs (plain, `UPDATE ...
-- FROM`, a writable CTE, an ON CONFLICT DO UPDATE) runs at depth 1, and is refused. What it
-- does not protect against: a client that both creates a trigger of its own (say on a
-- temporary table) and sets the setting can forge the call; that client must be kept from
-- writing those columns at all by privileges (roles.sql: a writer may UPDATE only
-- runs.heartbeat_at), as it must be kept from disabling triggers.
-- Tags: immutable_run, run_ended, time_backwards, derived_state.
CREATE OR REPLACE FUNCTION runs_before_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.num, NEW.id, NEW.job, NEW.lifecycle, NEW.created_at, NEW.created_by, NEW.created_reason, NEW.attempt,
        NEW.parent_id, NEW.max_retries)
       IS DISTINCT FROM (OLD.num, OLD.id, OLD.job, OLD.lifecycle, OLD.created_at, OLD.created_by, OLD.created_reason,
        OLD.attempt, OLD.parent_id, OLD.max_retries) THEN
        PERFORM runledger_refuse('immutable_run',
            'a run''s id, job, lifecycle, creation, parent and retries cannot change', 'run ' || OLD.id);
    END IF;
    IF NEW.heartbeat_at IS DISTINCT FROM OLD.heartbeat_at THEN
        IF OLD.ended_at IS NOT NULL THEN
            PERFORM runledger_refuse('run_ended', 'a run that has ended takes no heartbeat', 'run ' || OLD.id);
        ELSIF NEW.heartbeat_at IS NULL OR NEW.heartbeat_at < coalesce(OLD.heartbeat_at, 0) THEN
            PERFORM runledger_refuse('time_backwards', 'a heartbeat cannot be earlier than the last one',
                'run ' || OLD.id || ': heartbeat ' || coalesce(NEW.heartbeat_at::text, 'NULL') || ' after '
                || coalesce(OLD.heartbeat_at::text, 'none'));
        END IF;
    END IF;
    IF (NEW.state, NEW.updated_at, NEW.ended_at, NEW.outcome)
       IS DISTINCT FROM (OLD.state, OLD.updated_at, OLD.ended_at, OLD.outcome)
       AND (pg_trigger_depth() < 2
            OR current_setting('runledger.applying', true) IS DISTINCT FROM OLD.num || ':' || pg_current_xact_id()) THEN
        PERFORM runledger_refuse('derived_state',
            'runs.state, updated_at, ended_at and outcome follow state_history; insert a state_history row instead',
            'run ' || OLD.id || ' is in ' || coalesce(OLD.state, 'no state'));
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS runs_before_update ON runs;
CREATE TRIGGER runs_before_update BEFORE UPDATE OF num, id, job, lifecycle, state, created_at, updated_at, ended_at,
    outcome, created_by, created_reason, attempt, parent_id, max_retries, heartbeat_at ON runs
FOR EACH ROW EXECUTE FUNCTION runs_before_update();

-- Only a whole terminal run that ended before the latest prune cutoff, that no other run
-- names as parent or upstream, that is not pinned and that is not its job's newest run, can
-- be deleted; TRUNCATE of runs never. A run that may go takes its duration and its stays out
-- of the stats, and adds its history rows and its duration to the pruned tallies (so the
-- metrics' counters never go back), here, while its history is still there (its history and
-- dependencies then go by their foreign keys, ON DELETE CASCADE, whose triggers fire before
-- runs_after_delete).
-- Tags: append_only, pinned_run.
CREATE OR REPLACE FUNCTION runs_before_delete() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM runledger_refuse('append_only',
            'only a terminal run that ended before a recorded prune cutoff can be deleted', 'TRUNCATE runs');
    ELSIF OLD.ended_at IS NULL
       OR NOT OLD.ended_at < coalesce((SELECT before_at FROM prunes ORDER BY id DESC LIMIT 1), 0) THEN
        PERFORM runledger_refuse('append_only',
            'only a terminal run that ended before a recorded prune cutoff can be deleted', 'run ' || OLD.id);
    ELSIF EXISTS (SELECT 1 FROM run_pins WHERE run_id = OLD.id) THEN
        PERFORM runledger_refuse('pinned_run', 'a pinned run cannot be deleted; unpin it first', 'run ' || OLD.id);
    ELSIF NOT EXISTS (
        SELECT 1 FROM runs WHERE job = OLD.job AND created_at >= OLD.created_at
          AND (created_at > OLD.created_at OR num > OLD.num)
    ) THEN
        PERFORM runledger_refuse('append_only', 'a job''s newest run cannot be deleted', 'run ' || OLD.id);
    ELSIF EXISTS (SELECT 1 FROM runs WHERE parent_id = OLD.id)
       OR EXISTS (SELECT 1 FROM run_dependencies WHERE upstream_id = OLD.id) THEN
        PERFORM runledger_refuse('append_only',
            'a run that another run names as parent or upstream cannot be deleted', 'run ' || OLD.id);
    END IF;

    UPDATE stats_run_durations SET runs = runs - 1, total_us = total_us - (OLD.ended_at - OLD.created_at)
    WHERE job = OLD.job AND lifecycle = OLD.lifecycle AND state = OLD.state AND outcome = coalesce(OLD.outcome, '')
      AND bucket = stats_bucket(OLD.ended_at - OLD.created_at);
    UPDATE stats_state_durations AS s SET stays = s.stays - g.n, total_us = s.total_us - g.total
    FROM (
        SELECT state, stats_bucket(d) AS b, count(*) AS n, sum(d) AS total
        FROM (SELECT to_state AS state, lead(at) OVER (ORDER BY seq) - at AS d
              FROM state_changes WHERE run_num = OLD.num) AS stays
        WHERE d IS NOT NULL
        GROUP BY 1, 2
    ) AS g
    WHERE s.job = OLD.job AND s.lifecycle = OLD.lifecycle AND s.state = g.state AND s.bucket = g.b;
    DELETE FROM stats_run_durations WHERE job = OLD.job AND lifecycle = OLD.lifecycle AND runs <= 0;
    DELETE FROM stats_state_durations WHERE job = OLD.job AND lifecycle = OLD.lifecycle AND stays <= 0;

    INSERT INTO pruned_state_entries AS p (job, lifecycle, state, entries)
    SELECT OLD.job, OLD.lifecycle, to_state, count(*) FROM state_changes WHERE run_num = OLD.num GROUP BY to_state
    ON CONFLICT (job, lifecycle, state) DO UPDATE SET entries = p.entries + excluded.entries;
    INSERT INTO pruned_run_durations AS p (job, lifecycle, state, outcome, bucket, runs, total_us, max_us)
    VALUES (OLD.job, OLD.lifecycle, OLD.state, coalesce(OLD.outcome, ''), stats_bucket(OLD.ended_at - OLD.created_at),
            1, OLD.ended_at - OLD.created_at, OLD.ended_at - OLD.created_at)
    ON CONFLICT (job, lifecycle, state, outcome, bucket) DO UPDATE
    SET runs = p.runs + 1, total_us = p.total_us + excluded.total_us, max_us = greatest(p.max_us, excluded.max_us);
    RETURN OLD;
END $$;
DROP TRIGGER IF EXISTS runs_before_delete ON runs;
CREATE TRIGGER runs_before_delete BEFORE DELETE ON runs
FOR EACH ROW EXECUTE FUNCTION runs_before_delete();
DROP TRIGGER IF EXISTS runs_before_truncate ON runs;
CREATE TRIGGER runs_before_truncate BEFORE TRUNCATE ON runs
FOR EACH STATEMENT EXECUTE FUNCTION runs_before_delete();

-- A deleted run takes its annotations and the OpenLineage events received for it with it;
-- their own delete rules let them go once the run is gone.
CREATE OR REPLACE FUNCTION runs_after_delete() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    DELETE FROM run_annotations WHERE run_id = OLD.id;
    DELETE FROM openlineage_events WHERE run_id = OLD.id;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS runs_after_delete ON runs;
CREATE TRIGGER runs_after_delete AFTER DELETE ON runs
FOR EACH ROW EXECUTE FUNCTION runs_after_delete();
