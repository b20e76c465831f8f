extension Ledger {
    /// Starts a run in its own transaction: records it and its first state.
    ///
    /// ```swift
    /// let run = try ledger.start(job: "render", lifecycle: "opencue", reason: "nightly")
    /// ```
    ///
    /// See ``Batch/start(job:lifecycle:id:state:at:reason:metadata:parent:actor:)`` for the
    /// parameters and errors.
    @discardableResult
    public func start(
        job: String, lifecycle: String = "canonical", id: String? = nil, state: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, parent: String? = nil, actor: String? = nil
    ) throws -> Run {
        try batch {
            try $0.start(
                job: job, lifecycle: lifecycle, id: id, state: state, at: at, reason: reason, metadata: metadata,
                parent: parent, actor: actor)
        }
    }

    /// Moves a run to another state in its own transaction.
    ///
    /// ```swift
    /// try ledger.transition(run.id, to: "RUNNING", expecting: "PENDING")
    /// ```
    ///
    /// See ``Batch/transition(_:to:expecting:at:reason:metadata:actor:)`` for the parameters
    /// and errors.
    @discardableResult
    public func transition(
        _ runID: String, to state: String, expecting expected: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, actor: String? = nil
    ) throws -> StateChange {
        try batch {
            try $0.transition(
                runID, to: state, expecting: expected, at: at, reason: reason, metadata: metadata, actor: actor)
        }
    }

    /// Performs a named action on a run in its own transaction.
    ///
    /// ```swift
    /// try ledger.perform("kill", on: run.id, reason: "wrong frame range")
    /// ```
    ///
    /// See ``Batch/perform(_:on:expecting:at:reason:metadata:actor:)`` for the parameters
    /// and errors.
    @discardableResult
    public func perform(
        _ action: String, on runID: String, expecting expected: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, actor: String? = nil
    ) throws -> StateChange {
        try batch {
            try $0.perform(
                action, on: runID, expecting: expected, at: at, reason: reason, metadata: metadata, actor: actor)
        }
    }
}
