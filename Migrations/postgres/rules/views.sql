-- The views for readers on PostgreSQL: `state_history` (the history with the run named by
-- its id), `run_timeline` (each change with its canonical type and its time in the state) and
-- `run_summary` (each run with its duration), the same columns and values as the SQLite
-- views of the same names (Migrations/sqlite/rules/state_changes.sql, views.sql): times as
-- bigint microseconds, `*_iso` text in UTC with six decimals and a Z, seconds as double
-- precision. A row written into state_history is stored in state_changes, under the same
-- rules; one changed or deleted there is refused.

CREATE OR REPLACE FUNCTION iso_of_us(us bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(to_timestamp(us / 1000000) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
           || '.' || lpad((us % 1000000)::text, 6, '0') || 'Z'
$$;

DROP VIEW IF EXISTS state_history;
CREATE VIEW state_history AS
SELECT c.seq, r.id AS run_id, c.from_state, c.to_state, c.at, c.action, c.actor, c.reason,
       c.meta, c.outcome, c.request_key
FROM state_changes AS c
JOIN runs AS r ON r.num = c.run_num;

-- A new row: its run named by id, `at` now (in whole milliseconds, as microseconds) unless
-- given; RETURNING gives the stored row's seq.
-- Tags: no_such_run, append_only. The row it stores may raise those of state_changes' rules.
CREATE OR REPLACE FUNCTION state_history_instead_of() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    run_n bigint;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM runledger_refuse('append_only', 'state_history rows cannot be changed', 'seq ' || OLD.seq);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM runledger_refuse('append_only', 'state_history rows cannot be deleted', 'seq ' || OLD.seq);
    END IF;
    SELECT num INTO run_n FROM runs WHERE id = NEW.run_id;
    IF NOT FOUND THEN
        PERFORM runledger_refuse('no_such_run', 'the run does not exist', 'run ' || coalesce(NEW.run_id, 'NULL'));
    END IF;
    INSERT INTO state_changes (seq, run_num, from_state, to_state, at, action, actor, reason, meta, outcome, request_key)
    VALUES (NEW.seq, run_n, NEW.from_state, NEW.to_state, coalesce(NEW.at, now_us()), NEW.action, NEW.actor,
            NEW.reason, NEW.meta, NEW.outcome, NEW.request_key)
    RETURNING seq, at INTO NEW.seq, NEW.at;
    RETURN NEW;
END $$;
CREATE TRIGGER state_history_instead_of_insert INSTEAD OF INSERT ON state_history
FOR EACH ROW EXECUTE FUNCTION state_history_instead_of();
CREATE TRIGGER state_history_instead_of_update INSTEAD OF UPDATE ON state_history
FOR EACH ROW EXECUTE FUNCTION state_history_instead_of();
CREATE TRIGGER state_history_instead_of_delete INSTEAD OF DELETE ON state_history
FOR EACH ROW EXECUTE FUNCTION state_history_instead_of();

DROP VIEW IF EXISTS run_timeline;
CREATE VIEW run_timeline AS
SELECT
    c.seq,
    r.id AS run_id,
    r.job,
    r.lifecycle,
    c.from_state,
    c.to_state,
    coalesce(o.canonical_type, s.canonical_type) AS canonical_type,
    s.is_terminal,
    c.outcome,
    c.at,
    iso_of_us(c.at) AS at_iso,
    n.at AS left_at,
    (n.at - c.at) / 1e6::double precision AS seconds_in_state,
    c.action,
    c.actor,
    c.reason,
    c.meta
FROM state_changes AS c
JOIN runs AS r ON r.num = c.run_num
LEFT JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = c.to_state
LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = c.outcome
LEFT JOIN state_changes AS n ON n.seq = (
    SELECT min(x.seq) FROM state_changes AS x WHERE x.run_num = c.run_num AND x.seq > c.seq
);

DROP VIEW IF EXISTS run_summary;
CREATE VIEW run_summary AS
SELECT
    r.id AS run_id,
    r.job,
    r.lifecycle,
    r.state,
    r.outcome,
    coalesce(o.canonical_type, s.canonical_type) AS canonical_type,
    s.is_terminal,
    r.attempt,
    r.parent_id,
    r.created_at AS started_at,
    iso_of_us(r.created_at) AS started_at_iso,
    r.ended_at,
    iso_of_us(r.ended_at) AS ended_at_iso,
    (r.ended_at - r.created_at) / 1e6::double precision AS duration_seconds,
    r.updated_at
FROM runs AS r
LEFT JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = r.state
LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = r.outcome;
