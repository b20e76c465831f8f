-- runledger ledger schema, version 12: what prunes took out, so counters never go back.
--
-- A prune takes whole runs out of the ledger and, with them, out of the stats tables. The
-- metrics Prometheus scrapes (`runledger_state_changes_total`, the run duration histogram)
-- are counters, which must never decrease: so what a deleted run counted is added here by
-- its delete (runs_after_delete), and the metrics add these tallies to what the ledger still
-- holds. `stats` and `verify` read the ledger as it is, without them.

-- History rows of pruned runs, per job, lifecycle and the state each row entered.
CREATE TABLE pruned_state_entries (
    job       TEXT NOT NULL,
    lifecycle TEXT NOT NULL,
    state     TEXT NOT NULL,
    entries   INTEGER NOT NULL CHECK (entries > 0),  -- history rows that entered the state
    PRIMARY KEY (job, lifecycle, state)
) STRICT, WITHOUT ROWID;

-- Pruned runs, per job, lifecycle, terminal state, outcome ('' for none) and bucket of
-- their duration (from creation to end), bucketed as stats_run_durations is.
CREATE TABLE pruned_run_durations (
    job       TEXT NOT NULL,
    lifecycle TEXT NOT NULL,
    state     TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    bucket    INTEGER NOT NULL,
    runs      INTEGER NOT NULL CHECK (runs > 0),
    total_us  INTEGER NOT NULL,  -- their durations' sum, in microseconds
    max_us    INTEGER NOT NULL,  -- the longest of them
    PRIMARY KEY (job, lifecycle, state, outcome, bucket)
) STRICT, WITHOUT ROWID;
