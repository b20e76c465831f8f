/// Which runs `Ledger.stats(_:)` counts, and how it groups them.
public struct StatsQuery: Sendable, Hashable {
    /// What a group of runs shares.
    public enum Grouping: String, Sendable, CaseIterable {
        /// One group per job.
        case job
        /// One group per lifecycle.
        case lifecycle
    }

    /// How runs are grouped; by job by default.
    public var grouping: Grouping
    /// Only runs of this job.
    public var job: String?
    /// Only runs of this lifecycle.
    public var lifecycle: String?
    /// Only runs created at or after this time.
    public var createdSince: Timestamp?
    /// Only runs created before this time.
    public var createdBefore: Timestamp?

    /// Makes a query; with no argument it covers every run, grouped by job.
    public init(
        grouping: Grouping = .job, job: String? = nil, lifecycle: String? = nil, createdSince: Timestamp? = nil,
        createdBefore: Timestamp? = nil
    ) {
        self.grouping = grouping
        self.job = job
        self.lifecycle = lifecycle
        self.createdSince = createdSince
        self.createdBefore = createdBefore
    }
}

/// Order statistics of a set of durations, in seconds (nearest-rank percentiles).
public struct DurationSummary: Sendable, Hashable {
    /// How many durations.
    public var count: Int
    /// Their mean.
    public var mean: Double
    /// The median: the smallest value at least half of them do not exceed.
    public var p50: Double
    /// The 95th percentile: the smallest value at least 95% of them do not exceed.
    public var p95: Double
    /// The largest.
    public var max: Double

    /// Summarizes durations; nil when there are none.
    public init?(seconds values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ percent: Double) -> Double {
            let index = Int((percent / 100 * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, index))]
        }
        count = sorted.count
        mean = sorted.reduce(0, +) / Double(sorted.count)
        p50 = rank(50)
        p95 = rank(95)
        max = sorted[sorted.count - 1]
    }
}

/// The stats of one group of runs (a job, or a lifecycle).
public struct RunStats: Sendable, Hashable {
    /// Time spent in one state of one lifecycle, over every stay that ended.
    public struct StateTime: Sendable, Hashable {
        /// The lifecycle the state belongs to.
        public var lifecycle: String
        /// The state.
        public var state: String
        /// Its canonical type.
        public var canonicalType: CanonicalType
        /// Whether it is terminal.
        public var isTerminal: Bool
        /// Runs currently in this state.
        public var current: Int
        /// Durations of the stays in this state that ended (a run moved on); nil if none did.
        public var time: DurationSummary?
    }

    /// The job or lifecycle the group shares.
    public var group: String
    /// Runs in the group.
    public var runs: Int
    /// Runs whose current state is not terminal.
    public var active: Int
    /// Runs by the canonical type of their current state.
    public var byCanonicalType: [CanonicalType: Int]
    /// COMPLETED runs over terminal runs, from 0 to 1; nil when no run has ended.
    public var successRate: Double?
    /// Durations of terminal runs, from creation to their terminal state.
    public var duration: DurationSummary?
    /// Each state runs of the group are or were in: how many are in it now, and how long
    /// stays in it lasted.
    public var states: [StateTime]

    /// Runs that have ended.
    public var terminal: Int { runs - active }
}
