/// What a prune removed.
public struct PruneReport: Sendable, Hashable {
    /// Runs removed, with their history.
    public var runs: Int
    /// History rows removed with them.
    public var changes: Int
    /// Terminal runs old enough that stay, because a run that stays names them (as parent
    /// or upstream) or is named by them.
    public var kept: Int
    /// The ledger file they were copied to first, if any.
    public var archive: String?
}

extension Ledger {
    /// Removes whole terminal runs that ended before `cutoff`, with their history: the one
    /// sanctioned way rows leave a ledger.
    ///
    /// A run stays while a run that stays is linked to it (as parent, child, upstream or
    /// dependant), so no chain or dependency is cut. With `archive`, the runs are first
    /// copied, with their history, dependencies and annotations, into that ledger file
    /// (created if missing), where `history` can read them; a run already there is not
    /// copied twice, so an interrupted prune can be run again. The prune is recorded in the
    /// `prunes` table, whose latest cutoff is what lets the triggers delete terminal runs;
    /// a partial delete (one history row, an active run) stays refused.
    ///
    /// ```swift
    /// let report = try ledger.prune(terminalBefore: .now.adding(seconds: -90 * 86_400), archive: "2026-q3.db")
    /// ```
    ///
    /// - Returns: What was removed, and kept.
    /// - Throws: ``LedgerError`` or ``SQLiteError`` if the archive cannot be written; then
    ///   nothing is removed.
    public func prune(terminalBefore cutoff: Timestamp, archive: String? = nil, actor: String? = nil) throws
        -> PruneReport
    {
        let actor = actor ?? configuration.actor
        try Validate.text(actor, as: "actor", limit: Validate.actorLimit)
        if let archive {
            guard archive != path else {
                throw LedgerError.invalidArgument(name: "archive", reason: "it is the ledger itself")
            }
            _ = try Ledger(path: archive, configuration: Configuration(durability: configuration.durability))
        }
        if engine != .sqlite, let archive { return try pruneToArchive(cutoff, archive: archive, actor: actor) }
        // ATTACH cannot run inside a transaction: the prune attaches, then begins its own.
        return try withConnection { connection in
            let store = Store(connection: connection)
            if let archive { try store.attachArchive(archive) }
            defer { if archive != nil { store.detachArchive() } }
            return try connection.transaction(.write) {
                try store.prune(terminalBefore: cutoff, archive: archive, actor: actor)
            }
        }
    }

    /// A prune with an archive on a server, which cannot attach a SQLite file: the runs are
    /// copied into the archive first (each committed there, through the archive's rules, as
    /// ``copy(to:batchSize:)`` copies), then removed here in one transaction. Interrupted
    /// between the two, the archive holds runs still here, which the next prune finds
    /// already copied.
    private func pruneToArchive(_ cutoff: Timestamp, archive: String, actor: String?) throws -> PruneReport {
        let archiveLedger = try Ledger(
            path: archive, configuration: Configuration(durability: configuration.durability))
        let runs = try read { try Store(connection: $0).prunable(before: cutoff) }
        for chunk in stride(from: 0, to: runs.count, by: 500).map({ runs[$0..<min($0 + 500, runs.count)] }) {
            let records = try read { database in
                let store = Store(connection: database)
                return try chunk.compactMap { try store.runRecord(num: $0.num) }
            }
            _ = try archiveLedger.receive(records)
        }
        return try write {
            try Store(connection: $0).prune(runs, terminalBefore: cutoff, archive: archive, actor: actor)
        }
    }
}
