extension Ledger {
    // MARK: - Pins

    /// Pins a run, so that no prune removes it (a Temporal user's "keep this one").
    ///
    /// The triggers honour a pin whichever client deletes: deleting a pinned run, even
    /// through plain SQL after a prune, is refused (`runledger:pinned_run`). Pinning a pinned
    /// run keeps its first pin.
    ///
    /// ```swift
    /// try ledger.pin(run.id, reason: "the incident of 2026-11-30")
    /// ```
    ///
    /// - Parameters:
    ///   - runID: The run.
    ///   - reason: Why, recorded with the pin.
    ///   - actor: Who pins it; the configuration's actor by default.
    /// - Returns: The run's pin.
    /// - Throws: ``LedgerError/noSuchRun(runID:)``; ``LedgerError/invalidArgument(name:reason:)``
    ///   for an over-long reason or actor.
    @discardableResult
    public func pin(_ runID: String, reason: String? = nil, actor: String? = nil) throws -> RunPin {
        let actor = actor ?? configuration.actor
        try Validate.text(actor, as: "actor", limit: Validate.actorLimit)
        try Validate.text(reason, as: "reason", limit: Validate.reasonLimit)
        return try write { database in
            let store = Store(connection: database)
            _ = try store.pin(runID, at: .now, actor: actor, reason: reason)
            guard let pin = try store.pin(of: runID) else { throw LedgerError.noSuchRun(runID: runID) }
            return pin
        }
    }

    /// Unpins a run: the next prune may remove it again.
    ///
    /// - Parameter runID: The run.
    /// - Returns: Whether it was pinned.
    /// - Throws: ``LedgerError/noSuchRun(runID:)``.
    @discardableResult
    public func unpin(_ runID: String) throws -> Bool {
        try write { try Store(connection: $0).unpin(runID) }
    }

    /// Every pinned run's pin, oldest first.
    ///
    /// - Returns: The pins.
    public func pins() throws -> [RunPin] {
        try read { try Store(connection: $0).pins() }
    }

    // MARK: - Stored policies

    /// Stores a job's retention policy, which ``prune(_:dryRun:actor:)`` applies with
    /// ``PruneOptions/usePolicies`` (`runledger prune --policy`, for cron).
    ///
    /// ```swift
    /// try ledger.setRetentionPolicy(
    ///     RetentionPolicy(maxAge: [.failed: 90 * 86_400], otherwise: 7 * 86_400, keepLast: 20), for: "nightly-etl")
    /// ```
    ///
    /// - Parameters:
    ///   - policy: The ages and the count kept; replaces the job's policy.
    ///   - job: The job.
    ///   - actor: Who sets it.
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` for a bad job name, an age
    ///   for a type that is not terminal, a negative age or count, or a policy that keeps
    ///   everything (no age and no count).
    public func setRetentionPolicy(_ policy: RetentionPolicy, for job: String, actor: String? = nil) throws {
        try Validate.name(job, as: "job")
        try policy.validate()
        guard policy.hasAges || policy.keepLast != nil else {
            throw LedgerError.invalidArgument(name: "policy", reason: "give an age or a count of runs to keep")
        }
        let actor = actor ?? configuration.actor
        try Validate.text(actor, as: "actor", limit: Validate.actorLimit)
        try write { try Store(connection: $0).setRetentionPolicy(policy, for: job, at: .now, actor: actor) }
    }

    /// Removes a job's stored policy: `prune --policy` leaves the job alone.
    ///
    /// - Parameter job: The job.
    /// - Returns: Whether it had one.
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` for a bad job name.
    @discardableResult
    public func clearRetentionPolicy(for job: String) throws -> Bool {
        try Validate.name(job, as: "job")
        return try write { try Store(connection: $0).clearRetentionPolicy(for: job) }
    }

    /// Every job's stored retention policy, by job.
    ///
    /// - Returns: The policies.
    public func retentionPolicies() throws -> [JobRetentionPolicy] {
        try read { try Store(connection: $0).retentionPolicies() }
    }

    // MARK: - Space

    /// Gives the space of pruned rows back: on SQLite the file shrinks.
    ///
    /// SQLite: `VACUUM` rebuilds the file without its free pages (it needs as much free
    /// disk as the ledger's live data, and holds the write lock meanwhile: readers in other
    /// processes go on, writers wait up to the busy timeout), then a truncating WAL
    /// checkpoint writes the rebuilt file back and empties the WAL. PostgreSQL: `VACUUM
    /// (ANALYZE)` of the tables a prune shrinks, so their space is reused by new rows; the
    /// server's autovacuum does the same on its own, and giving the space back to the
    /// operating system (`VACUUM FULL`, which locks the tables) is the operator's choice.
    ///
    /// Related SQLite documentation: <https://www.sqlite.org/lang_vacuum.html>
    ///
    /// - Returns: The ledger's size before and after.
    /// - Throws: ``SQLiteError`` (busy past the timeout, a full disk) or the server's error.
    public func vacuum() throws -> VacuumReport {
        try withConnection { database in
            let store = Store(connection: database)
            let before = try store.ledgerBytes()
            try store.vacuum()
            return VacuumReport(bytesBefore: before, bytesAfter: try store.ledgerBytes())
        }
    }
}
