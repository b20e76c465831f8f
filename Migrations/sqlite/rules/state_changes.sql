-- The rules of `state_changes`, the stored history, and of `state_history`, the view that
-- names the run by its id. A new row is a change of its run's state: it must follow the
-- run's lifecycle from the run's current state, and it moves the run (`runs.state`,
-- `updated_at`, `ended_at`, `outcome`), which no other statement may do. Rows are never
-- changed, and leave only with their whole run (a prune).
--
-- One trigger per table and event, whose steps run in the order written (the statements of
-- a trigger body run one after another), because SQLite promises no order among several
-- triggers on the same event. One exception, here: an INSERT fires two AFTER triggers, and
-- they give the same result in either order:
-- - state_changes_after_insert checks the row and applies it to its run;
-- - state_changes_after_insert_for_dependants passes a run's end on to the runs that wait
--   for it, by writing history rows of those runs. It cannot be a step of the first:
--   > "a trigger [is not] fired recursively [...] unless recursive_triggers is enabled"
--   (PRAGMA recursive_triggers, off by default and in every client we know), so the rows
--   it writes would go unapplied while state_changes_after_insert is running.
-- Neither reads what the other writes: the first reads only the row's own run (and checks
-- `runs.state` against that run's own last row, not the ledger's last row); the second
-- reads only the other runs and the row itself. RulesTests.theTwoHistoryTriggersCommute
-- runs a ledger with dependencies with them created in both orders.

-- Before a row is stored: an explicit `seq` must come after every other, and a
-- `request_key` must be new, so that INSERT OR REPLACE cannot take an existing row's place
-- (REPLACE deletes the row in the way without firing a delete trigger).
-- > "The value of NEW.rowid is undefined in a BEFORE INSERT trigger in which the rowid is
-- > not explicitly set to an integer." (SQLite's CREATE TRIGGER page)
-- SQLite 3.40 passes -1 there (pinned by RulesTests.anUnsetRowidIsMinusOneInABeforeInsertTrigger);
-- were that to change, every plain insert would be refused, loudly, not let through.
-- And in a ledger where runs wait for others, a run that waits for upstream runs cannot
-- enter a RUNNING-type state before every one of them has completed
-- (call_check_upstreams, run_dependencies.sql). Checked before the row is stored, so this
-- refusal comes before those of state_changes_after_insert.
-- Tags: history_order, duplicate_request.
CREATE TRIGGER state_changes_before_insert BEFORE INSERT ON state_changes
WHEN NEW.seq <> -1 OR NEW.request_key IS NOT NULL OR EXISTS (SELECT 1 FROM run_dependencies)
BEGIN
    SELECT CASE
        WHEN NEW.seq <> -1 AND NEW.seq <= (SELECT ifnull(max(seq), 0) FROM state_changes) THEN
            RAISE(ABORT, 'runledger:history_order: a new state_history row must come after every other')
        WHEN NEW.request_key IS NOT NULL AND EXISTS (SELECT 1 FROM state_changes WHERE request_key = NEW.request_key) THEN
            RAISE(ABORT, 'runledger:duplicate_request: a change with this request_key is already recorded')
    END;

    INSERT INTO call_check_upstreams (run_num, to_state) VALUES (NEW.run_num, NEW.to_state);
END;

-- After a row is stored, in this order:
-- 1. the stay that the row ends is counted in stats_state_durations (it reads the run's
--    `updated_at` before step 2 moves it);
-- 2. the row is checked against the run and its lifecycle and applied to the run, in one
--    UPDATE: in its SET clause the run's columns still hold the values before the change;
--    the row is already stored, so it counts among the run's retries. The checks run in
--    the order of the CASE. A first row (no from_state) is one of a run without history:
--    `updated_at` NULL, or equal to `created_at` as a client may give it with the run;
-- 3. an UPDATE that changed no row means the run does not exist.
-- Tags: history_order, bad_value, wrong_from_state, not_initial, no_such_state,
-- time_backwards, illegal_transition, bad_outcome, retries_exhausted, no_such_run.
-- Step 2 may raise those of runs_after_update.
CREATE TRIGGER state_changes_after_insert AFTER INSERT ON state_changes
BEGIN
    INSERT INTO stats_state_durations (job, lifecycle, state, bucket, stays, total_us, min_us, max_us)
    SELECT job, lifecycle, NEW.from_state, CASE WHEN d < 1000 THEN d ELSE length(d) * 1000 + substr(d, 1, 3) END,
           1, d, d, d
    FROM (SELECT job, lifecycle, NEW.at - updated_at AS d FROM runs WHERE num = NEW.run_num)
    WHERE NEW.from_state IS NOT NULL
    ON CONFLICT DO UPDATE SET stays = stays + 1, total_us = total_us + excluded.total_us,
        min_us = min(min_us, excluded.min_us), max_us = max(max_us, excluded.max_us);

    UPDATE runs SET
        state = CASE
            WHEN NEW.seq < 1 THEN
                RAISE(ABORT, 'runledger:history_order: seq must be a positive integer')
            WHEN NEW.at < 0 THEN
                RAISE(ABORT, 'runledger:bad_value: at must be integer microseconds since the Unix epoch')
            WHEN NEW.from_state IS NULL THEN CASE
                WHEN updated_at IS NOT NULL AND (updated_at IS NOT created_at OR EXISTS (
                    SELECT 1 FROM state_changes AS c WHERE c.run_num = NEW.run_num AND c.seq < NEW.seq
                )) THEN
                    RAISE(ABORT, 'runledger:wrong_from_state: from_state must be the run''s current state')
                ELSE CASE (
                    SELECT is_initial FROM lifecycle_states AS s WHERE s.lifecycle = runs.lifecycle AND s.state = NEW.to_state
                )
                    WHEN 1 THEN NEW.to_state
                    WHEN 0 THEN
                        RAISE(ABORT, 'runledger:not_initial: a run''s first state must be an initial state of its lifecycle')
                    ELSE RAISE(ABORT, 'runledger:no_such_state: the lifecycle has no such state')
                END
            END
            WHEN NEW.from_state IS NOT state THEN
                RAISE(ABORT, 'runledger:wrong_from_state: from_state must be the run''s current state')
            WHEN NEW.at < updated_at THEN
                RAISE(ABORT, 'runledger:time_backwards: a change cannot be earlier than the run''s last change')
            WHEN NOT EXISTS (
                SELECT 1 FROM lifecycle_transitions AS t
                WHERE t.lifecycle = runs.lifecycle AND t.from_state = NEW.from_state
                  AND t.to_state = NEW.to_state AND t.action IS NEW.action
            ) THEN
                RAISE(ABORT, 'runledger:illegal_transition: the lifecycle has no such transition')
            WHEN NEW.outcome IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM lifecycle_outcomes AS o JOIN lifecycle_states AS s
                    ON s.lifecycle = o.lifecycle AND s.state = NEW.to_state AND s.is_terminal = 1
                WHERE o.lifecycle = runs.lifecycle AND o.outcome = NEW.outcome
            ) THEN
                RAISE(ABORT, 'runledger:bad_outcome: an outcome goes only with a terminal state, and must be one the lifecycle defines')
            WHEN max_retries IS NOT NULL
              AND NEW.to_state = (SELECT retry_state FROM lifecycles WHERE name = runs.lifecycle)
              AND (SELECT count(*) FROM state_changes AS c
                   WHERE c.run_num = NEW.run_num AND c.to_state = NEW.to_state AND c.from_state IS NOT NULL) > max_retries THEN
                RAISE(ABORT, 'runledger:retries_exhausted: the run has used all its retries')
            ELSE NEW.to_state
        END,
        updated_at = NEW.at,
        ended_at = CASE WHEN (
            SELECT is_terminal FROM lifecycle_states AS s WHERE s.lifecycle = runs.lifecycle AND s.state = NEW.to_state
        ) = 1 THEN NEW.at END,
        outcome = NEW.outcome
    WHERE num = NEW.run_num;

    SELECT RAISE(ABORT, 'runledger:no_such_run: the run does not exist') WHERE changes() = 0;
END;

-- In a ledger where runs wait for others: a run that others wait for passes its end on to
-- them (call_notify_dependants, run_dependencies.sql, decides whether it has ended and has
-- dependants, and what they do). This small trigger only calls it, so that a ledger without
-- dependencies does not set up that large body on every write.
CREATE TRIGGER state_changes_after_insert_for_dependants AFTER INSERT ON state_changes
WHEN EXISTS (SELECT 1 FROM run_dependencies)
BEGIN
    INSERT INTO call_notify_dependants (seq, run_num, to_state, outcome, at)
    VALUES (NEW.seq, NEW.run_num, NEW.to_state, NEW.outcome, NEW.at);
END;

-- Tags: append_only.
CREATE TRIGGER state_changes_before_update BEFORE UPDATE ON state_changes
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: state_history rows cannot be changed');
END;

-- A run's rows are deleted by its own delete (runs_after_delete), and by nothing else.
-- Tags: append_only.
CREATE TRIGGER state_changes_before_delete BEFORE DELETE ON state_changes
WHEN EXISTS (SELECT 1 FROM runs WHERE num = OLD.run_num)
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: state_history rows leave only with their whole run');
END;

-- `state_history`: the history with the run named by its id. A row written here is stored
-- in state_changes, under the same rules; `at` defaults to now, in whole milliseconds.
CREATE VIEW state_history AS
SELECT c.seq, r.id AS run_id, c.from_state, c.to_state, c.at, c.action, c.actor, c.reason,
       c.meta, c.outcome, c.request_key
FROM state_changes AS c
JOIN runs AS r ON r.num = c.run_num;

-- Tags: no_such_run. The row it stores may raise those of state_changes' triggers.
CREATE TRIGGER state_history_instead_of_insert INSTEAD OF INSERT ON state_history
BEGIN
    SELECT RAISE(ABORT, 'runledger:no_such_run: the run does not exist')
    WHERE NOT EXISTS (SELECT 1 FROM runs WHERE id = NEW.run_id);
    INSERT INTO state_changes (seq, run_num, from_state, to_state, at, action, actor, reason, meta, outcome, request_key)
    VALUES (
        NEW.seq,
        (SELECT num FROM runs WHERE id = NEW.run_id),
        NEW.from_state,
        NEW.to_state,
        ifnull(NEW.at, CAST(round((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000),
        NEW.action,
        NEW.actor,
        NEW.reason,
        NEW.meta,
        NEW.outcome,
        NEW.request_key
    );
END;

-- Tags: append_only.
CREATE TRIGGER state_history_instead_of_update INSTEAD OF UPDATE ON state_history
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: state_history rows cannot be changed');
END;

-- Tags: append_only.
CREATE TRIGGER state_history_instead_of_delete INSTEAD OF DELETE ON state_history
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: state_history rows cannot be deleted');
END;
