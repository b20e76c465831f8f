extension Ledger {
    /// Sets a deadline: how long the runs of a job (or, by default, of a lifecycle's jobs)
    /// may take, or stay in one state, before ``sweep(now:lateAfter:heartbeatTimeout:batchSize:)``
    /// times them out. It replaces the one set for the same scope and state.
    ///
    /// ```swift
    /// try ledger.setDeadline(.job("nightly-etl"), seconds: 2 * 3600)  // at most 2 h in all
    /// try ledger.setDeadline(.job("nightly-etl"), state: "PENDING", seconds: 600)  // 10 min queued
    /// try ledger.setDeadline(.lifecycle("prefect"), state: "Pending", seconds: 900)  // every Prefect job's default
    /// ```
    ///
    /// A job's own deadline for a state (or for the whole run) comes first; its lifecycle's is
    /// the default. See ``Deadline`` for what the times count from and where a run goes.
    ///
    /// - Parameters:
    ///   - scope: The job, or the lifecycle, it applies to.
    ///   - state: The state whose stays it limits; nil (the default) for the whole run.
    ///   - seconds: The limit, more than 0.
    ///   - actor: Who sets it; the configuration's actor by default.
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` for a limit that is not more
    ///   than 0 or a bad name; ``LedgerError/noSuchLifecycle(name:)`` for an unknown lifecycle;
    ///   ``LedgerError/invalidArgument(name:reason:)`` for a state the lifecycle lacks or that is
    ///   terminal.
    public func setDeadline(_ scope: DeadlineScope, state: String? = nil, seconds: Double, actor: String? = nil)
        throws
    {
        try Validate.name(scope.name, as: scope.kind)
        if let state { try Validate.name(state, as: "state") }
        guard seconds > 0, seconds.isFinite else {
            throw LedgerError.invalidArgument(
                name: "deadline", reason: "it must be more than 0 seconds, not \(seconds)")
        }
        if case .lifecycle(let name) = scope {
            guard let lifecycle = try lifecycle(named: name) else { throw LedgerError.noSuchLifecycle(name: name) }
            if let state, !lifecycle.states.contains(where: { $0.name == state && !$0.isTerminal }) {
                throw LedgerError.invalidArgument(
                    name: "state", reason: "\(state) is not a state of \(name) that a run can stay in (not terminal)")
            }
        }
        let actor = actor ?? configuration.actor
        try Validate.text(actor, as: "actor", limit: Validate.actorLimit)
        try write {
            try Store(connection: $0).setDeadline(scope, state: state, seconds: seconds, at: .now, actor: actor)
        }
    }

    /// Removes a deadline (a job's own: its lifecycle's default applies again).
    ///
    /// - Returns: Whether there was one.
    @discardableResult
    public func removeDeadline(_ scope: DeadlineScope, state: String? = nil) throws -> Bool {
        try Validate.name(scope.name, as: scope.kind)
        return try write { try Store(connection: $0).removeDeadline(scope, state: state) }
    }

    /// Every deadline: jobs' first, then lifecycles', each by name and state.
    public func deadlines() throws -> [Deadline] {
        try read { try Store(connection: $0).deadlines() }
    }

    /// Sets how often a job must succeed: a freshness violation (reported by
    /// ``sweep(now:lateAfter:heartbeatTimeout:batchSize:)`` and ``jobHealth(window:now:)``)
    /// when none of its runs ended COMPLETED within `staleAfter` seconds.
    ///
    /// ```swift
    /// try ledger.setFreshness("nightly-etl", staleAfter: 26 * 3600)  // a daily job, an hour and more of slack
    /// ```
    ///
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` for a limit that is not more
    ///   than 0 or a bad job name.
    public func setFreshness(_ job: String, staleAfter: Double, actor: String? = nil) throws {
        try Validate.name(job, as: "job")
        guard staleAfter > 0, staleAfter.isFinite else {
            throw LedgerError.invalidArgument(
                name: "freshness", reason: "it must be more than 0 seconds, not \(staleAfter)")
        }
        let actor = actor ?? configuration.actor
        try Validate.text(actor, as: "actor", limit: Validate.actorLimit)
        try write { try Store(connection: $0).setFreshness(job, staleAfter: staleAfter, at: .now, actor: actor) }
    }

    /// Removes a job's freshness limit.
    ///
    /// - Returns: Whether it had one.
    @discardableResult
    public func removeFreshness(_ job: String) throws -> Bool {
        try Validate.name(job, as: "job")
        return try write { try Store(connection: $0).removeFreshness(job) }
    }

    /// Every job's freshness limit, by job.
    public func freshnessLimits() throws -> [FreshnessLimit] {
        try read { try Store(connection: $0).freshnessLimits() }
    }

    /// The jobs past their freshness limit at `now`: none of their runs ended COMPLETED
    /// (refined by outcome) within the limit, counted from the limit's setting while a job
    /// has no success. By job.
    public func freshnessViolations(now: Timestamp = .now) throws -> [FreshnessViolation] {
        try read { try Store(connection: $0).freshnessViolations(now: now) }
    }
}

extension Store {
    /// The jobs past their freshness limit at `now`.
    func freshnessViolations(now: Timestamp) throws -> [FreshnessViolation] {
        try freshness().compactMap { Self.violation(of: $0.limit, lastSuccess: $0.lastSuccess, at: now) }
    }

    /// The job's violation of its freshness limit at `now`, if it is past it: no success since
    /// the limit before now (counted from the limit's setting while it has none).
    static func violation(of limit: FreshnessLimit, lastSuccess: Timestamp?, at now: Timestamp) -> FreshnessViolation? {
        let staleSince = (lastSuccess ?? limit.setAt).adding(seconds: limit.staleAfter)
        guard staleSince < now else { return nil }
        return FreshnessViolation(
            job: limit.job, staleAfter: limit.staleAfter, lastSuccess: lastSuccess, staleSince: staleSince)
    }
}

extension Batch {
    /// Moves each run past a deadline to its lifecycle's timeout state, expecting the state
    /// the sweep read in this transaction; annotates the ones it cannot move.
    func timeOut(_ runs: [Store.OverdueRun], now: Timestamp) throws -> (moved: [StateChange], annotated: [Annotation]) {
        var moved: [StateChange] = []
        var annotated: [Annotation] = []
        for run in runs {
            let inState = now.seconds(since: run.enteredAt)
            let running = now.seconds(since: run.dueAt)
            let pastStay = run.stateLimit.map { inState > $0 } ?? false
            let (reason, metadata): (String, JSONValue) =
                pastStay
                ? (
                    "deadline: \(Self.span(inState)) in \(run.state), past its limit of \(Self.span(run.stateLimit ?? 0))",
                    .object([
                        "deadline": .string("state"), "state": .string(run.state),
                        "limit_seconds": .number(run.stateLimit ?? 0), "elapsed_seconds": .number(inState),
                    ])
                )
                : (
                    "deadline: \(Self.span(running)) since it was due, past its maximum run time of \(Self.span(run.runLimit ?? 0))",
                    .object([
                        "deadline": .string("run"), "limit_seconds": .number(run.runLimit ?? 0),
                        "elapsed_seconds": .number(running),
                    ])
                )
            if let target = run.target {
                moved.append(
                    try transition(
                        run.runID, to: target.state, expecting: run.state, reason: reason, metadata: metadata.text,
                        outcome: target.outcome, actor: "runledger sweep"))
            } else {
                annotated.append(
                    try annotate(
                        run.runID, kind: Store.deadlineAnnotation, at: now,
                        reason: reason + "; its lifecycle has no timeout state it can move to from here",
                        metadata: metadata.text, actor: "runledger sweep"))
            }
        }
        return (moved, annotated)
    }

    /// Whole seconds, as `600 s`.
    private static func span(_ seconds: Double) -> String {
        "\(Int(seconds.rounded(.down))) s"
    }
}
