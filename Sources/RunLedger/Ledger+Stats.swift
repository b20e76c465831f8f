extension Ledger {
    /// Stats per job or per lifecycle: runs, active runs, runs per canonical type and per
    /// state, success rate, run durations, and time spent per state.
    ///
    /// ```swift
    /// for group in try ledger.stats(StatsQuery(grouping: .lifecycle)) {
    ///     print(group.group, group.runs, group.successRate ?? .nan, group.duration?.p95 ?? .nan)
    /// }
    /// ```
    ///
    /// Read in one snapshot. Groups come sorted by name.
    ///
    /// Ended runs and the time spent per state are read from the histograms the ledger
    /// keeps as rows are written (`stats_run_durations`, `stats_state_durations`), so the
    /// cost grows with the number of jobs, states and duration buckets, not with the number
    /// of runs; active runs are counted from the runs themselves. A query with a time window
    /// (`createdSince`, `createdBefore`) builds the same histograms from the runs created in
    /// the window and their history, at a cost that grows with them. Either way, durations
    /// are summarized as `DurationSummary` describes.
    public func stats(_ query: StatsQuery = StatsQuery()) throws -> [RunStats] {
        try read { try Store(connection: $0).stats(query) }
    }
}
