-- runledger ledger schema, version 9: the same rules, checked with fewer lookups per write.
--
-- A lookup in a small table costs SQLite about as much as writing the history row itself,
-- so this version checks each rule where the row it needs is already at hand:
-- - a new history row is checked inside the one UPDATE that applies it to its run (the
--   run's row is read once, for the rules and for the change; an UPDATE that finds no run
--   means there is none);
-- - "runs.state follows the history" compares a run's new values with the ledger's newest
--   history row (the one being applied) instead of walking the run's history;
-- - the dependency rules, which most ledgers never use, sit behind one cheap test of
--   run_dependencies, and a new run's first state is checked once, when it is recorded.
--
-- The rules are those of version 1, and so are their messages, with one hole closed: an
-- INSERT OR REPLACE with a request_key already recorded deleted that row to make room
-- (now refused: runledger:duplicate_request). What else a client can see: most refusals
-- now come after the row was inserted (the statement still leaves nothing behind), and of
-- two rules a row breaks at once, a different one may be named.

DROP TRIGGER state_changes_check_transition;
DROP TRIGGER state_changes_apply_to_run;
DROP TRIGGER state_changes_notify_dependants;
DROP TRIGGER runs_state_is_derived;
DROP TRIGGER runs_check_new_run;

-- ---------------------------------------------------------------------------------------
-- A new run: a new id, a known lifecycle, a known parent whose retries are not used up.
-- Checked before the row exists, so that INSERT OR REPLACE cannot overwrite a run. (Its
-- first state is checked with its first history row.)
CREATE TRIGGER runs_check_new_run BEFORE INSERT ON runs
BEGIN
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM runs WHERE id = NEW.id) THEN
            RAISE(ABORT, 'runledger:duplicate_run: a run with this id already exists')
        WHEN NEW.num <> -1 AND EXISTS (SELECT 1 FROM runs WHERE num = NEW.num) THEN
            RAISE(ABORT, 'runledger:duplicate_run: a run with this num already exists')
        WHEN NOT EXISTS (SELECT 1 FROM lifecycles WHERE name = NEW.lifecycle) THEN
            RAISE(ABORT, 'runledger:no_such_lifecycle: the lifecycle does not exist')
        WHEN NEW.updated_at IS NOT NULL OR NEW.ended_at IS NOT NULL OR NEW.outcome IS NOT NULL THEN
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

-- ---------------------------------------------------------------------------------------
-- The dependency rules: a run with upstream runs enters a RUNNING-type state only once
-- every upstream has completed; a run that ends releases or fails the runs waiting for it.
-- In a ledger where no run has upstreams (most), the trigger below stops at its first
-- test. Otherwise it calls the rules through the view call_dependency_rules (which holds
-- no rows and is not for reading; a call for anything but the ledger's newest history row
-- is refused). A run that ends while others wait for it is passed on to version 8's
-- call_notify_dependants, unchanged. (Created before state_changes_apply_to_run, so that
-- it fires after it.)
CREATE VIEW call_dependency_rules AS
SELECT NULL AS seq, NULL AS run_num, NULL AS to_state, NULL AS outcome, NULL AS at WHERE 0;

CREATE TRIGGER call_dependency_rules_notify_dependants INSTEAD OF INSERT ON call_dependency_rules
WHEN EXISTS (
    SELECT 1 FROM run_dependencies WHERE upstream_id = (SELECT id FROM runs WHERE num = NEW.run_num)
) AND (
    SELECT s.is_terminal FROM runs AS r JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = NEW.to_state
    WHERE r.num = NEW.run_num
) = 1
BEGIN
    INSERT INTO call_notify_dependants (seq, run_num, to_state, outcome, at)
    VALUES (NEW.seq, NEW.run_num, NEW.to_state, NEW.outcome, NEW.at);
END;

CREATE TRIGGER call_dependency_rules_check_upstreams INSTEAD OF INSERT ON call_dependency_rules
WHEN EXISTS (
    SELECT 1 FROM run_dependencies WHERE run_id = (SELECT id FROM runs WHERE num = NEW.run_num)
)
BEGIN
    SELECT RAISE(ABORT, 'runledger:blocked_by_upstream: an upstream run has not completed successfully')
    FROM runs AS r
    JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = NEW.to_state AND s.canonical_type = 'RUNNING'
    WHERE r.num = NEW.run_num AND EXISTS (
        SELECT 1 FROM run_dependencies AS d JOIN runs AS u ON u.id = d.upstream_id
        JOIN lifecycle_states AS us ON us.lifecycle = u.lifecycle AND us.state = u.state
        LEFT JOIN lifecycle_outcomes AS uo ON uo.lifecycle = u.lifecycle AND uo.outcome = u.outcome
        WHERE d.run_id = r.id AND ifnull(uo.canonical_type, us.canonical_type) <> 'COMPLETED'
    );
END;

-- Created last, so that it fires first.
CREATE TRIGGER call_dependency_rules_guard INSTEAD OF INSERT ON call_dependency_rules
BEGIN
    SELECT RAISE(ABORT, 'runledger:internal_call: call_dependency_rules is called by the triggers, for the newest history row')
    WHERE (NEW.seq, NEW.run_num, NEW.to_state, NEW.outcome, NEW.at) IS NOT (
        SELECT seq, run_num, to_state, outcome, at FROM state_changes ORDER BY seq DESC LIMIT 1
    );
END;

CREATE TRIGGER state_changes_dependency_rules AFTER INSERT ON state_changes
WHEN EXISTS (SELECT 1 FROM run_dependencies)
BEGIN
    INSERT INTO call_dependency_rules (seq, run_num, to_state, outcome, at)
    VALUES (NEW.seq, NEW.run_num, NEW.to_state, NEW.outcome, NEW.at);
END;

-- ---------------------------------------------------------------------------------------
-- Rule 1 before the row exists: a row that names its seq must come after every other, and
-- a request_key may not repeat. (Checked first, so that INSERT OR REPLACE cannot delete a
-- history row to make room for another; version 8 let a repeated request_key do that.)
CREATE TRIGGER state_changes_check_insert BEFORE INSERT ON state_changes
WHEN NEW.seq <> -1 OR NEW.request_key IS NOT NULL
BEGIN
    SELECT CASE
        WHEN NEW.seq <> -1 AND NEW.seq <= (SELECT ifnull(max(seq), 0) FROM state_changes) THEN
            RAISE(ABORT, 'runledger:history_order: a new state_history row must come after every other')
        WHEN NEW.request_key IS NOT NULL AND EXISTS (SELECT 1 FROM state_changes WHERE request_key = NEW.request_key) THEN
            RAISE(ABORT, 'runledger:duplicate_request: a change with this request_key is already recorded')
    END;
END;

-- ---------------------------------------------------------------------------------------
-- Rules 2 and 4, checked where the run's row is read anyway: in the UPDATE that applies a
-- new history row to its run (rule 3). The stay in the state the run leaves is counted
-- first, as in version 8.
CREATE TRIGGER state_changes_apply_to_run AFTER INSERT ON state_changes
BEGIN
    INSERT INTO stats_state_durations (job, lifecycle, state, bucket, stays, total_us, min_us, max_us)
    SELECT job, lifecycle, NEW.from_state, CASE WHEN d < 1000 THEN d ELSE length(d) * 1000 + substr(d, 1, 3) END,
           1, d, d, d
    FROM (SELECT job, lifecycle, NEW.at - updated_at AS d FROM runs WHERE num = NEW.run_num)
    WHERE NEW.from_state IS NOT NULL
    ON CONFLICT DO UPDATE SET stays = stays + 1, total_us = total_us + excluded.total_us,
        min_us = min(min_us, excluded.min_us), max_us = max(max_us, excluded.max_us);

    -- In the SET clause, the run's columns hold its values before the change.
    UPDATE runs SET
        state = CASE
            WHEN NEW.seq < 1 THEN
                RAISE(ABORT, 'runledger:history_order: seq must be a positive integer')
            WHEN NEW.at < 0 THEN
                RAISE(ABORT, 'runledger:bad_value: at must be integer microseconds since the Unix epoch')
            WHEN NEW.from_state IS NULL THEN CASE
                WHEN updated_at IS NOT NULL THEN
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
            -- The new row is already in the history, so it is one of the retries counted.
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

-- Rule 3: runs.state, updated_at, ended_at and outcome change only as the trigger above
-- changes them, to the values of the ledger's newest history row, which must be the run's.
-- (Any other change would leave them different from the run's last row: either the run's
-- last row is not the newest, and they already hold its values, or it is, and they hold
-- them too once it has been applied.) ended_at is checked against the state's terminal
-- flag when it changes; while it does not, the state it agreed with moved along a checked
-- transition. (An AFTER trigger: its refusal undoes the UPDATE just the same, and SQLite
-- need not read the row again after it, as it must after a BEFORE trigger.)
CREATE TRIGGER runs_state_is_derived AFTER UPDATE OF state, updated_at, ended_at, outcome ON runs
WHEN NEW.state IS NOT OLD.state OR NEW.updated_at IS NOT OLD.updated_at
  OR NEW.ended_at IS NOT OLD.ended_at OR NEW.outcome IS NOT OLD.outcome
BEGIN
    SELECT RAISE(ABORT, 'runledger:derived_state: runs.state, updated_at, ended_at and outcome follow state_history; insert a state_history row instead')
    WHERE (NEW.num, NEW.state, NEW.updated_at, NEW.outcome) IS NOT (
        SELECT run_num, to_state, at, outcome FROM state_changes ORDER BY seq DESC LIMIT 1
    ) OR NEW.ended_at IS NOT OLD.ended_at AND NEW.ended_at IS NOT (
        SELECT CASE WHEN is_terminal = 1 THEN NEW.updated_at END
        FROM lifecycle_states WHERE lifecycle = NEW.lifecycle AND state = NEW.state
    );
END;
