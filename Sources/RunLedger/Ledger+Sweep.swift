/// What one sweep changed.
public struct SweepReport: Sendable, Hashable {
    /// Runs moved to their lifecycle's late state.
    public var late: [StateChange]
    /// Runs moved to their lifecycle's crash state because their heartbeat stopped.
    public var crashed: [StateChange]
    /// Runs moved to their lifecycle's timeout state because they were past a deadline.
    public var timedOut: [StateChange]
    /// Runs past a deadline that their lifecycle gives no way to time out (no timeout state,
    /// or no plain edge to it from where they are): the annotation each got, once per stay.
    public var overdue: [Annotation]
    /// Jobs past their freshness limit: no success within it.
    public var stale: [FreshnessViolation]

    /// Makes a report.
    public init(
        late: [StateChange] = [], crashed: [StateChange] = [], timedOut: [StateChange] = [],
        overdue: [Annotation] = [], stale: [FreshnessViolation] = []
    ) {
        self.late = late
        self.crashed = crashed
        self.timedOut = timedOut
        self.overdue = overdue
        self.stale = stale
    }
}

extension Ledger {
    /// Marks overdue runs late, crashes runs whose heartbeat stopped, times out runs past a
    /// deadline, and reports jobs past their freshness limit.
    ///
    /// - Late: an active run whose `scheduledAt` is more than `lateAfter` seconds ago, in a
    ///   state with a plain edge to its lifecycle's late state (Prefect: Scheduled -> Late;
    ///   AwaitingRetry runs are not marked late, as Prefect's own service does not).
    /// - Crashed: an active run that has sent heartbeats, the last more than
    ///   `heartbeatTimeout` seconds ago, in a state with a plain edge to its lifecycle's crash
    ///   state (Prefect Crashed, Databricks INTERNAL_ERROR, Domino Error, canonical CRASHED),
    ///   with the reason "heartbeat lost" and the time of the last heartbeat.
    /// - Timed out: an active run past a deadline (``setDeadline(_:state:seconds:actor:)``):
    ///   longer in its state than the job's limit for that state (else its lifecycle's), or
    ///   longer since it was due than the job's maximum run time (else its lifecycle's). It
    ///   moves to its lifecycle's timeout state (canonical FAILED, Databricks TERMINATED with
    ///   outcome TIMEDOUT, Prefect TimedOut) when its state has a plain edge there, with a
    ///   reason naming the deadline; otherwise it gets a `deadline_missed` annotation, once
    ///   per stay.
    /// - Stale: the jobs past their freshness limit (``setFreshness(_:staleAfter:actor:)``)
    ///   are reported; nothing is written for them.
    ///
    /// Each run is read and moved inside one write transaction, so the sweep changes a run
    /// only if it is still in the state the sweep read: a run that has just finished is
    /// never crashed or timed out, and a heartbeat racing the sweep either lands first (the
    /// run is not crashed) or finds the run crashed (``LedgerError/runEnded(runID:)``), never
    /// half.
    /// Large sweeps go in transactions of `batchSize` runs, so writers are not held up.
    ///
    /// ```swift
    /// let report = try ledger.sweep(lateAfter: 5, heartbeatTimeout: 90)
    /// ```
    ///
    /// - Returns: The changes made.
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` for a negative threshold.
    public func sweep(
        now: Timestamp = .now, lateAfter: Double = 5, heartbeatTimeout: Double = 90, batchSize: Int = 500
    ) throws -> SweepReport {
        guard lateAfter >= 0, lateAfter.isFinite else {
            throw LedgerError.invalidArgument(name: "late threshold", reason: "it must be 0 or more seconds")
        }
        guard heartbeatTimeout >= 0, heartbeatTimeout.isFinite else {
            throw LedgerError.invalidArgument(name: "heartbeat timeout", reason: "it must be 0 or more seconds")
        }
        let size = max(1, batchSize)
        var report = SweepReport()
        for (kind, threshold) in [(Store.SweepKind.late, lateAfter), (.crashed, heartbeatTimeout)] {
            while true {
                let moved = try batch { batch in
                    try batch.moveSwept(
                        try batch.store.sweepCandidates(kind, before: now.adding(seconds: -threshold), limit: size)
                    ) { time in
                        kind == .late
                            ? "late: scheduled at \(time.iso8601), not started within \(Self.seconds(lateAfter))"
                            : "heartbeat lost; last heartbeat at \(time.iso8601)"
                    }
                }
                if kind == .late { report.late += moved } else { report.crashed += moved }
                if moved.count < size { break }
            }
        }
        // Without a deadline set, there is nothing to look for.
        var overdueLeft = try read { try Store(connection: $0).hasDeadlines() }
        while overdueLeft {
            let (found, moved, annotated) = try batch { batch in
                let overdue = try batch.store.overdueRuns(at: now, limit: size)
                let (moved, annotated) = try batch.timeOut(overdue, now: now)
                return (overdue.count, moved, annotated)
            }
            report.timedOut += moved
            report.overdue += annotated
            overdueLeft = found == size
        }
        report.stale = try freshnessViolations(now: now)
        return report
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

extension Batch {
    /// Moves each swept run, expecting the state the sweep read in this transaction.
    func moveSwept(_ candidates: [Store.SweepCandidate], reason: (Timestamp) -> String) throws -> [StateChange] {
        try candidates.map { candidate in
            try transition(
                candidate.runID, to: candidate.target, expecting: candidate.state, reason: reason(candidate.time),
                actor: "runledger sweep")
        }
    }
}
