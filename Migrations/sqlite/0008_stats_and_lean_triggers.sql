-- runledger ledger schema, version 8: stats kept as rows are written, and less work per
-- write in the triggers.
--
-- Two costs of SQLite triggers shape this file. An INSERT ... SELECT whose target has row
-- triggers (or is a view) first copies the selected rows into a temporary table, which it
-- creates each time it runs, even when the SELECT finds nothing: rare work must not sit in
-- such a statement in a trigger that fires on every write, but in a trigger of its own,
-- whose WHEN clause is cheap. And each firing of a trigger sets up its whole body (every
-- register and cursor of every statement in it), even when its WHEN clause is false: a
-- large body that rarely has work to do is called through a view (call_*) by a small one.
--
-- The rules are those of version 1, unchanged.

-- ---------------------------------------------------------------------------------------
-- Stats kept as rows are written, so that `stats` reads a few rows per job and state
-- instead of every run and every history row.
--
-- Durations are kept as histograms: one row per duration bucket, holding how many
-- durations fell in it, their sum, the smallest and the largest. A bucket holds the
-- durations (microseconds) that agree in their three leading digits; each duration under a
-- millisecond has a bucket of its own. The bucket of a duration d is
--     CASE WHEN d < 1000 THEN d ELSE length(d) * 1000 + substr(d, 1, 3) END
-- (ordered like the durations: 1000 ms, say, is 1000000 µs, bucket 7100). Counts, sums
-- and means read from them are exact; a percentile is exact when its bucket holds one
-- value, and within 0.5% otherwise.

-- Runs that ended: per job, lifecycle, terminal state, outcome ('' for none) and bucket of
-- the run's duration (created_at to ended_at).
CREATE TABLE stats_run_durations (
    job       TEXT NOT NULL,
    lifecycle TEXT NOT NULL,
    state     TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    bucket    INTEGER NOT NULL,
    runs      INTEGER NOT NULL,
    total_us  INTEGER NOT NULL,
    min_us    INTEGER NOT NULL,
    max_us    INTEGER NOT NULL,
    PRIMARY KEY (job, lifecycle, state, outcome, bucket)
) STRICT, WITHOUT ROWID;

-- Stays that ended (the run moved on): per job, lifecycle, state and bucket of the time
-- spent in the state (from the row that entered it to the next row of the run).
CREATE TABLE stats_state_durations (
    job       TEXT NOT NULL,
    lifecycle TEXT NOT NULL,
    state     TEXT NOT NULL,
    bucket    INTEGER NOT NULL,
    stays     INTEGER NOT NULL,
    total_us  INTEGER NOT NULL,
    min_us    INTEGER NOT NULL,
    max_us    INTEGER NOT NULL,
    PRIMARY KEY (job, lifecycle, state, bucket)
) STRICT, WITHOUT ROWID;

-- What the ledger already holds.
INSERT INTO stats_run_durations (job, lifecycle, state, outcome, bucket, runs, total_us, min_us, max_us)
SELECT job, lifecycle, state, outcome, CASE WHEN d < 1000 THEN d ELSE length(d) * 1000 + substr(d, 1, 3) END,
       count(*), sum(d), min(d), max(d)
FROM (SELECT job, lifecycle, state, ifnull(outcome, '') AS outcome, ended_at - created_at AS d
      FROM runs WHERE ended_at IS NOT NULL)
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO stats_state_durations (job, lifecycle, state, bucket, stays, total_us, min_us, max_us)
SELECT job, lifecycle, state, CASE WHEN d < 1000 THEN d ELSE length(d) * 1000 + substr(d, 1, 3) END,
       count(*), sum(d), min(d), max(d)
FROM (SELECT r.job, r.lifecycle, c.to_state AS state,
             lead(c.at) OVER (PARTITION BY c.run_num ORDER BY c.seq) - c.at AS d
      FROM state_changes AS c JOIN runs AS r ON r.num = c.run_num)
WHERE d IS NOT NULL
GROUP BY 1, 2, 3, 4;

-- ---------------------------------------------------------------------------------------
-- Rule 3: runs.state, updated_at, ended_at and outcome follow the new row, as in version 1;
-- and the stay in the state the run leaves is counted.
DROP TRIGGER state_changes_apply_to_run;
CREATE TRIGGER state_changes_apply_to_run AFTER INSERT ON state_changes
BEGIN
    SELECT RAISE(ABORT, 'runledger:history_order: seq must be a positive integer')
    WHERE NEW.seq < 1;

    INSERT INTO stats_state_durations (job, lifecycle, state, bucket, stays, total_us, min_us, max_us)
    SELECT job, lifecycle, NEW.from_state, CASE WHEN d < 1000 THEN d ELSE length(d) * 1000 + substr(d, 1, 3) END,
           1, d, d, d
    FROM (SELECT job, lifecycle, NEW.at - updated_at AS d FROM runs WHERE num = NEW.run_num)
    WHERE NEW.from_state IS NOT NULL
    ON CONFLICT DO UPDATE SET stays = stays + 1, total_us = total_us + excluded.total_us,
        min_us = min(min_us, excluded.min_us), max_us = max(max_us, excluded.max_us);

    UPDATE runs SET
        state = NEW.to_state,
        updated_at = NEW.at,
        ended_at = CASE WHEN (
            SELECT is_terminal FROM lifecycle_states WHERE lifecycle = runs.lifecycle AND state = NEW.to_state
        ) = 1 THEN NEW.at END,
        outcome = NEW.outcome
    WHERE num = NEW.run_num;
END;

-- A run that ends is counted in stats_run_durations; one that leaves a terminal state (an
-- action reopened it, or it moved to another terminal state) is taken out first.
CREATE TRIGGER runs_count_ended_runs AFTER UPDATE OF ended_at ON runs
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

-- ---------------------------------------------------------------------------------------
-- The dependency rules cost a lookup of the run's upstreams or dependants on every change;
-- in a ledger where no run has upstreams (most), one look at run_dependencies answers
-- first. Otherwise as in version 1.
DROP TRIGGER state_changes_check_transition;
CREATE TRIGGER state_changes_check_transition BEFORE INSERT ON state_changes
BEGIN
    SELECT CASE
        WHEN r.num IS NULL THEN
            RAISE(ABORT, 'runledger:no_such_run: the run does not exist')
        WHEN NEW.seq <> -1 AND NEW.seq <= (SELECT ifnull(max(seq), 0) FROM state_changes) THEN
            RAISE(ABORT, 'runledger:history_order: a new state_history row must come after every other')
        WHEN typeof(NEW.at) <> 'integer' OR NEW.at < 0 THEN
            RAISE(ABORT, 'runledger:bad_value: at must be integer microseconds since the Unix epoch')
        WHEN NEW.from_state IS NULL THEN
            CASE
                WHEN EXISTS (SELECT 1 FROM state_changes WHERE run_num = NEW.run_num) THEN
                    RAISE(ABORT, 'runledger:wrong_from_state: from_state must be the run''s current state')
                WHEN NOT EXISTS (
                    SELECT 1 FROM lifecycle_states
                    WHERE lifecycle = r.lifecycle AND state = NEW.to_state AND is_initial = 1
                ) THEN
                    RAISE(ABORT, 'runledger:not_initial: a run''s first state must be an initial state of its lifecycle')
            END
        WHEN NEW.from_state IS NOT r.state THEN
            RAISE(ABORT, 'runledger:wrong_from_state: from_state must be the run''s current state')
        WHEN NEW.at < r.updated_at THEN
            RAISE(ABORT, 'runledger:time_backwards: a change cannot be earlier than the run''s last change')
        WHEN NOT EXISTS (
            SELECT 1 FROM lifecycle_transitions
            WHERE lifecycle = r.lifecycle AND from_state = NEW.from_state
              AND to_state = NEW.to_state AND action IS NEW.action
        ) THEN
            RAISE(ABORT, 'runledger:illegal_transition: the lifecycle has no such transition')
        WHEN NEW.outcome IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM lifecycle_outcomes AS o JOIN lifecycle_states AS s
                ON s.lifecycle = o.lifecycle AND s.state = NEW.to_state AND s.is_terminal = 1
            WHERE o.lifecycle = r.lifecycle AND o.outcome = NEW.outcome
        ) THEN
            RAISE(ABORT, 'runledger:bad_outcome: an outcome goes only with a terminal state, and must be one the lifecycle defines')
        WHEN r.max_retries IS NOT NULL AND NEW.to_state = (SELECT retry_state FROM lifecycles WHERE name = r.lifecycle)
          AND (SELECT count(*) FROM state_changes
               WHERE run_num = NEW.run_num AND to_state = NEW.to_state AND from_state IS NOT NULL) >= r.max_retries THEN
            RAISE(ABORT, 'runledger:retries_exhausted: the run has used all its retries')
        WHEN EXISTS (SELECT 1 FROM run_dependencies) AND EXISTS (SELECT 1 FROM run_dependencies WHERE run_id = r.id)
          AND (SELECT canonical_type FROM lifecycle_states WHERE lifecycle = r.lifecycle AND state = NEW.to_state) = 'RUNNING'
          AND EXISTS (
            SELECT 1 FROM run_dependencies AS d JOIN runs AS u ON u.id = d.upstream_id
            JOIN lifecycle_states AS us ON us.lifecycle = u.lifecycle AND us.state = u.state
            LEFT JOIN lifecycle_outcomes AS uo ON uo.lifecycle = u.lifecycle AND uo.outcome = u.outcome
            WHERE d.run_id = r.id AND ifnull(uo.canonical_type, us.canonical_type) <> 'COMPLETED'
        ) THEN
            RAISE(ABORT, 'runledger:blocked_by_upstream: an upstream run has not completed successfully')
    END
    FROM (SELECT 1) LEFT JOIN runs AS r ON r.num = NEW.run_num;
END;

DROP TRIGGER state_changes_notify_dependants;

-- The rules for a run that ends while other runs wait for it. Its body is set up only when
-- it runs: the trigger below, which fires on every change, checks the condition and calls
-- it with an INSERT ... VALUES (a large trigger costs on every firing, even when its WHEN
-- clause is false). The view holds no rows and is not for reading; a call that is not for
-- the ledger's newest history row is refused.
CREATE VIEW call_notify_dependants AS
SELECT NULL AS seq, NULL AS run_num, NULL AS to_state, NULL AS outcome, NULL AS at WHERE 0;
CREATE TRIGGER call_notify_dependants_body INSTEAD OF INSERT ON call_notify_dependants
BEGIN
    SELECT RAISE(ABORT, 'runledger:internal_call: call_notify_dependants is called by the triggers, for the newest history row')
    WHERE NEW.seq IS NOT (SELECT max(seq) FROM state_changes) OR NOT EXISTS (
        SELECT 1 FROM state_changes
        WHERE seq = NEW.seq AND run_num = NEW.run_num AND to_state = NEW.to_state AND outcome IS NEW.outcome
          AND at = NEW.at
    );

    -- Success: release the dependants whose every upstream has now completed.
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

    -- Failure: every active run downstream, transitively.
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

CREATE TRIGGER state_changes_notify_dependants AFTER INSERT ON state_changes
WHEN EXISTS (SELECT 1 FROM run_dependencies) AND EXISTS (
    SELECT 1 FROM run_dependencies WHERE upstream_id = (SELECT id FROM runs WHERE num = NEW.run_num)
) AND (
    SELECT s.is_terminal FROM runs AS r JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = NEW.to_state
    WHERE r.num = NEW.run_num
) = 1
BEGIN
    INSERT INTO call_notify_dependants (seq, run_num, to_state, outcome, at)
    VALUES (NEW.seq, NEW.run_num, NEW.to_state, NEW.outcome, NEW.at);
END;

-- ---------------------------------------------------------------------------------------
-- A new run whose job is at its limit of active runs (jobs.max_active, else the
-- lifecycle's default_max_active) moves at once to its lifecycle's skip state, with a
-- reason naming an active run; a lifecycle without a skip state (or without the edge)
-- refuses the run instead. (Created before runs_record_first_state, so that it fires after
-- it: SQLite fires the newest trigger first.)
DROP TRIGGER runs_record_first_state;
CREATE TRIGGER runs_enforce_job_limit AFTER INSERT ON runs
WHEN EXISTS (SELECT 1 FROM jobs WHERE job = NEW.job AND max_active IS NOT NULL)
  OR (SELECT default_max_active FROM lifecycles WHERE name = NEW.lifecycle) IS NOT NULL
BEGIN
    INSERT INTO state_changes (run_num, from_state, to_state, at, actor, reason, outcome)
    SELECT NEW.num, r.state, l.skip_state, NEW.created_at, 'runledger',
           'job ' || NEW.job || ' is at its limit of ' || limits.max_active || ' active run'
           || CASE WHEN limits.max_active = 1 THEN '' ELSE 's' END
           || ifnull('; run ' || (
                SELECT id FROM runs WHERE job = NEW.job AND ended_at IS NULL AND num <> NEW.num ORDER BY num LIMIT 1
              ) || ' is active', ''),
           l.skip_outcome
    FROM (
        SELECT ifnull((SELECT max_active FROM jobs WHERE job = NEW.job), CASE
                   WHEN EXISTS (SELECT 1 FROM jobs WHERE job = NEW.job) THEN NULL
                   ELSE (SELECT default_max_active FROM lifecycles WHERE name = NEW.lifecycle)
               END) AS max_active
    ) AS limits
    JOIN runs AS r ON r.num = NEW.num AND limits.max_active IS NOT NULL
    JOIN lifecycles AS l ON l.name = r.lifecycle
    WHERE (SELECT count(*) FROM runs WHERE job = NEW.job AND ended_at IS NULL AND num <> NEW.num) >= limits.max_active
      AND EXISTS (
        SELECT 1 FROM lifecycle_transitions
        WHERE lifecycle = r.lifecycle AND from_state = r.state AND to_state = l.skip_state AND action IS NULL
      );

    SELECT RAISE(ABORT, 'runledger:concurrency_limit: the job is at its limit of active runs and the run cannot be skipped')
    FROM (
        SELECT ifnull((SELECT max_active FROM jobs WHERE job = NEW.job), CASE
                   WHEN EXISTS (SELECT 1 FROM jobs WHERE job = NEW.job) THEN NULL
                   ELSE (SELECT default_max_active FROM lifecycles WHERE name = NEW.lifecycle)
               END) AS max_active
    ) AS limits
    JOIN runs AS r ON r.num = NEW.num AND limits.max_active IS NOT NULL
    WHERE r.ended_at IS NULL
      AND (SELECT count(*) FROM runs WHERE job = NEW.job AND ended_at IS NULL AND num <> NEW.num) >= limits.max_active;
END;

-- A new run records its first state as its first state_history row.
CREATE TRIGGER runs_record_first_state AFTER INSERT ON runs
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
END;

-- ---------------------------------------------------------------------------------------
-- A pruned run leaves the stats with its history.
DROP TRIGGER runs_delete_takes_their_history;
CREATE TRIGGER runs_delete_takes_their_history AFTER DELETE ON runs
BEGIN
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
END;
