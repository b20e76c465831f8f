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
    /// Who started the run.
    public var createdBy: String?
    /// Why it was started.
    public var createdReason: String?
    /// The attempt number: 1, or one more than the parent's.
    public var attempt: Int
    /// The run this one retries or resubmits.
    public var parentID: String?
    /// When the run is scheduled to start, if it is.
    public var scheduledAt: Timestamp?
    /// When the run last sent a heartbeat.
    public var heartbeatAt: Timestamp?
    /// JSON metadata, as text.
    public var metadata: String?
    /// The canonical type of the current state.
    public var canonicalType: CanonicalType
    /// Whether the current state is terminal.
    public var isTerminal: Bool

    /// Makes a run value (the ledger makes these; tests and tools may too).
    public init(
        id: String, job: String, lifecycle: String, state: String, createdAt: Timestamp, updatedAt: Timestamp,
        createdBy: String? = nil, createdReason: String? = nil, attempt: Int = 1, parentID: String? = nil,
        scheduledAt: Timestamp? = nil, heartbeatAt: Timestamp? = nil, metadata: String? = nil,
        canonicalType: CanonicalType, isTerminal: Bool
    ) {
        self.id = id
        self.job = job
        self.lifecycle = lifecycle
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.createdBy = createdBy
        self.createdReason = createdReason
        self.attempt = attempt
        self.parentID = parentID
        self.scheduledAt = scheduledAt
        self.heartbeatAt = heartbeatAt
        self.metadata = metadata
        self.canonicalType = canonicalType
        self.isTerminal = isTerminal
    }
}
