/// The reads behind `Ledger.jobHealth(window:now:)`: the metrics' health figures, the
/// stats of the window, each job's latest run and its limit.
extension Store {
    /// A job's newest run, through `runs_by_job` (job, created_at; then num, the rowid).
    static let latestRunOfJob = """
        SELECT \(runColumns) \(runFrom)
        WHERE r.job = ? ORDER BY r.created_at DESC, r.num DESC LIMIT 1
        """

    func jobHealth(since: Timestamp?, now: Timestamp) throws -> [JobHealth] {
        let metrics = try metrics(maxJobs: .max, now: now)
        var active: [String: Int] = [:]
        for count in metrics.runs where !count.canonicalType.isTerminal { active[count.job, default: 0] += count.runs }
        let stats = Dictionary(
            try self.stats(StatsQuery(grouping: .job, createdSince: since, createdBefore: since == nil ? nil : now))
                .map { ($0.group, $0) }
        ) { first, _ in first }
        let limits = Dictionary(try self.limits().map { ($0.job, $0.maxActive) }) { first, _ in first }
        let defaults = Dictionary(try lifecycles().map { ($0.name, $0.roles.defaultMaxActive) }) { first, _ in first }
        let freshness = Dictionary(try freshness().map { ($0.limit.job, $0) }) { first, _ in first }
        // A job with a freshness limit and no run left is a job too (the staler for it).
        var jobs = metrics.jobs
        let known = Set(jobs.map(\.job))
        for job in freshness.keys where !known.contains(job) {
            jobs.append(LedgerMetrics.JobHealth(job: job, lastSuccess: nil, consecutiveFailures: 0))
        }
        jobs.sort { $0.job.utf8.lexicographicallyPrecedes($1.job.utf8) }  // as metrics sorts them
        return try jobs.map { health in
            let latest = try connection.cached(Self.latestRunOfJob).fetchOne(health.job, decode: Self.decodeRun)
            let own = limits.index(forKey: health.job).map { limits[$0].value }
            let window = stats[health.job]
            return JobHealth(
                job: health.job, latestRun: latest, lastSuccess: health.lastSuccess,
                consecutiveFailures: health.consecutiveFailures, active: active[health.job] ?? 0,
                maxActive: own ?? latest.flatMap { defaults[$0.lifecycle] ?? nil }, hasOwnLimit: own != nil,
                windowRuns: window?.runs ?? 0, successRate: window?.successRate, duration: window?.duration,
                staleAfter: freshness[health.job]?.limit.staleAfter,
                staleSince: freshness[health.job].flatMap {
                    Self.violation(of: $0.limit, lastSuccess: $0.lastSuccess, at: now)?.staleSince
                })
        }
    }
}
