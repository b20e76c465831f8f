-- runledger ledger schema, version 14: retention that users ask for (issue 17, part 4): pinned runs,
-- which no prune removes, and a retention policy per job, which `prune --policy` applies.
-- (The rules of both tables: rules/run_pins.sql, rules/retention_policies.sql; a pin is
-- honoured by runs_before_delete.)
CREATE TABLE run_pins (
    run_id    TEXT PRIMARY KEY CHECK (length(run_id) BETWEEN 1 AND 200),  -- runs.id
    pinned_at INTEGER NOT NULL,  -- microseconds since the epoch, UTC
    actor     TEXT,
    reason    TEXT
) STRICT;

CREATE TABLE retention_policies (
    job         TEXT PRIMARY KEY CHECK (length(job) BETWEEN 1 AND 200),
    -- the age past which a terminal run may go, in seconds, by the canonical type of its end
    -- (refined by its outcome), '*' for the other types: {"FAILED": 7776000, "*": 604800};
    -- a type with no age and no '*' is kept
    max_age_seconds TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(max_age_seconds)),
    keep_last   INTEGER CHECK (keep_last IS NULL OR keep_last >= 0),  -- the newest runs kept whatever their age
    set_at      INTEGER NOT NULL,
    actor       TEXT
) STRICT;
