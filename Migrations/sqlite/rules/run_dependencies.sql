-- The rules of runs that wait for other runs: `run_dependencies` itself, and the two calls
-- that the history's triggers make in a ledger that has dependencies: a run cannot start
-- before its upstreams have completed (call_check_upstreams, from
-- state_changes_before_insert), and a run's end is passed on to the runs that wait for it
-- (call_notify_dependants, from state_changes_after_insert_for_dependants).
--
-- SQLite has no stored procedures; a call here is an INSERT into a view that holds no rows,
-- whose INSTEAD OF trigger is the procedure. SQLite sets up a trigger's whole body (its
-- registers and cursors) each time it fires, even when its WHEN clause is false, so a
-- large body that most writes do not need sits behind a small trigger whose WHEN decides
-- whether to call it: a ledger without dependencies never calls these.

-- A dependency joins two recorded runs, the upstream recorded first, once.
-- Tags: no_such_run, bad_value.
CREATE TRIGGER run_dependencies_before_insert BEFORE INSERT ON run_dependencies
BEGIN
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM runs WHERE id = NEW.run_id)
          OR NOT EXISTS (SELECT 1 FROM runs WHERE id = NEW.upstream_id) THEN
            RAISE(ABORT, 'runledger:no_such_run: a dependency joins two recorded runs')
        WHEN (SELECT num FROM runs WHERE id = NEW.upstream_id) >= (SELECT num FROM runs WHERE id = NEW.run_id) THEN
            RAISE(ABORT, 'runledger:bad_value: an upstream run must be recorded before the run that waits for it')
        WHEN EXISTS (SELECT 1 FROM run_dependencies WHERE run_id = NEW.run_id AND upstream_id = NEW.upstream_id) THEN
            RAISE(ABORT, 'runledger:bad_value: the dependency is already recorded')
    END;
END;

-- Tags: append_only.
CREATE TRIGGER run_dependencies_before_update BEFORE UPDATE ON run_dependencies
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: dependencies cannot be changed');
END;

-- Tags: append_only.
CREATE TRIGGER run_dependencies_before_delete BEFORE DELETE ON run_dependencies
WHEN EXISTS (SELECT 1 FROM runs WHERE id = OLD.run_id)
BEGIN
    SELECT RAISE(ABORT, 'runledger:append_only: dependencies leave only with their run');
END;

-- call_check_upstreams: a run that waits for upstream runs cannot enter a RUNNING-type
-- state before every one of them has completed. It reads only the upstream runs, so a call
-- from outside can refuse a change but never make one.
-- Tags: blocked_by_upstream.
CREATE VIEW call_check_upstreams AS
SELECT NULL AS run_num, NULL AS to_state WHERE 0;

CREATE TRIGGER call_check_upstreams_instead_of_insert INSTEAD OF INSERT ON call_check_upstreams
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

-- call_notify_dependants: a run that others wait for has entered a terminal state. Its body
-- runs only then (or when the call is not for the newest row), in this order:
-- 1. the call must be for the ledger's newest history row, as stored;
-- 2. if the run completed (its state's canonical type, refined by the outcome, is
--    COMPLETED), every dependant in its lifecycle's blocked state whose every other
--    upstream has completed too moves to its release state;
-- 3. if it did not, every active run downstream of it, transitively, moves to its
--    lifecycle's upstream-failed state where its lifecycle has that edge;
-- 4. and every run downstream that is still active then gets an `upstream_failed`
--    annotation.
-- The moves are history rows like any other: each goes through state_changes' rules.
-- Tags: internal_call.
CREATE VIEW call_notify_dependants AS
SELECT NULL AS seq, NULL AS run_num, NULL AS to_state, NULL AS outcome, NULL AS at WHERE 0;

CREATE TRIGGER call_notify_dependants_instead_of_insert INSTEAD OF INSERT ON call_notify_dependants
WHEN EXISTS (
    SELECT 1 FROM run_dependencies WHERE upstream_id = (SELECT id FROM runs WHERE num = NEW.run_num)
) AND (
    SELECT s.is_terminal FROM runs AS r JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = NEW.to_state
    WHERE r.num = NEW.run_num
) = 1 OR NEW.seq IS NOT (SELECT max(seq) FROM state_changes)
BEGIN
    SELECT RAISE(ABORT, 'runledger:internal_call: call_notify_dependants is called by the triggers, for the newest history row')
    WHERE NEW.seq IS NOT (SELECT max(seq) FROM state_changes) OR NOT EXISTS (
        SELECT 1 FROM state_changes
        WHERE seq = NEW.seq AND run_num = NEW.run_num AND to_state = NEW.to_state AND outcome IS NEW.outcome
          AND at = NEW.at
    );

    INSERT INTO state_changes (run_num, from_state, to_state, at, actor, reason)
    SELECT d.num, d.state, l.release_state, NEW.at, 'runledger',
           'upstream ' || u.id || ' completed; every upstream has completed'
    FROM runs AS u
    JOIN lifecycle_states AS us ON us.lifecycle = u.lifecycle AND us.state = NEW.to_state
    LEFT JOIN lifecycle_outcomes AS uo ON uo.lifecycle = u.lifecycle AND uo.outcome = NEW.outcome
    JOIN run_dependencies AS dep ON dep.upstream_id = u.id
    JOIN runs AS d ON d.id = dep.run_id
    JOIN lifecycles AS l ON l.name = d.lifecycle
    WHERE u.num = NEW.run_num
      AND ifnull(uo.canonical_type, us.canonical_type) = 'COMPLETED'
      AND d.state = l.blocked_state AND l.release_state IS NOT NULL
      AND NOT EXISTS (
        SELECT 1 FROM run_dependencies AS other JOIN runs AS o ON o.id = other.upstream_id
        JOIN lifecycle_states AS os ON os.lifecycle = o.lifecycle AND os.state = o.state
        LEFT JOIN lifecycle_outcomes AS oo ON oo.lifecycle = o.lifecycle AND oo.outcome = o.outcome
        WHERE other.run_id = d.id AND o.num <> u.num AND ifnull(oo.canonical_type, os.canonical_type) <> 'COMPLETED'
      )
    ORDER BY d.num;

    INSERT INTO state_changes (run_num, from_state, to_state, at, actor, reason, outcome)
    WITH RECURSIVE downstream (id, via) AS (
        SELECT dep.run_id, u.id FROM runs AS u JOIN run_dependencies AS dep ON dep.upstream_id = u.id
        WHERE u.num = NEW.run_num
        UNION
        SELECT dep.run_id, downstream.via FROM downstream JOIN run_dependencies AS dep ON dep.upstream_id = downstream.id
    )
    SELECT d.num, d.state, l.upstream_failed_state, NEW.at, 'runledger',
           'upstream ' || (SELECT id FROM runs WHERE num = NEW.run_num) || ' ended in ' || NEW.to_state,
           l.upstream_failed_outcome
    FROM (SELECT DISTINCT id FROM downstream) AS w
    JOIN runs AS d ON d.id = w.id AND d.ended_at IS NULL
    JOIN lifecycles AS l ON l.name = d.lifecycle
    WHERE (
        SELECT ifnull(uo.canonical_type, us.canonical_type)
        FROM runs AS u JOIN lifecycle_states AS us ON us.lifecycle = u.lifecycle AND us.state = NEW.to_state
        LEFT JOIN lifecycle_outcomes AS uo ON uo.lifecycle = u.lifecycle AND uo.outcome = NEW.outcome
        WHERE u.num = NEW.run_num
    ) <> 'COMPLETED'
      AND EXISTS (
        SELECT 1 FROM lifecycle_transitions AS t
        WHERE t.lifecycle = d.lifecycle AND t.from_state = d.state AND t.to_state = l.upstream_failed_state
          AND t.action IS NULL
      )
    ORDER BY d.num;

    INSERT INTO run_annotations (run_id, at, kind, actor, reason)
    WITH RECURSIVE downstream (id) AS (
        SELECT dep.run_id FROM runs AS u JOIN run_dependencies AS dep ON dep.upstream_id = u.id
        WHERE u.num = NEW.run_num
        UNION
        SELECT dep.run_id FROM downstream JOIN run_dependencies AS dep ON dep.upstream_id = downstream.id
    )
    SELECT d.id, NEW.at, 'upstream_failed', 'runledger',
           'upstream ' || (SELECT id FROM runs WHERE num = NEW.run_num) || ' ended in ' || NEW.to_state
           || '; this run waits for it and cannot run'
    FROM (SELECT DISTINCT id FROM downstream) AS w
    JOIN runs AS d ON d.id = w.id AND d.ended_at IS NULL
    WHERE (
        SELECT ifnull(uo.canonical_type, us.canonical_type)
        FROM runs AS u JOIN lifecycle_states AS us ON us.lifecycle = u.lifecycle AND us.state = NEW.to_state
        LEFT JOIN lifecycle_outcomes AS uo ON uo.lifecycle = u.lifecycle AND uo.outcome = NEW.outcome
        WHERE u.num = NEW.run_num
    ) <> 'COMPLETED'
    ORDER BY d.num;
END;
