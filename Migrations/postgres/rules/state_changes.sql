-- The rules of a new history row on PostgreSQL (`state_changes`; `state_history`, the view
-- that names the run by its id, writes here: views.sql), the same as the SQLite rules of
-- the same names (Migrations/sqlite/rules/state_changes.sql, run_dependencies.sql), with the
-- same tags and sentences: a new row is a change of its run's state; it must follow the
-- run's lifecycle from the run's current state, and it moves the run (`runs.state`,
-- `updated_at`, `ended_at`, `outcome`), which no other statement may do (runs.sql). A run
-- that ends passes its end on to the runs that wait for it.
--
-- Where the engines differ, and why:
-- - SQLite checks and applies the row in an AFTER trigger; here it is checked and applied
--   BEFORE it is stored, because PostgreSQL fires row AFTER triggers at the end of the
--   statement: in an INSERT of several rows of one run, the second row's checks would
--   otherwise read the run before the first row moved it. So the new row does not count
--   among the run's retries yet (count + 1 below), and "no row of this run before it" is
--   "no row of this run".
-- - SQLite has one writer; here several sessions write at once, under READ COMMITTED by
--   default. Every check of a row reads the run's row locked FOR NO KEY UPDATE (the newest
--   committed version, and no other session may change it until this transaction ends), so
--   of two sessions moving a run from the same state one wins and the other, which waited,
--   sees the new state and is refused with wrong_from_state.
-- - `seq` is drawn inside the trigger, after that lock, not by a column default (evaluated
--   before any trigger): else T2 draws 10, T1 draws 11, locks the run, commits, and T2 then
--   records the run's later change under the smaller seq.
-- - PostgreSQL fires every trigger again for the rows a trigger inserts (SQLite does not
--   re-enter a trigger already running: recursive_triggers is off). The rows that pass a
--   run's end on go through the rules again, each applied once to its own run; the end they
--   record is not passed on again, since SQLite's call_notify_dependants already reaches
--   every run downstream, transitively (see state_changes_after_insert).

-- The whole ledger's history in the order of `seq`, for a reader that follows it (`export
-- --since`): a transaction that records a history row takes a shared transaction-level
-- advisory lock on the ledger's 'history' key before it draws the row's seq, and holds it
-- until it commits or rolls back; history_high_water() takes the same key exclusively, so it
-- waits until no transaction is between drawing a seq and its end, reads max(seq), and lets
-- go at once. Every row with a seq up to the value returned has committed, or never will
-- exist: a transaction that draws a seq later draws a greater one. A reader that reads
-- `seq > last AND seq <= history_high_water()` therefore never skips a row that commits
-- after a row with a greater seq did. Call it under READ COMMITTED (its max(seq) is then a
-- snapshot taken after the lock); under REPEATABLE READ or SERIALIZABLE it is refused. The
-- transaction id is assigned (pg_current_xact_id()) before the seq too, so that a
-- transaction holding a seq is in every later snapshot's list of running transactions, for
-- readers that use snapshots (pg_snapshot_xmin) instead.
CREATE OR REPLACE FUNCTION history_high_water() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    high bigint;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = '0A000',
            MESSAGE = 'runledger: history_high_water() needs a READ COMMITTED transaction',
            DETAIL = 'under ' || current_setting('transaction_isolation')
                || ' its max(seq) would read a snapshot taken before it waited for the writers';
    END IF;
    PERFORM pg_advisory_lock(runledger_lock_key('history', NULL));
    BEGIN
        SELECT coalesce(max(seq), 0) INTO high FROM state_changes;
    EXCEPTION WHEN others THEN
        PERFORM pg_advisory_unlock(runledger_lock_key('history', NULL));
        RAISE;
    END;
    PERFORM pg_advisory_unlock(runledger_lock_key('history', NULL));
    RETURN high;
END $$;

-- Before a row is stored, in this order:
-- 1. an explicit `seq` (a ledger being copied) must come after every other; a `request_key`
--    must be new. (Two sessions giving the same key at the same moment both pass this check;
--    the second then waits on the unique index of request_key and fails with a unique
--    violation of state_changes_by_request_key, SQLSTATE 23505, which the library reads as
--    duplicate_request, and answers with the first one's change. A lock on the key would
--    give the tag in that race too, but held until the transaction ends it made a batch of
--    thousands run out of the server's lock table; see runs_before_insert.)
-- 2. a run that waits for upstream runs cannot enter a RUNNING-type state before every one
--    of them has completed (SQLite's call_check_upstreams, checked before the checks of
--    step 5, as there). The upstream rows are locked FOR SHARE, before the run's own row,
--    so that none is reopened until this transaction ends, in the order every session
--    takes them (upstreams, then the run);
--    then the CHECK of `meta` (valid JSON), which PostgreSQL would make only after this
--    trigger, and SQLite makes before it checks the run;
-- 3. the run's row is locked FOR NO KEY UPDATE (no_such_run when there is none);
-- 4. the transaction's id is taken, then the shared 'history' lock (see
--    history_high_water; an explicit seq takes it exclusively, and is checked again under
--    it), then the seq, unless given (the sequence then moves past the given one);
-- 5. the row is checked against the locked run and its lifecycle, in the order of SQLite's
--    CASE. A first row (no from_state) is one of a run without history;
-- 6. the stay the row ends is counted in stats_state_durations;
-- 7. the row is applied to its run: state, updated_at, ended_at when the state is
--    terminal, outcome (runs_before_update lets this UPDATE alone through);
-- 8. the run's duration is taken out of stats_run_durations if it had ended (an action
--    reopens it, or moves it to another terminal state), and counted if it ends now.
-- Tags: history_order, duplicate_request, blocked_by_upstream, no_such_run, bad_value,
-- wrong_from_state, not_initial, no_such_state, time_backwards, illegal_transition,
-- bad_outcome, retries_exhausted.
CREATE OR REPLACE FUNCTION state_changes_before_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    run runs%ROWTYPE;
    run_ident text := (SELECT id FROM runs WHERE num = NEW.run_num);
    target lifecycle_states%ROWTYPE;
    waiting text;
    legal text;
    highest bigint;
    d bigint;
BEGIN
    -- 1.
    IF NEW.seq IS NOT NULL AND NEW.seq <> -1
       AND NEW.seq <= (SELECT coalesce(max(seq), 0) FROM state_changes) THEN
        PERFORM runledger_refuse('history_order', 'a new state_history row must come after every other',
            'seq ' || NEW.seq);
    END IF;
    IF NEW.request_key IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM state_changes WHERE request_key = NEW.request_key) THEN
            PERFORM runledger_refuse('duplicate_request', 'a change with this request_key is already recorded',
                'request_key ' || NEW.request_key);
        END IF;
    END IF;

    -- 2.
    IF EXISTS (SELECT 1 FROM run_dependencies WHERE run_dependencies.run_id = run_ident)
       AND EXISTS (
        SELECT 1 FROM runs AS r
        JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = NEW.to_state AND s.canonical_type = 'RUNNING'
        WHERE r.num = NEW.run_num
    ) THEN
        PERFORM 1 FROM runs AS u
        WHERE u.id IN (SELECT upstream_id FROM run_dependencies AS dep WHERE dep.run_id = run_ident)
        ORDER BY u.num FOR SHARE;
        SELECT string_agg(u.id || ' (' || u.state || coalesce(', ' || u.outcome, '') || ')', ', ' ORDER BY u.num)
        INTO waiting
        FROM run_dependencies AS dep JOIN runs AS u ON u.id = dep.upstream_id
        JOIN lifecycle_states AS us ON us.lifecycle = u.lifecycle AND us.state = u.state
        LEFT JOIN lifecycle_outcomes AS uo ON uo.lifecycle = u.lifecycle AND uo.outcome = u.outcome
        WHERE dep.run_id = run_ident
          AND coalesce(uo.canonical_type, us.canonical_type) <> 'COMPLETED';
        IF waiting IS NOT NULL THEN
            PERFORM runledger_refuse('blocked_by_upstream', 'an upstream run has not completed successfully',
                'run ' || run_ident || ' waits for ' || waiting);
        END IF;
    END IF;

    -- The CHECK of `meta`, which PostgreSQL evaluates only after the BEFORE triggers: here,
    -- so that bad JSON is refused before the checks of the run, as SQLite refuses it (its
    -- CHECK runs as the row is stored, before its AFTER trigger checks the run).
    IF NEW.meta IS NOT NULL AND NOT json_valid(NEW.meta) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'state_changes_meta_check',
            TABLE = 'state_changes',
            MESSAGE = 'new row for relation "state_changes" violates check constraint "state_changes_meta_check"',
            DETAIL = 'meta is not valid JSON';
    END IF;

    -- 3.
    SELECT * INTO run FROM runs WHERE num = NEW.run_num FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        PERFORM runledger_refuse('no_such_run', 'the run does not exist',
            'run_num ' || coalesce(NEW.run_num::text, 'NULL'));
    END IF;

    -- 4.
    PERFORM pg_current_xact_id();
    IF NEW.seq IS NULL THEN
        PERFORM pg_advisory_xact_lock_shared(runledger_lock_key('history', NULL));
        NEW.seq := nextval('state_changes_seq_seq');
    ELSE
        PERFORM pg_advisory_xact_lock(runledger_lock_key('history', NULL));
        highest := (SELECT coalesce(max(seq), 0) FROM state_changes);
        IF NEW.seq <> -1 AND NEW.seq <= highest THEN
            PERFORM runledger_refuse('history_order', 'a new state_history row must come after every other',
                'seq ' || NEW.seq || ', the highest is ' || highest);
        END IF;
        PERFORM setval('state_changes_seq_seq', greatest(NEW.seq, last_value)) FROM state_changes_seq_seq
        WHERE NEW.seq >= 1;
    END IF;

    -- 5.
    IF NEW.seq < 1 THEN
        PERFORM runledger_refuse('history_order', 'seq must be a positive integer', 'seq ' || NEW.seq);
    END IF;
    IF NEW.at < 0 THEN
        PERFORM runledger_refuse('bad_value', 'at must be integer microseconds since the Unix epoch',
            'run ' || run.id || ': at ' || NEW.at);
    END IF;
    SELECT * INTO target FROM lifecycle_states WHERE lifecycle = run.lifecycle AND state = NEW.to_state;
    IF NEW.from_state IS NULL THEN
        IF run.updated_at IS NOT NULL AND (run.updated_at IS DISTINCT FROM run.created_at
                                           OR EXISTS (SELECT 1 FROM state_changes WHERE run_num = NEW.run_num)) THEN
            PERFORM runledger_refuse('wrong_from_state', 'from_state must be the run''s current state',
                'run ' || run.id || ' is in ' || coalesce(run.state, 'no state') || ', not in no state');
        ELSIF target.state IS NULL THEN
            PERFORM runledger_refuse('no_such_state', 'the lifecycle has no such state',
                'lifecycle ' || run.lifecycle || ' has no state ' || coalesce(NEW.to_state, 'NULL'));
        ELSIF target.is_initial <> 1 THEN
            PERFORM runledger_refuse('not_initial',
                'a run''s first state must be an initial state of its lifecycle',
                'run ' || run.id || ': ' || NEW.to_state || '; initial states of ' || run.lifecycle || ': '
                || (SELECT string_agg(state, ', ' ORDER BY position) FROM lifecycle_states
                    WHERE lifecycle = run.lifecycle AND is_initial = 1));
        END IF;
    ELSE
        IF NEW.from_state IS DISTINCT FROM run.state THEN
            PERFORM runledger_refuse('wrong_from_state', 'from_state must be the run''s current state',
                'run ' || run.id || ' is in ' || coalesce(run.state, 'no state') || ', not in ' || NEW.from_state);
        ELSIF NEW.at < run.updated_at THEN
            PERFORM runledger_refuse('time_backwards', 'a change cannot be earlier than the run''s last change',
                'run ' || run.id || ': at ' || NEW.at || ', last change at ' || run.updated_at);
        ELSIF NOT EXISTS (
            SELECT 1 FROM lifecycle_transitions AS t
            WHERE t.lifecycle = run.lifecycle AND t.from_state = NEW.from_state
              AND t.to_state = NEW.to_state AND t.action IS NOT DISTINCT FROM NEW.action
        ) THEN
            SELECT string_agg(DISTINCT t.to_state || coalesce(' (action ' || t.action || ')', ''), ', ')
            INTO legal
            FROM lifecycle_transitions AS t WHERE t.lifecycle = run.lifecycle AND t.from_state = NEW.from_state;
            PERFORM runledger_refuse('illegal_transition', 'the lifecycle has no such transition',
                'run ' || run.id || ': ' || NEW.from_state || ' -> ' || coalesce(NEW.to_state, 'NULL')
                || coalesce(' (action ' || NEW.action || ')', '') || '; legal targets: ' || coalesce(legal, 'none'));
        ELSIF NEW.outcome IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM lifecycle_outcomes AS o
            WHERE o.lifecycle = run.lifecycle AND o.outcome = NEW.outcome AND target.is_terminal = 1
        ) THEN
            PERFORM runledger_refuse('bad_outcome',
                'an outcome goes only with a terminal state, and must be one the lifecycle defines',
                'run ' || run.id || ': ' || NEW.to_state || ' with outcome ' || NEW.outcome || '; outcomes of '
                || run.lifecycle || ': '
                || coalesce((SELECT string_agg(outcome, ', ' ORDER BY outcome) FROM lifecycle_outcomes
                             WHERE lifecycle = run.lifecycle), 'none'));
        ELSIF run.max_retries IS NOT NULL
          AND NEW.to_state = (SELECT retry_state FROM lifecycles WHERE name = run.lifecycle)
          AND (SELECT count(*) FROM state_changes AS c
               WHERE c.run_num = NEW.run_num AND c.to_state = NEW.to_state AND c.from_state IS NOT NULL) + 1
              > run.max_retries THEN
            PERFORM runledger_refuse('retries_exhausted', 'the run has used all its retries',
                'run ' || run.id || ': max_retries ' || run.max_retries);
        END IF;
    END IF;

    -- 6.
    IF NEW.from_state IS NOT NULL THEN
        d := NEW.at - run.updated_at;
        INSERT INTO stats_state_durations (job, lifecycle, state, bucket, stays, total_us, min_us, max_us)
        VALUES (run.job, run.lifecycle, NEW.from_state, stats_bucket(d), 1, d, d, d)
        ON CONFLICT (job, lifecycle, state, bucket) DO UPDATE SET
            stays = stats_state_durations.stays + 1,
            total_us = stats_state_durations.total_us + excluded.total_us,
            min_us = least(stats_state_durations.min_us, excluded.min_us),
            max_us = greatest(stats_state_durations.max_us, excluded.max_us);
    END IF;

    -- 7.
    PERFORM set_config('runledger.applying', run.num || ':' || pg_current_xact_id(), true);
    UPDATE runs SET
        state = NEW.to_state,
        updated_at = NEW.at,
        ended_at = CASE WHEN target.is_terminal = 1 THEN NEW.at END,
        outcome = NEW.outcome
    WHERE num = NEW.run_num;
    PERFORM set_config('runledger.applying', '', true);

    -- 8.
    IF run.ended_at IS NOT NULL THEN
        d := run.ended_at - run.created_at;
        UPDATE stats_run_durations SET runs = runs - 1, total_us = total_us - d
        WHERE job = run.job AND lifecycle = run.lifecycle AND state = run.state
          AND outcome = coalesce(run.outcome, '') AND bucket = stats_bucket(d);
        DELETE FROM stats_run_durations
        WHERE runs = 0 AND job = run.job AND lifecycle = run.lifecycle AND state = run.state
          AND outcome = coalesce(run.outcome, '');
    END IF;
    IF target.is_terminal = 1 THEN
        d := NEW.at - run.created_at;
        INSERT INTO stats_run_durations (job, lifecycle, state, outcome, bucket, runs, total_us, min_us, max_us)
        VALUES (run.job, run.lifecycle, NEW.to_state, coalesce(NEW.outcome, ''), stats_bucket(d), 1, d, d, d)
        ON CONFLICT (job, lifecycle, state, outcome, bucket) DO UPDATE SET
            runs = stats_run_durations.runs + 1,
            total_us = stats_run_durations.total_us + excluded.total_us,
            min_us = least(stats_run_durations.min_us, excluded.min_us),
            max_us = greatest(stats_run_durations.max_us, excluded.max_us);
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS state_changes_before_insert ON state_changes;
CREATE TRIGGER state_changes_before_insert BEFORE INSERT ON state_changes
FOR EACH ROW EXECUTE FUNCTION state_changes_before_insert();

-- After a row is stored: a run that others wait for, entering a terminal state, passes its
-- end on to them (SQLite's call_notify_dependants), in this order:
-- 1. if the run completed (its state's canonical type, refined by the outcome, is
--    COMPLETED), every dependant in its lifecycle's blocked state whose every other
--    upstream has completed too moves to its release state;
-- 2. if it did not, every active run downstream of it, transitively, moves to its
--    lifecycle's upstream-failed state where its lifecycle has that edge;
-- 3. and every run downstream that is still active then gets an `upstream_failed`
--    annotation.
-- The moves are history rows like any other: each goes through state_changes' rules. The
-- rows written here are not passed on again: step 2 already reached every run downstream,
-- as in SQLite, whose trigger does not fire for the rows it writes itself (the setting
-- `runledger.notifying` marks them while they are written). A client that sets that setting
-- itself only keeps its own change from releasing or cancelling the runs waiting for it: they
-- stay blocked (blocked_by_upstream still holds them), which no rule forbids.
-- After an AFTER trigger: the row must have its seq before the rows it causes (SQLite's
-- order), and PostgreSQL fires it at the end of the statement, after the row is applied.
-- Concurrency: the runs written are locked FOR NO KEY UPDATE first, in the order of num,
-- then read again, by a later statement (under READ COMMITTED, the newest committed
-- versions): so a release cannot be missed when two upstreams of a run complete at once
-- (the second to lock the dependant sees the first's end) nor made twice (the second sees
-- it released). Under REPEATABLE READ and SERIALIZABLE the other upstreams are locked FOR
-- SHARE as well, which fails (40001) when one changed after the transaction's snapshot.
CREATE OR REPLACE FUNCTION state_changes_after_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    upstream runs%ROWTYPE;
    terminal smallint;
    kind text;
BEGIN
    IF current_setting('runledger.notifying', true) = 'on' THEN
        RETURN NULL;
    END IF;
    SELECT * INTO upstream FROM runs WHERE num = NEW.run_num;
    IF NOT EXISTS (SELECT 1 FROM run_dependencies WHERE upstream_id = upstream.id) THEN
        RETURN NULL;
    END IF;
    SELECT s.is_terminal, coalesce(o.canonical_type, s.canonical_type) INTO terminal, kind
    FROM lifecycle_states AS s
    LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = s.lifecycle AND o.outcome = NEW.outcome
    WHERE s.lifecycle = upstream.lifecycle AND s.state = NEW.to_state;
    IF terminal IS DISTINCT FROM 1 THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('runledger.notifying', 'on', true);

    IF kind = 'COMPLETED' THEN
        -- 1.
        PERFORM 1 FROM runs AS d
        WHERE d.id IN (SELECT run_id FROM run_dependencies WHERE upstream_id = upstream.id)
        ORDER BY d.num FOR NO KEY UPDATE;
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            PERFORM 1 FROM runs AS o
            WHERE o.num <> upstream.num AND o.id IN (
                SELECT other.upstream_id FROM run_dependencies AS other
                WHERE other.run_id IN (SELECT run_id FROM run_dependencies WHERE upstream_id = upstream.id))
            ORDER BY o.num FOR SHARE;
        END IF;
        INSERT INTO state_changes (run_num, from_state, to_state, at, actor, reason)
        SELECT d.num, d.state, l.release_state, NEW.at, 'runledger',
               'upstream ' || upstream.id || ' completed; every upstream has completed'
        FROM run_dependencies AS dep
        JOIN runs AS d ON d.id = dep.run_id
        JOIN lifecycles AS l ON l.name = d.lifecycle
        WHERE dep.upstream_id = upstream.id
          AND d.state = l.blocked_state AND l.release_state IS NOT NULL
          AND NOT EXISTS (
            SELECT 1 FROM run_dependencies AS other JOIN runs AS o ON o.id = other.upstream_id
            JOIN lifecycle_states AS os ON os.lifecycle = o.lifecycle AND os.state = o.state
            LEFT JOIN lifecycle_outcomes AS oo ON oo.lifecycle = o.lifecycle AND oo.outcome = o.outcome
            WHERE other.run_id = d.id AND o.num <> upstream.num
              AND coalesce(oo.canonical_type, os.canonical_type) <> 'COMPLETED'
          )
        ORDER BY d.num;
    ELSE
        -- 2.
        PERFORM 1 FROM runs AS d
        WHERE d.id IN (
            WITH RECURSIVE downstream (id) AS (
                SELECT run_id FROM run_dependencies WHERE upstream_id = upstream.id
                UNION
                SELECT dep.run_id FROM downstream JOIN run_dependencies AS dep ON dep.upstream_id = downstream.id
            )
            SELECT id FROM downstream)
        ORDER BY d.num FOR NO KEY UPDATE;
        INSERT INTO state_changes (run_num, from_state, to_state, at, actor, reason, outcome)
        WITH RECURSIVE downstream (id) AS (
            SELECT run_id FROM run_dependencies WHERE upstream_id = upstream.id
            UNION
            SELECT dep.run_id FROM downstream JOIN run_dependencies AS dep ON dep.upstream_id = downstream.id
        )
        SELECT d.num, d.state, l.upstream_failed_state, NEW.at, 'runledger',
               'upstream ' || upstream.id || ' ended in ' || NEW.to_state,
               l.upstream_failed_outcome
        FROM downstream AS w
        JOIN runs AS d ON d.id = w.id AND d.ended_at IS NULL
        JOIN lifecycles AS l ON l.name = d.lifecycle
        WHERE EXISTS (
            SELECT 1 FROM lifecycle_transitions AS t
            WHERE t.lifecycle = d.lifecycle AND t.from_state = d.state AND t.to_state = l.upstream_failed_state
              AND t.action IS NULL
        )
        ORDER BY d.num;
        -- 3.
        INSERT INTO run_annotations (run_id, at, kind, actor, reason)
        WITH RECURSIVE downstream (id) AS (
            SELECT run_id FROM run_dependencies WHERE upstream_id = upstream.id
            UNION
            SELECT dep.run_id FROM downstream JOIN run_dependencies AS dep ON dep.upstream_id = downstream.id
        )
        SELECT d.id, NEW.at, 'upstream_failed', 'runledger',
               'upstream ' || upstream.id || ' ended in ' || NEW.to_state || '; this run waits for it and cannot run'
        FROM downstream AS w
        JOIN runs AS d ON d.id = w.id AND d.ended_at IS NULL
        ORDER BY d.num;
    END IF;

    PERFORM set_config('runledger.notifying', '', true);
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS state_changes_after_insert ON state_changes;
CREATE TRIGGER state_changes_after_insert AFTER INSERT ON state_changes
FOR EACH ROW EXECUTE FUNCTION state_changes_after_insert();

-- Wakes the ledger's subscribers (Ledger.subscribe, `runledger tail --follow`), which LISTEN
-- on runledger_changes: a notification with the ledger's schema as payload, delivered when
-- the transaction commits, one per transaction however many rows it wrote (PostgreSQL folds
-- repeats of a channel and payload). It only wakes them: what they read is bounded by
-- history_high_water(), never by the notification.
CREATE OR REPLACE FUNCTION state_changes_after_insert_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('runledger_changes', current_schema());
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS state_changes_after_insert_notify ON state_changes;
CREATE TRIGGER state_changes_after_insert_notify AFTER INSERT ON state_changes
FOR EACH STATEMENT EXECUTE FUNCTION state_changes_after_insert_notify();
