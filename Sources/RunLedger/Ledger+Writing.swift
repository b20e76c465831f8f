extension Ledger {
    /// Starts a run: records it and its first state, in one transaction.
    ///
    /// The run enters `state`, or by default its lifecycle's first initial state (its blocked
    /// state instead while an upstream run has not completed). If its job is at its limit of
    /// active runs (``setConcurrencyLimit(_:for:)``, else the lifecycle's default: 1 for
    /// `databricks`), the run is still recorded and moves at once to the lifecycle's skip
    /// state, with a reason naming an active run; a lifecycle without a skip state refuses
    /// the run instead.
    ///
    /// ```swift
    /// let run = try ledger.start(job: "render", lifecycle: "opencue", reason: "nightly")
    /// let retry = try ledger.start(job: "render", lifecycle: "opencue", parent: run.id)  // attempt 2
    /// let extract = try ledger.start(job: "extract", lifecycle: "databricks")
    /// let load = try ledger.start(job: "load", lifecycle: "databricks", upstream: [extract.id])  // BLOCKED
    /// ```
    ///
    /// - Parameters:
    ///   - job: The job the run executes.
    ///   - lifecycle: The lifecycle's name; `canonical` by default.
    ///   - id: The run's id; a new time-ordered UUIDv7 by default.
    ///   - state: The first state, an initial state of the lifecycle; by default the
    ///     lifecycle's blocked state if an upstream run has not completed, else its first
    ///     initial state.
    ///   - at: The creation time; now by default.
    ///   - reason: Why the run was started.
    ///   - metadata: JSON text stored with the run.
    ///   - parent: The run this one retries or resubmits; the new run's attempt is one more
    ///     than the parent's, and it inherits the parent's `maxRetries` unless given.
    ///   - upstream: Runs this one waits for: it cannot enter a RUNNING-type state until each
    ///     has completed successfully.
    ///   - maxRetries: How many retries the run (and its chain) may use; nil for no limit.
    ///   - scheduledAt: When the run is due to start; ``sweep(now:lateAfter:heartbeatTimeout:batchSize:)``
    ///     marks it late after that.
    ///   - actor: Who started it; the configuration's actor by default.
    /// - Returns: The run as recorded: its state is the one the ledger chose (the skip state
    ///   for a run over its job's limit).
    /// - Throws: ``LedgerError/duplicateRun(runID:)``, ``LedgerError/noSuchLifecycle(name:)``,
    ///   ``LedgerError/noSuchState(lifecycle:state:)``,
    ///   ``LedgerError/illegalTransition(runID:from:to:legalTargets:)`` (not an initial state),
    ///   ``LedgerError/noSuchRun(runID:)`` (the parent or an upstream),
    ///   ``LedgerError/retriesExhausted(runID:maxRetries:)`` (the parent's),
    ///   ``LedgerError/concurrencyLimitReached(job:maxActive:)`` (no skip state),
    ///   ``LedgerError/invalidArgument(name:reason:)`` (an empty, over-long or
    ///   control-character name, invalid JSON, a time before 1970, a negative `maxRetries`);
    ///   ``SQLiteError`` when SQLite fails (I/O, a lock held past the busy timeout).
    @discardableResult
    public func start(
        job: String, lifecycle: String = "canonical", id: String? = nil, state: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, parent: String? = nil, upstream: [String] = [],
        maxRetries: Int? = nil, scheduledAt: Timestamp? = nil, actor: String? = nil
    ) throws -> Run {
        try batch(retrying: true) {
            try $0.start(
                job: job, lifecycle: lifecycle, id: id, state: state, at: at, reason: reason, metadata: metadata,
                parent: parent, upstream: upstream, maxRetries: maxRetries, scheduledAt: scheduledAt, actor: actor)
        }
    }

    /// Moves a run to another state: a plain transition of its lifecycle, in one transaction.
    ///
    /// The lifecycle must have a plain (non-action) edge from the run's current state to
    /// `state`; an edge that only an action takes needs
    /// ``perform(_:on:expecting:at:reason:metadata:outcome:requestKey:actor:)``. What the
    /// change sets off happens in the same transaction: a run that completes releases the
    /// runs waiting for it, and one that fails or is cancelled moves the runs downstream of
    /// it to their upstream-failed state (or annotates them).
    ///
    /// ```swift
    /// try ledger.transition(run.id, to: "RUNNING", expecting: "PENDING")  // compare-and-set
    /// try ledger.transition(run.id, to: "TERMINATED", outcome: "FAILED", requestKey: "req-81f2")
    /// ```
    ///
    /// - Parameters:
    ///   - runID: The run.
    ///   - state: The state to enter.
    ///   - expected: If given, the change happens only if the run is in this state now
    ///     (compare-and-set); otherwise ``LedgerError/expectedStateConflict(runID:expected:actual:)``.
    ///   - at: The time of the change; by default now, or the run's last change time if the
    ///     clock is behind it. An explicit time earlier than the last change is refused.
    ///   - reason: Why.
    ///   - metadata: JSON text stored with the change.
    ///   - outcome: For a change into a terminal state, an outcome the lifecycle defines
    ///     (Databricks' `result_state`: `SUCCESS`, `FAILED`...).
    ///   - requestKey: The client's key for this request: a repeat with the same key returns
    ///     the first change and records nothing (a client retrying after a timeout).
    ///   - actor: Who asked; the configuration's actor by default.
    /// - Returns: The change as recorded (the first one, for a repeated request key).
    /// - Throws: ``LedgerError/illegalTransition(runID:from:to:legalTargets:)``,
    ///   ``LedgerError/actionRequired(runID:from:to:actions:)``,
    ///   ``LedgerError/expectedStateConflict(runID:expected:actual:)``,
    ///   ``LedgerError/noSuchRun(runID:)``, ``LedgerError/noSuchState(lifecycle:state:)``,
    ///   ``LedgerError/timeWentBackwards(runID:at:lastChange:)``,
    ///   ``LedgerError/invalidOutcome(runID:state:outcome:legalOutcomes:)``,
    ///   ``LedgerError/retriesExhausted(runID:maxRetries:)`` (entering the retry state),
    ///   ``LedgerError/blockedByUpstream(runID:upstreams:)`` (a RUNNING-type state),
    ///   ``LedgerError/requestKeyReused(key:runID:)``, ``LedgerError/invalidArgument(name:reason:)``;
    ///   ``SQLiteError`` when SQLite fails.
    @discardableResult
    public func transition(
        _ runID: String, to state: String, expecting expected: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, outcome: String? = nil, requestKey: String? = nil,
        actor: String? = nil
    ) throws -> StateChange {
        try batch(retrying: true) {
            try $0.transition(
                runID, to: state, expecting: expected, at: at, reason: reason, metadata: metadata, outcome: outcome,
                requestKey: requestKey, actor: actor)
        }
    }

    /// Performs a named action on a run (OpenCue's `kill`, `retry`...): takes the edge the
    /// action names from the run's current state, in one transaction.
    ///
    /// An action may take an edge no plain transition may, such as one out of a terminal
    /// state (OpenCue's `retry` from `killed` or `failed`). The change records the action's name.
    ///
    /// ```swift
    /// try ledger.perform("kill", on: run.id, reason: "wrong frame range")
    /// ```
    ///
    /// - Parameters:
    ///   - action: The action's name.
    ///   - runID: The run.
    ///   - expected: If given, the action happens only if the run is in this state now.
    ///   - at: The time of the change; as for
    ///     ``transition(_:to:expecting:at:reason:metadata:outcome:requestKey:actor:)``.
    ///   - reason: Why.
    ///   - metadata: JSON text stored with the change.
    ///   - outcome: For a change into a terminal state, an outcome the lifecycle defines.
    ///   - requestKey: The client's key for this request: a repeat with the same key returns
    ///     the first change and records nothing.
    ///   - actor: Who asked; the configuration's actor by default.
    /// - Returns: The change as recorded, with its action.
    /// - Throws: ``LedgerError/noSuchAction(lifecycle:action:)``,
    ///   ``LedgerError/illegalAction(runID:state:action:legalActions:)`` (not from the current
    ///   state), and the errors of
    ///   ``transition(_:to:expecting:at:reason:metadata:outcome:requestKey:actor:)``:
    ///   ``LedgerError/expectedStateConflict(runID:expected:actual:)``,
    ///   ``LedgerError/noSuchRun(runID:)``, ``LedgerError/timeWentBackwards(runID:at:lastChange:)``,
    ///   ``LedgerError/invalidOutcome(runID:state:outcome:legalOutcomes:)``,
    ///   ``LedgerError/retriesExhausted(runID:maxRetries:)``,
    ///   ``LedgerError/blockedByUpstream(runID:upstreams:)``,
    ///   ``LedgerError/requestKeyReused(key:runID:)``, ``LedgerError/invalidArgument(name:reason:)``;
    ///   ``SQLiteError`` when SQLite fails.
    @discardableResult
    public func perform(
        _ action: String, on runID: String, expecting expected: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, outcome: String? = nil, requestKey: String? = nil,
        actor: String? = nil
    ) throws -> StateChange {
        try batch(retrying: true) {
            try $0.perform(
                action, on: runID, expecting: expected, at: at, reason: reason, metadata: metadata, outcome: outcome,
                requestKey: requestKey, actor: actor)
        }
    }

    /// Releases a run waiting for its upstream runs: moves it from its lifecycle's blocked
    /// state to its release state, in one transaction.
    ///
    /// The ledger does this by itself, in the same transaction, when the last upstream
    /// completes; this is for a run left waiting otherwise (one started in the blocked state
    /// whose upstreams had already completed, or that has none). Every upstream must have
    /// completed successfully.
    ///
    /// ```swift
    /// try ledger.release(load.id)  // Databricks: BLOCKED -> PENDING
    /// ```
    ///
    /// - Parameters:
    ///   - runID: The run.
    ///   - at: The time of the change; now by default.
    ///   - reason: Why; "every upstream has completed" by default.
    ///   - actor: Who asked; the configuration's actor by default.
    /// - Returns: The change as recorded.
    /// - Throws: ``LedgerError/blockedByUpstream(runID:upstreams:)`` while an upstream has not
    ///   completed; ``LedgerError/notBlocked(runID:state:)`` when the run is not waiting in
    ///   the blocked state (or its lifecycle has none); ``LedgerError/noSuchRun(runID:)``;
    ///   ``LedgerError/timeWentBackwards(runID:at:lastChange:)``,
    ///   ``LedgerError/invalidArgument(name:reason:)``; ``SQLiteError`` when SQLite fails.
    @discardableResult
    public func release(_ runID: String, at: Timestamp? = nil, reason: String? = nil, actor: String? = nil) throws
        -> StateChange
    {
        try batch(retrying: true) { try $0.release(runID, at: at, reason: reason, actor: actor) }
    }

    /// Records a fact about a run that does not move it (an OpenLineage `OTHER` event), in
    /// one transaction.
    ///
    /// An annotation is not a history row: the run's state stays as it is. The run need not
    /// be recorded yet, so an event that arrives before the run's start is kept.
    /// ``annotations(of:)`` reads them back.
    ///
    /// ```swift
    /// try ledger.annotate(run.id, kind: "OTHER", reason: "checkpoint", metadata: #"{"step": 3}"#)
    /// ```
    ///
    /// - Parameters:
    ///   - runID: The run.
    ///   - kind: What kind of fact (`OTHER`, `upstream_failed`...).
    ///   - at: When; now by default.
    ///   - reason: Why, or what happened.
    ///   - metadata: JSON text stored with the annotation.
    ///   - actor: Who recorded it; the configuration's actor by default.
    /// - Returns: The annotation as recorded.
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)``; ``SQLiteError`` when SQLite
    ///   fails.
    @discardableResult
    public func annotate(
        _ runID: String, kind: String, at: Timestamp? = nil, reason: String? = nil, metadata: String? = nil,
        actor: String? = nil
    ) throws -> Annotation {
        try batch(retrying: true) {
            try $0.annotate(runID, kind: kind, at: at, reason: reason, metadata: metadata, actor: actor)
        }
    }

    /// Records a heartbeat of an active run (not a history row), in one transaction.
    ///
    /// A run that has sent heartbeats and then stops is crashed by
    /// ``sweep(now:lateAfter:heartbeatTimeout:batchSize:)`` once its last heartbeat is older
    /// than the timeout; a run that never sent one is left alone. Heartbeats only move
    /// forward.
    ///
    /// ```swift
    /// try ledger.heartbeat(run.id)
    /// ```
    ///
    /// - Parameters:
    ///   - runID: The run.
    ///   - at: The time of the heartbeat; now by default.
    /// - Throws: ``LedgerError/noSuchRun(runID:)``; ``LedgerError/runEnded(runID:)`` for a run
    ///   that has ended (the sweep may have crashed it);
    ///   ``LedgerError/timeWentBackwards(runID:at:lastChange:)`` for a time before its last
    ///   heartbeat; ``LedgerError/invalidArgument(name:reason:)``; ``SQLiteError`` when SQLite
    ///   fails.
    public func heartbeat(_ runID: String, at: Timestamp? = nil) throws {
        try batch(retrying: true) { try $0.heartbeat(runID, at: at) }
    }

    /// Sets a job's own limit of concurrently active runs; nil for no limit at all.
    ///
    /// A run started while its job has `maxActive` active runs moves at once to its
    /// lifecycle's skip state. Without a limit of its own, a job gets its lifecycle's
    /// default (1 for `databricks`, none for the others); ``clearConcurrencyLimit(for:)``
    /// goes back to it. A limit of 0 skips every new run. ``concurrencyLimits()`` lists the
    /// limits.
    ///
    /// ```swift
    /// try ledger.setConcurrencyLimit(2, for: "nightly-etl")
    /// ```
    ///
    /// - Parameters:
    ///   - maxActive: The most active runs the job may have; nil for no limit.
    ///   - job: The job.
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` for a bad job name or a
    ///   negative limit; ``SQLiteError`` when SQLite fails.
    public func setConcurrencyLimit(_ maxActive: Int?, for job: String) throws {
        try Validate.name(job, as: "job")
        if let maxActive, maxActive < 0 {
            throw LedgerError.invalidArgument(name: "max active", reason: "it is negative")
        }
        try write { try Store(connection: $0).setLimit(job: job, maxActive: maxActive, remove: false) }
    }

    /// Removes a job's own limit: its runs get their lifecycle's default again.
    ///
    /// - Parameter job: The job.
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` for a bad job name;
    ///   ``SQLiteError`` when SQLite fails.
    public func clearConcurrencyLimit(for job: String) throws {
        try Validate.name(job, as: "job")
        try write { try Store(connection: $0).setLimit(job: job, maxActive: nil, remove: true) }
    }
}
