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
        return try withConnection { connection in
            if let archive {
                let attach = try connection.prepare("ATTACH DATABASE ? AS archive")
                attach.bind(archive, at: 1)
                try attach.run()
            }
            defer { if archive != nil { _ = try? connection.execute("DETACH DATABASE archive") } }
            return try connection.transaction(.immediate) {
                try Pruner(connection: connection, cutoff: cutoff, archive: archive, actor: actor).run()
            }
        }
    }
}

/// The steps of a prune, inside its transaction.
private struct Pruner {
    let connection: Connection
    let cutoff: Timestamp
    let archive: String?
    let actor: String?

    func run() throws -> PruneReport {
        // Terminal runs that ended before the cutoff, less every run linked to one that stays.
        let select = try connection.prepare(
            """
            WITH RECURSIVE keep (id) AS (
                SELECT id FROM runs WHERE ended_at IS NULL OR ended_at >= ?1
                UNION
                SELECT r.parent_id FROM runs AS r JOIN keep ON r.id = keep.id WHERE r.parent_id IS NOT NULL
                UNION
                SELECT r.id FROM runs AS r JOIN keep ON r.parent_id = keep.id
                UNION
                SELECT d.upstream_id FROM run_dependencies AS d JOIN keep ON d.run_id = keep.id
                UNION
                SELECT d.run_id FROM run_dependencies AS d JOIN keep ON d.upstream_id = keep.id
            )
            SELECT num, id, id IN (SELECT id FROM keep) FROM runs WHERE ended_at < ?1 ORDER BY num
            """)
        select.bind(cutoff.rawValue, at: 1)
        var prunable: [(num: Int64, id: String)] = []
        var kept = 0
        while try select.step() {
            if select.int64(at: 2) != 0 {
                kept += 1
            } else {
                prunable.append((select.int64(at: 0), select.string(at: 1)))
            }
        }
        if archive != nil {
            for run in prunable { try copyToArchive(run) }
        }
        let changes = try historyRows(of: prunable)
        let record = try connection.prepare(
            "INSERT INTO prunes (before_at, at, actor, archive, runs, changes) VALUES (?, ?, ?, ?, ?, ?)")
        record.bind(cutoff.rawValue, at: 1)
        record.bind(Timestamp.now.rawValue, at: 2)
        record.bind(actor, at: 3)
        record.bind(archive, at: 4)
        record.bind(Int64(prunable.count), at: 5)
        record.bind(Int64(changes), at: 6)
        try record.run()
        // Children and dependants before the runs they name.
        let delete = try connection.prepare("DELETE FROM runs WHERE num = ?")
        for run in prunable.reversed() {
            delete.reset()
            delete.bind(run.num, at: 1)
            try delete.run()
        }
        return PruneReport(runs: prunable.count, changes: changes, kept: kept, archive: archive)
    }

    /// How many history rows these runs have.
    private func historyRows(of runs: [(num: Int64, id: String)]) throws -> Int {
        guard !runs.isEmpty else { return 0 }
        let statement = try connection.prepare(
            "SELECT count(*) FROM state_changes WHERE run_num IN (SELECT value FROM json_each(?))")
        statement.bind("[" + runs.map { String($0.num) }.joined(separator: ",") + "]", at: 1)
        return try statement.step() ? Int(statement.int64(at: 0)) : 0
    }

    /// Copies one run into the attached archive ledger, unless it is there already: the run
    /// in its first state, then its other changes in order, then its dependencies and
    /// annotations. The archive's own triggers check every row.
    private func copyToArchive(_ run: (num: Int64, id: String)) throws {
        let exists = try connection.cached("SELECT 1 FROM archive.runs WHERE id = ?")
        defer { exists.reset() }
        exists.bind(run.id, at: 1)
        if try exists.step() { return }
        let runs = try connection.cached(
            """
            INSERT INTO archive.runs (id, job, lifecycle, state, created_at, created_by, created_reason, attempt,
                                      parent_id, max_retries, scheduled_at, meta)
            SELECT r.id, r.job, r.lifecycle, f.to_state, r.created_at, r.created_by, r.created_reason, r.attempt,
                   r.parent_id, r.max_retries, r.scheduled_at, r.meta
            FROM main.runs AS r
            JOIN main.state_changes AS f ON f.seq = (SELECT min(seq) FROM main.state_changes WHERE run_num = r.num)
            WHERE r.num = ?
            """)
        defer { runs.reset() }
        runs.bind(run.num, at: 1)
        try runs.run()
        let changes = try connection.cached(
            """
            INSERT INTO archive.state_changes (run_num, from_state, to_state, at, action, actor, reason, meta, outcome,
                                               request_key)
            SELECT (SELECT num FROM archive.runs WHERE id = ?2), from_state, to_state, at, action, actor, reason, meta,
                   outcome, request_key
            FROM main.state_changes WHERE run_num = ?1 AND from_state IS NOT NULL ORDER BY seq
            """)
        defer { changes.reset() }
        changes.bind(run.num, at: 1)
        changes.bind(run.id, at: 2)
        try changes.run()
        let dependencies = try connection.cached(
            """
            INSERT INTO archive.run_dependencies (run_id, upstream_id)
            SELECT run_id, upstream_id FROM main.run_dependencies WHERE run_id = ?
            """)
        defer { dependencies.reset() }
        dependencies.bind(run.id, at: 1)
        try dependencies.run()
        let annotations = try connection.cached(
            """
            INSERT INTO archive.run_annotations (run_id, at, kind, actor, reason, meta)
            SELECT run_id, at, kind, actor, reason, meta FROM main.run_annotations WHERE run_id = ? ORDER BY id
            """)
        defer { annotations.reset() }
        annotations.bind(run.id, at: 1)
        try annotations.run()
    }
}
