/// What one sweep changed.
public struct SweepReport: Sendable, Hashable {
    /// Runs moved to their lifecycle's late state.
    public var late: [StateChange]
    /// Runs moved to their lifecycle's crash state because their heartbeat stopped.
    public var crashed: [StateChange]

    /// Makes a report.
    public init(late: [StateChange] = [], crashed: [StateChange] = []) {
        self.late = late
        self.crashed = crashed
    }
}

extension Ledger {
    /// Marks overdue runs late and crashes runs whose heartbeat stopped.
    ///
    /// - Late: an active run whose `scheduledAt` is more than `lateAfter` seconds ago, in a
    ///   state with a plain edge to its lifecycle's late state (Prefect: Scheduled -> Late;
    ///   AwaitingRetry runs are not marked late, as Prefect's own service does not).
    /// - Crashed: an active run that has sent heartbeats, the last more than
    ///   `heartbeatTimeout` seconds ago, in a state with a plain edge to its lifecycle's crash
    ///   state (Prefect Crashed, Databricks INTERNAL_ERROR, Domino Error, canonical CRASHED),
    ///   with the reason "heartbeat lost" and the time of the last heartbeat.
    ///
    /// Each run is read and moved inside one write transaction, so the sweep changes a run
    /// only if it is still in the state the sweep read: a run that has just finished is
    /// never crashed, and a heartbeat racing the sweep either lands first (the run is not
    /// crashed) or finds the run crashed (``LedgerError/runEnded(runID:)``), never half.
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
