-- Version 5: retention that users ask for (as Migrations/sqlite/0014_retention.sql): pinned
-- runs, which no prune removes, and a retention policy per job, which `prune --policy`
-- applies. A pin names its run by a foreign key too (no cascade: runs_before_delete refuses
-- to delete a pinned run, with its tag, before the key is checked).
CREATE TABLE run_pins (
    run_id    text PRIMARY KEY REFERENCES runs (id) CHECK (length(run_id) BETWEEN 1 AND 200),
    pinned_at bigint NOT NULL,
    actor     text,
    reason    text
);

CREATE TABLE retention_policies (
    job             text PRIMARY KEY CHECK (length(job) BETWEEN 1 AND 200),
    max_age_seconds text NOT NULL DEFAULT '{}' CHECK (json_valid(max_age_seconds)),
    keep_last       bigint CHECK (keep_last IS NULL OR keep_last >= 0),
    set_at          bigint NOT NULL,
    actor           text
);
