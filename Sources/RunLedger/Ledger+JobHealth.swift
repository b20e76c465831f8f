extension Ledger {
    /// Every job's health: its latest run and state, its last success and the failures
    /// since, its active runs against its limit, and the success rate and durations of its
    /// runs, all of them or those created in the last `window` seconds. What `runledger jobs --health` prints and
    /// the server's `/jobs` page shows.
    ///
    /// ```swift
    /// for job in try ledger.jobHealth(window: 7 * 86_400) where job.isFailing {  // the last 7 days
    ///     print(job.job, job.latestRun?.state ?? "-", job.consecutiveFailures)
    /// }
    /// ```
    ///
    /// Read in one snapshot. The last success and the failure streak are the figures of
    /// ``metrics(maxJobs:now:)`` (`runledger_last_success_timestamp_seconds`,
    /// `runledger_consecutive_failures`); the runs, success rate and durations are those of
    /// ``stats(_:)`` grouped by job, for the same window. So the cost is that of the two:
    /// without a window it grows with jobs, states and duration buckets, not with runs; with
    /// one it grows with the runs created in the window and their history. Jobs come
    /// sorted by name.
    ///
    /// - Parameters:
    ///   - window: How far back from `now` the runs counted reach, in seconds; nil (the
    ///     default) for every run.
    ///   - now: The end of the window; now by default.
    /// - Returns: One entry per job that has runs, sorted by name.
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` for a negative or non-finite window.
    public func jobHealth(window: Double? = nil, now: Timestamp = .now) throws -> [JobHealth] {
        if let window, !(window >= 0 && window.isFinite) {
            throw LedgerError.invalidArgument(name: "window", reason: "it must be 0 or more seconds, not \(window)")
        }
        return try read {
            try Store(connection: $0).jobHealth(since: window.map { now.adding(seconds: -$0) }, now: now)
        }
    }
}
