-- Version 3: what prunes took out, so counters never go back (as
-- Migrations/sqlite/0012_pruned_tallies.sql). A deleted run's history rows and duration are
-- added here by its delete (runs_before_delete); the metrics add these tallies to what the
-- ledger still holds.
CREATE TABLE pruned_state_entries (
    job       text NOT NULL,
    lifecycle text NOT NULL,
    state     text NOT NULL,
    entries   bigint NOT NULL CHECK (entries > 0),
    PRIMARY KEY (job, lifecycle, state)
);

CREATE TABLE pruned_run_durations (
    job       text NOT NULL,
    lifecycle text NOT NULL,
    state     text NOT NULL,
    outcome   text NOT NULL,
    bucket    bigint NOT NULL,
    runs      bigint NOT NULL CHECK (runs > 0),
    total_us  bigint NOT NULL,
    max_us    bigint NOT NULL,
    PRIMARY KEY (job, lifecycle, state, outcome, bucket)
);
