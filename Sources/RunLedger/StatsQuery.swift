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
