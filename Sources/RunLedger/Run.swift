/// One execution of a job, as the ledger records it.
public struct Run: Sendable, Hashable, Codable {
    /// The run's id: caller-supplied text, or a generated time-ordered UUIDv7.
    public var id: String
    /// The job this run executes.
    public var job: String
    /// The name of the run's lifecycle.
    public var lifecycle: String
    /// The current state: the `to` state of the run's last change.
    public var state: String
    /// When the run was recorded.
    public var createdAt: Timestamp
    /// When its state last changed.
    public var updatedAt: Timestamp
    /// When it entered its terminal state; nil while it is active.
    public var endedAt: Timestamp?
    /// The outcome its terminal change carried (Databricks' `result_state`), if any.
    public var outcome: String?
    /// Who started the run.
    public var createdBy: String?
    /// Why it was started.
    public var createdReason: String?
    /// The attempt number: 1, or one more than the parent's.
    public var attempt: Int
    /// The run this one retries or resubmits.
    public var parentID: String?
    /// How many retries the run may use; nil for no limit.
    public var maxRetries: Int?
    /// When the run is scheduled to start, if it is.
    public var scheduledAt: Timestamp?
    /// When the run last sent a heartbeat.
    public var heartbeatAt: Timestamp?
    /// JSON metadata, as text.
    public var metadata: String?
    /// The canonical type of the current state, refined by the outcome if there is one
    /// (Databricks' TERMINATED with outcome FAILED is FAILED).
    public var canonicalType: CanonicalType
    /// Whether the current state is terminal.
    public var isTerminal: Bool

    /// Makes a run value (the ledger makes these; tests and tools may too).
    public init(
        id: String, job: String, lifecycle: String, state: String, createdAt: Timestamp, updatedAt: Timestamp,
        endedAt: Timestamp? = nil, outcome: String? = nil, createdBy: String? = nil, createdReason: String? = nil,
        attempt: Int = 1, parentID: String? = nil, maxRetries: Int? = nil, scheduledAt: Timestamp? = nil,
        heartbeatAt: Timestamp? = nil, metadata: String? = nil, canonicalType: CanonicalType, isTerminal: Bool
    ) {
        self.id = id
        self.job = job
        self.lifecycle = lifecycle
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.endedAt = endedAt
        self.outcome = outcome
        self.createdBy = createdBy
        self.createdReason = createdReason
        self.attempt = attempt
        self.parentID = parentID
        self.maxRetries = maxRetries
        self.scheduledAt = scheduledAt
        self.heartbeatAt = heartbeatAt
        self.metadata = metadata
        self.canonicalType = canonicalType
        self.isTerminal = isTerminal
    }
}
