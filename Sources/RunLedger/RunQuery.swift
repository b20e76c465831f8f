/// Which runs `Ledger.runs(matching:)` returns: every condition set must hold.
///
/// ```swift
/// let failing = try ledger.runs(matching: RunQuery(job: "nightly-etl", status: .terminal, limit: 20))
/// ```
public struct RunQuery: Sendable, Hashable {
    /// Active or finished runs.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// Any run.
        case any
        /// Runs whose current state is not terminal.
        case active
        /// Runs whose current state is terminal.
        case terminal
    }

    /// Only runs of this job.
    public var job: String?
    /// Only runs of this lifecycle.
    public var lifecycle: String?
    /// Only runs currently in this state.
    public var state: String?
    /// Only active, or only terminal, runs.
    public var status: Status
    /// Only runs created at or after this time.
    public var createdSince: Timestamp?
    /// Only runs created before this time.
    public var createdBefore: Timestamp?
    /// At most this many runs, newest first; nil for all.
    public var limit: Int?

    /// Makes a query; with no argument it matches every run.
    public init(
        job: String? = nil, lifecycle: String? = nil, state: String? = nil, status: Status = .any,
        createdSince: Timestamp? = nil, createdBefore: Timestamp? = nil, limit: Int? = nil
    ) {
        self.job = job
        self.lifecycle = lifecycle
        self.state = state
        self.status = status
        self.createdSince = createdSince
        self.createdBefore = createdBefore
        self.limit = limit
    }
}
