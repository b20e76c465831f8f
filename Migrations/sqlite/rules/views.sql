-- Views for readers: each change with its canonical type and its time in the state, and
-- each run with its duration. They hold no rules; they are here so that they can be
-- corrected like any other current code.

CREATE VIEW run_timeline AS
SELECT
    c.seq,
    r.id AS run_id,
    r.job,
    r.lifecycle,
    c.from_state,
    c.to_state,
    ifnull(o.canonical_type, s.canonical_type) AS canonical_type,
    s.is_terminal,
    c.outcome,
    c.at,
    strftime('%Y-%m-%dT%H:%M:%S', c.at / 1000000, 'unixepoch')
        || printf('.%06dZ', c.at % 1000000) AS at_iso,
    n.at AS left_at,
    (n.at - c.at) / 1e6 AS seconds_in_state,
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

CREATE VIEW run_summary AS
SELECT
    r.id AS run_id,
    r.job,
    r.lifecycle,
    r.state,
    r.outcome,
    ifnull(o.canonical_type, s.canonical_type) AS canonical_type,
    s.is_terminal,
    r.attempt,
    r.parent_id,
    r.created_at AS started_at,
    strftime('%Y-%m-%dT%H:%M:%S', r.created_at / 1000000, 'unixepoch')
        || printf('.%06dZ', r.created_at % 1000000) AS started_at_iso,
    r.ended_at,
    strftime('%Y-%m-%dT%H:%M:%S', r.ended_at / 1000000, 'unixepoch')
        || printf('.%06dZ', r.ended_at % 1000000) AS ended_at_iso,
    (r.ended_at - r.created_at) / 1e6 AS duration_seconds,
    r.updated_at
FROM runs AS r
LEFT JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = r.state
LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = r.outcome;
