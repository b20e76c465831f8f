/// What ``Ledger/copy(to:batchSize:)`` carried.
public struct CopyReport: Sendable, Hashable {
    /// Runs recorded in the target.
    public var runs: Int
    /// Runs that were in the target with part of their history, now completed.
    public var extended: Int
    /// Runs that were in the target whole already.
    public var unchanged: Int
    /// History rows, annotations and received OpenLineage events written (rows the target's
    /// rules wrote themselves, as the source's did, are not counted).
    public var written: Int
    /// Lifecycles defined in the target (the built-in ones are there already).
    public var lifecycles: Int
    /// Job limits set in the target.
    public var limits: Int
    /// Deadlines and freshness limits set in the target (replacing its own for the same job,
    /// lifecycle and state).
    public var deadlines: Int = 0
    /// Pins and retention policies set in the target (a run pinned there already keeps its pin;
    /// a job's policy replaces the target's).
    public var retention: Int = 0
    /// The target's ``Ledger/verify(limit:)`` after the copy.
    public var verification: VerificationReport
}

extension Ledger {
    /// Copies the whole ledger into `target`, through the target's own rules: its lifecycles
    /// that are not built in, then every run in the order it was recorded (the run in its
    /// first state, its upstreams, its heartbeat, each later change with its time, actor,
    /// reason, outcome and request key, its annotations), then its job limits, deadlines,
    /// freshness limits, pins and retention policies; then verifies
    /// the target. While the runs are written, the source's jobs have no limit in the target
    /// (the skips the source recorded are copied as its rows), so copy into a ledger that
    /// others are writing only knowing that.
    ///
    /// This is how a ledger moves between engines (`runledger copy --from runs.db --to
    /// postgresql://…`, and back): the target's triggers check every row as they check any
    /// client's, and write again what they wrote in the source (a skip at a job's limit, a
    /// release passed on by an upstream's end), which the copy recognizes. History rows get
    /// the target's `seq` numbers, in the same order. A run already in the target must begin
    /// with the same history; its missing rows are added, so an interrupted copy, or one of
    /// a source still being written, can be run again to bring the target up to date.
    /// Prune records stay behind, and so do seals and consumers' cursors: they count the
    /// source's `seq` numbers, which the target does not share (seal the target anew).
    ///
    /// ```swift
    /// let file = try Ledger(path: "runs.db", configuration: .init(mode: .readOnly))
    /// let report = try file.copy(to: try Ledger(postgres: "postgresql://ops@db/runs"))
    /// ```
    ///
    /// - Parameters:
    ///   - target: The ledger to copy into (any engine).
    ///   - batchSize: Runs written per transaction of the target.
    /// - Returns: What was carried, and the target's verification.
    /// - Throws: ``LedgerError/copyConflict(runID:reason:)`` for a run the target holds with
    ///   another history; the target's refusal of a row (a source whose rows break the rules,
    ///   which `verify` would report there). Everything committed before stays: run it again.
    public func copy(to target: Ledger, batchSize: Int = 500) throws -> CopyReport {
        guard target !== self, target.path != path || target.engine != engine else {
            throw LedgerError.invalidArgument(name: "copy target", reason: "it is the ledger itself")
        }
        guard batchSize >= 1 else { throw LedgerError.invalidArgument(name: "batch size", reason: "it is below 1") }
        var report = CopyReport(
            runs: 0, extended: 0, unchanged: 0, written: 0, lifecycles: 0, limits: 0,
            verification: VerificationReport(runs: 0, changes: 0, problems: [], isTruncated: false))
        let existing = Set(try target.lifecycles().map(\.name))
        for lifecycle in try lifecycles() where !lifecycle.isBuiltin && !existing.contains(lifecycle.name) {
            try target.define(lifecycle)
            report.lifecycles += 1
        }
        // While the runs are written, no limit judges them: each job of the source is
        // unlimited in the target (a job row without max_active), so that the skips the
        // source recorded are copied as rows, and no run is skipped that the source ran.
        let jobs = try read { try Store(connection: $0).jobs() }
        let before = Dictionary(try target.concurrencyLimits().map { ($0.job, $0.maxActive) }) { first, _ in first }
        try target.write { database in
            let store = Store(connection: database)
            for job in jobs { try store.setLimit(job: job, maxActive: nil, remove: false) }
        }
        var after: Int64 = 0
        while true {
            let page = try read { try Store(connection: $0).runRecords(after: after, limit: batchSize) }
            guard let last = page.last else { break }
            for outcome in try target.receive(page) {
                switch outcome {
                case .created(let written):
                    report.runs += 1
                    report.written += written
                case .extended(let written):
                    report.extended += 1
                    report.written += written
                case .present: report.unchanged += 1
                }
            }
            after = last.num
        }
        // The settings, in one transaction of the target: limits, deadlines, freshness, pins,
        // retention policies.
        let limits = Dictionary(try concurrencyLimits().map { ($0.job, $0.maxActive) }) { first, _ in first }
        let deadlines = try self.deadlines()
        let freshness = try freshnessLimits()
        let pins = try self.pins()
        let policies = try retentionPolicies()
        try target.write { database in
            let store = Store(connection: database)
            for job in Set(jobs).union(limits.keys).sorted() {
                if let limit = limits[job] {
                    try store.setLimit(job: job, maxActive: limit, remove: false)
                } else if let limit = before[job] {
                    try store.setLimit(job: job, maxActive: limit, remove: false)
                } else {
                    try store.setLimit(job: job, maxActive: nil, remove: true)
                }
            }
            for deadline in deadlines {
                try store.setDeadline(
                    deadline.scope, state: deadline.state, seconds: deadline.seconds, at: deadline.setAt,
                    actor: deadline.actor)
            }
            for limit in freshness {
                try store.setFreshness(limit.job, staleAfter: limit.staleAfter, at: limit.setAt, actor: limit.actor)
            }
            for pin in pins { _ = try store.pin(pin.runID, at: pin.pinnedAt, actor: pin.actor, reason: pin.reason) }
            for policy in policies {
                try store.setRetentionPolicy(policy.policy, for: policy.job, at: policy.setAt, actor: policy.actor)
            }
        }
        report.limits = limits.count
        report.deadlines = deadlines.count + freshness.count
        report.retention = pins.count + policies.count
        report.verification = try target.verify()
        return report
    }

    /// Writes runs read from another ledger into this one, in one transaction, through its
    /// rules (`Store.write(_:)`); a refusal becomes its typed error.
    func receive(_ records: [Store.RunRecord]) throws -> [Store.Transfer] {
        try write { database in
            let store = Store(connection: database)
            return try records.map { record in
                do {
                    return try store.write(record)
                } catch let error as any EngineError {
                    throw Refusal.generic(error)
                }
            }
        }
    }
}
