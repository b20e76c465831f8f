extension Ledger {
    /// Removes whole terminal runs that ended before `cutoff`, with their history: the one
    /// sanctioned way rows leave a ledger.
    ///
    /// A run stays while a run that stays is linked to it (as parent, child, upstream or
    /// dependant), so no chain or dependency is cut; a job's newest run, the run holding the
    /// newest history row (so that `seq` only grows) and a pinned run
    /// (``pin(_:reason:actor:)``) stay too. With `archive`, the runs are first
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
        try prune(PruneOptions(terminalBefore: cutoff, archive: archive), actor: actor)
    }

    /// Removes whole terminal runs by job, by age per canonical type, beyond a count kept per
    /// job, or by each job's stored policy; or, with `dryRun`, counts what would go.
    ///
    /// Which runs go: see ``PruneOptions``. Whatever the options, a job's newest run, a
    /// pinned run and a run linked to a run that stays are kept; the triggers refuse to
    /// delete the first two whichever client tries. The runs go whole, with their history,
    /// dependencies, annotations and received events, in one transaction, after being
    /// copied to ``PruneOptions/archive`` if set (as ``prune(terminalBefore:archive:actor:)``
    /// does). A dry run changes nothing and counts exactly what the same prune, run now,
    /// removes, with an estimate of their bytes.
    ///
    /// ```swift
    /// var options = PruneOptions()
    /// options.retention = RetentionPolicy(maxAge: [.failed: 90 * 86_400, .completed: 7 * 86_400])
    /// let preview = try ledger.prune(options, dryRun: true)
    /// print(preview.runs, preview.changes, preview.bytes)
    /// ```
    ///
    /// - Parameters:
    ///   - options: What to prune.
    ///   - dryRun: Count, remove nothing.
    ///   - actor: Who prunes (recorded in `prunes`).
    /// - Returns: What was (or would be) removed, and kept.
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` for options that say nothing or
    ///   contradict each other, a bad job name, a negative age or count;
    ///   ``LedgerError`` or ``SQLiteError`` if the archive cannot be written (then nothing is
    ///   removed).
    public func prune(_ options: PruneOptions, dryRun: Bool = false, actor: String? = nil) throws -> PruneReport {
        try options.validate()
        let actor = actor ?? configuration.actor
        try Validate.text(actor, as: "actor", limit: Validate.actorLimit)
        if dryRun {
            return try read { try Store(connection: $0).prunePreview(options) }
        }
        let archive = options.archive
        if let archive {
            guard archive != path else {
                throw LedgerError.invalidArgument(name: "archive", reason: "it is the ledger itself")
            }
            _ = try Ledger(path: archive, configuration: Configuration(durability: configuration.durability))
        }
        if engine != .sqlite, let archive { return try pruneToArchive(options, archive: archive, actor: actor) }
        // ATTACH cannot run inside a transaction: the prune attaches, then begins its own.
        return try withConnection { connection in
            let store = Store(connection: connection)
            if let archive { try store.attachArchive(archive) }
            defer { if archive != nil { store.detachArchive() } }
            return try connection.transaction(.write) {
                try store.prune(options, actor: actor)
            }
        }
    }

    /// A prune with an archive on a server, which cannot attach a SQLite file: the runs are
    /// copied into the archive first (each committed there, through the archive's rules, as
    /// ``copy(to:batchSize:)`` copies), then removed here in one transaction. Interrupted
    /// between the two, the archive holds runs still here, which the next prune finds
    /// already copied.
    private func pruneToArchive(_ options: PruneOptions, archive: String, actor: String?) throws -> PruneReport {
        let archiveLedger = try Ledger(
            path: archive, configuration: Configuration(durability: configuration.durability))
        let runs = try read { try Store(connection: $0).prunable(options) }
        for chunk in stride(from: 0, to: runs.count, by: 500).map({ runs[$0..<min($0 + 500, runs.count)] }) {
            let records = try read { database in
                let store = Store(connection: database)
                return try chunk.compactMap { try store.runRecord(num: $0.num) }
            }
            _ = try archiveLedger.receive(records)
        }
        return try write {
            try Store(connection: $0).prune(runs, options, actor: actor)
        }
    }
}
