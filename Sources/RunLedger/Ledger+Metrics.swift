extension Ledger {
    /// The ledger's metrics for Prometheus: runs by state, entries into each state, run
    /// durations, the oldest active runs, and each job's last success and failures since.
    ///
    /// ```swift
    /// let metrics = try ledger.metrics()
    /// print(metrics.prometheusText, terminator: "")   // the text format, for a scrape
    /// ```
    ///
    /// Read in one snapshot, from the ledger itself, so nothing that happened between two
    /// scrapes is missed, whichever client wrote it. The cost grows with jobs, states and
    /// the stats tables' duration buckets, not with runs or history: nothing scans
    /// `state_changes`. Entries into a state are the stays that left it
    /// (`stats_state_durations`) plus the runs in it now, exactly the history rows that
    /// entered it; run counts and durations of ended runs come from `stats_run_durations`,
    /// active runs from the runs themselves (their partial index). A job's last success and
    /// its failures since are found through the index of its runs by creation, bounded by
    /// the longest durations the stats table records, so the walk covers the runs created
    /// around the last success, not the job's whole past. See ``LedgerMetrics`` for what
    /// each family holds.
    ///
    /// Counters never go back, prunes included: a pruned run leaves the gauges
    /// (`runledger_runs`, the oldest active runs, job health), but what it counted stays in
    /// `runledger_state_changes_total` and the duration histogram's buckets, `_sum` and
    /// `_count`, through the tallies its delete trigger adds to (`pruned_state_entries`,
    /// `pruned_run_durations`; a foreign client's prune keeps them the same way). A job whose
    /// runs were all pruned keeps its counter series, and counts toward `maxJobs`.
    ///
    /// Each job brings its own series, so the number of jobs is bounded: a ledger with more
    /// than `maxJobs` jobs is refused as a whole, rather than exporting some jobs and not
    /// others (partial metrics would make sums across jobs silently wrong).
    ///
    /// - Parameters:
    ///   - maxJobs: The most jobs to export (``LedgerMetrics/defaultMaxJobs``, 1000, by default).
    ///   - now: The time ages are measured to; now by default.
    /// - Returns: The metrics, sorted by label values; ``LedgerMetrics/prometheusText``
    ///   renders them.
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` (name `maxJobs`) when the
    ///   ledger has more jobs than `maxJobs`, or `maxJobs` is negative.
    public func metrics(maxJobs: Int = LedgerMetrics.defaultMaxJobs, now: Timestamp = .now) throws -> LedgerMetrics {
        guard maxJobs >= 0 else {
            throw LedgerError.invalidArgument(name: "maxJobs", reason: "it must be 0 or more, not \(maxJobs)")
        }
        return try read { try Store(connection: $0).metrics(maxJobs: maxJobs, now: now) }
    }
}
