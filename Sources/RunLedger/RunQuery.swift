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
    /// Only runs whose current state, refined by its outcome, has this canonical type
    /// (``Run/canonicalType``).
    public var canonicalType: CanonicalType?
    /// Only runs created at or after this time.
    public var createdSince: Timestamp?
    /// Only runs created before this time.
    public var createdBefore: Timestamp?
    /// Only runs after this one in the listing's order (created before it, or at the same
    /// time and recorded before it): the page that follows a page ending with that run.
    /// Keyset paging: each page costs the same however deep it is. A run that is not
    /// recorded matches nothing.
    public var olderThan: String?
    /// At most this many runs, newest first; nil for all.
    public var limit: Int?

    /// Makes a query; with no argument it matches every run.
    public init(
        job: String? = nil, lifecycle: String? = nil, state: String? = nil, status: Status = .any,
        canonicalType: CanonicalType? = nil, createdSince: Timestamp? = nil, createdBefore: Timestamp? = nil,
        olderThan: String? = nil, limit: Int? = nil
    ) {
        self.job = job
        self.lifecycle = lifecycle
        self.state = state
        self.status = status
        self.canonicalType = canonicalType
        self.createdSince = createdSince
        self.createdBefore = createdBefore
        self.olderThan = olderThan
        self.limit = limit
    }
}
