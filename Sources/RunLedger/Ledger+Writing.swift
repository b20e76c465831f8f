extension Ledger {
    /// Starts a run in its own transaction: records it and its first state.
    ///
    /// ```swift
    /// let run = try ledger.start(job: "render", lifecycle: "opencue", reason: "nightly")
    /// ```
    ///
    /// See ``Batch/start(job:lifecycle:id:state:at:reason:metadata:parent:upstream:maxRetries:scheduledAt:actor:)``
    /// for the parameters and errors.
    @discardableResult
    public func start(
        job: String, lifecycle: String = "canonical", id: String? = nil, state: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, parent: String? = nil, upstream: [String] = [],
        maxRetries: Int? = nil, scheduledAt: Timestamp? = nil, actor: String? = nil
    ) throws -> Run {
        try batch {
            try $0.start(
                job: job, lifecycle: lifecycle, id: id, state: state, at: at, reason: reason, metadata: metadata,
                parent: parent, upstream: upstream, maxRetries: maxRetries, scheduledAt: scheduledAt, actor: actor)
        }
    }

    /// Moves a run to another state in its own transaction.
    ///
    /// ```swift
    /// try ledger.transition(run.id, to: "RUNNING", expecting: "PENDING")
    /// try ledger.transition(run.id, to: "TERMINATED", outcome: "FAILED", requestKey: "req-81f2")
    /// ```
    ///
    /// See ``Batch/transition(_:to:expecting:at:reason:metadata:outcome:requestKey:actor:)`` for
    /// the parameters and errors.
    @discardableResult
    public func transition(
        _ runID: String, to state: String, expecting expected: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, outcome: String? = nil, requestKey: String? = nil,
        actor: String? = nil
    ) throws -> StateChange {
        try batch {
            try $0.transition(
                runID, to: state, expecting: expected, at: at, reason: reason, metadata: metadata, outcome: outcome,
                requestKey: requestKey, actor: actor)
        }
    }

    /// Performs a named action on a run in its own transaction.
    ///
    /// ```swift
    /// try ledger.perform("kill", on: run.id, reason: "wrong frame range")
    /// ```
    ///
    /// See ``Batch/perform(_:on:expecting:at:reason:metadata:outcome:requestKey:actor:)`` for the
    /// parameters and errors.
    @discardableResult
    public func perform(
        _ action: String, on runID: String, expecting expected: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, outcome: String? = nil, requestKey: String? = nil,
        actor: String? = nil
    ) throws -> StateChange {
        try batch {
            try $0.perform(
                action, on: runID, expecting: expected, at: at, reason: reason, metadata: metadata, outcome: outcome,
                requestKey: requestKey, actor: actor)
        }
    }

    /// Releases a run waiting for its upstream runs, in its own transaction.
    ///
    /// See ``Batch/release(_:at:reason:actor:)``.
    @discardableResult
    public func release(_ runID: String, at: Timestamp? = nil, reason: String? = nil, actor: String? = nil) throws
        -> StateChange
    {
        try batch { try $0.release(runID, at: at, reason: reason, actor: actor) }
    }

    /// Records an annotation, in its own transaction.
    ///
    /// See ``Batch/annotate(_:kind:at:reason:metadata:actor:)``.
    @discardableResult
    public func annotate(
        _ runID: String, kind: String, at: Timestamp? = nil, reason: String? = nil, metadata: String? = nil,
        actor: String? = nil
    ) throws -> Annotation {
        try batch { try $0.annotate(runID, kind: kind, at: at, reason: reason, metadata: metadata, actor: actor) }
    }

    /// Records a heartbeat of an active run, in its own transaction.
    ///
    /// See ``Batch/heartbeat(_:at:)``.
    public func heartbeat(_ runID: String, at: Timestamp? = nil) throws {
        try batch { try $0.heartbeat(runID, at: at) }
    }

    /// Sets a job's own limit of concurrently active runs; nil for no limit at all.
    ///
    /// A run started while its job has `maxActive` active runs moves at once to its
    /// lifecycle's skip state. Without a limit of its own, a job gets its lifecycle's
    /// default (1 for `databricks`, none for the others); ``clearConcurrencyLimit(for:)``
    /// goes back to it.
    public func setConcurrencyLimit(_ maxActive: Int?, for job: String) throws {
        try Validate.name(job, as: "job")
        if let maxActive, maxActive < 0 {
            throw LedgerError.invalidArgument(name: "max active", reason: "it is negative")
        }
        try write { try Store(connection: $0).setLimit(job: job, maxActive: maxActive, remove: false) }
    }

    /// Removes a job's own limit: its runs get their lifecycle's default again.
    public func clearConcurrencyLimit(for job: String) throws {
        try Validate.name(job, as: "job")
        try write { try Store(connection: $0).setLimit(job: job, maxActive: nil, remove: true) }
    }
}
