/// One row of a run's history: a change of state, who asked for it, when and why.
public struct StateChange: Sendable, Hashable, Codable {
    /// The change's place in the global order of all changes in the ledger.
    public var seq: Int64
    /// The run that changed.
    public var runID: String
    /// The state it left; nil for the run's first row.
    public var from: String?
    /// The state it entered.
    public var to: String
    /// When.
    public var at: Timestamp
    /// The action performed, if the change was one.
    public var action: String?
    /// Who asked: a user, a host and process, a service.
    public var actor: String?
    /// Why.
    public var reason: String?
    /// JSON metadata, as text.
    public var metadata: String?
    /// The outcome a terminal change carried (Databricks' `result_state`), if any.
    public var outcome: String?
    /// The client's request key, if the change was made with one.
    public var requestKey: String?

    /// Makes a change value (the ledger makes these; tests and tools may too).
    public init(
        seq: Int64, runID: String, from: String?, to: String, at: Timestamp, action: String? = nil,
        actor: String? = nil, reason: String? = nil, metadata: String? = nil, outcome: String? = nil,
        requestKey: String? = nil
    ) {
        self.seq = seq
        self.runID = runID
        self.from = from
        self.to = to
        self.at = at
        self.action = action
        self.actor = actor
        self.reason = reason
        self.metadata = metadata
        self.outcome = outcome
        self.requestKey = requestKey
    }
}
