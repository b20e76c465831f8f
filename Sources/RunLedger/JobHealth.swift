/// How one job is doing: its latest run, its last success, its failures since, and how its
/// runs (all, or those created in a window) ended (``Ledger/jobHealth(window:now:)``).
///
/// Meant to grow: each figure is its own property, so new ones can be added without
/// changing the others.
public struct JobHealth: Sendable, Hashable {
    /// The job.
    public var job: String
    /// Its newest run (by creation), with its state.
    public var latestRun: Run?
    /// When its last successful run ended (the latest `ended_at` of its runs that count as
    /// COMPLETED), over its whole history; nil if none has.
    public var lastSuccess: Timestamp?
    /// Its ended runs that count as FAILED or CRASHED and ended after its last success (all
    /// of them if it never succeeded); CANCELLED and SKIPPED runs neither count nor end the
    /// streak. The same figure as `runledger_consecutive_failures`.
    public var consecutiveFailures: Int
    /// Its runs active now.
    public var active: Int
    /// The most runs of it that may be active at once: its own limit, else its latest run's
    /// lifecycle's default; nil for no limit.
    public var maxActive: Int?
    /// Whether ``maxActive`` is the job's own limit rather than its lifecycle's default.
    public var hasOwnLimit: Bool
    /// Its runs (created in the window, if there is one).
    public var windowRuns: Int
    /// COMPLETED runs over ended runs, of those counted; nil if none ended.
    public var successRate: Double?
    /// Durations of the runs counted that ended (p50, p95..., as ``Ledger/stats(_:)`` sums
    /// them up); nil if none.
    public var duration: DurationSummary?

    /// Its freshness limit (``Ledger/setFreshness(_:staleAfter:actor:)``): the longest time
    /// without a success, in seconds; nil if it has none.
    public var staleAfter: Double?
    /// When it went past its freshness limit, if it is past it now: a freshness violation.
    public var staleSince: Timestamp?

    /// Whether it is past its freshness limit: no success within it.
    public var isStale: Bool { staleSince != nil }

    /// Whether its latest run ended FAILED or CRASHED: the job needs a look.
    public var isFailing: Bool {
        guard let run = latestRun, run.isTerminal else { return false }
        return run.canonicalType == .failed || run.canonicalType == .crashed
    }

    /// Makes an entry (the ledger makes these; tests and tools may too).
    public init(
        job: String, latestRun: Run? = nil, lastSuccess: Timestamp? = nil, consecutiveFailures: Int = 0,
        active: Int = 0, maxActive: Int? = nil, hasOwnLimit: Bool = false, windowRuns: Int = 0,
        successRate: Double? = nil, duration: DurationSummary? = nil, staleAfter: Double? = nil,
        staleSince: Timestamp? = nil
    ) {
        self.job = job
        self.latestRun = latestRun
        self.lastSuccess = lastSuccess
        self.consecutiveFailures = consecutiveFailures
        self.active = active
        self.maxActive = maxActive
        self.hasOwnLimit = hasOwnLimit
        self.windowRuns = windowRuns
        self.successRate = successRate
        self.duration = duration
        self.staleAfter = staleAfter
        self.staleSince = staleSince
    }
}
