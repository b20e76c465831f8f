/// The SQL of `Ledger.prune(terminalBefore:archive:actor:)`: attaching the archive, and the
/// steps of a prune inside its transaction.
extension Store {
    /// Attaches the archive ledger at `path` as `archive`. ATTACH cannot run inside a
    /// transaction: this is called before the prune's own begins.
    func attachArchive(_ path: String) throws {
        try connection.prepare("ATTACH DATABASE ? AS archive").execute(path)
    }

    /// Detaches the archive, if it is attached; a failure leaves it attached until the
    /// connection closes, which harms nothing.
    func detachArchive() {
        _ = try? connection.execute("DETACH DATABASE archive")
    }

    /// Removes whole terminal runs that ended before `cutoff`, copying them to the attached
    /// archive first if there is one, and records the prune.
    func prune(terminalBefore cutoff: Timestamp, archive: String?, actor: String?) throws -> PruneReport {
        try Pruner(connection: connection, cutoff: cutoff, archive: archive, actor: actor).run()
    }

    /// The runs a prune at `cutoff` would remove, by key and id, in the order recorded.
    func prunable(before cutoff: Timestamp) throws -> [(num: Int64, id: String)] {
        try Pruner(connection: connection, cutoff: cutoff, archive: nil, actor: nil).prunable().runs
    }

    /// Removes these runs, which a prune at `cutoff` would remove and which were copied to
    /// `archive` first (on a server, whose archive file cannot be attached), and records the
    /// prune. A run in the list that a prune would no longer remove stays.
    func prune(
        _ runs: [(num: Int64, id: String)], terminalBefore cutoff: Timestamp, archive: String, actor: String?
    ) throws -> PruneReport {
        try Pruner(connection: connection, cutoff: cutoff, archive: archive, actor: actor).run(
            only: Set(runs.map(\.num)))
    }
}

/// The steps of a prune, inside its transaction.
private struct Pruner {
    let connection: Database
    let cutoff: Timestamp
    let archive: String?
    let actor: String?

    /// Terminal runs that ended before `?1`, each with whether it must stay: a run that stays
    /// (active, or ended at or after the cutoff) keeps every run linked to it, as parent,
    /// child, upstream or dependant, and so on.
    static let prunableSQLite = """
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
        """

    /// The same on PostgreSQL, whose recursive query takes one recursive reference: the links
    /// of both kinds, both ways, joined once.
    static let prunablePostgres = """
        WITH RECURSIVE links (id, other) AS (
            SELECT id, parent_id FROM runs WHERE parent_id IS NOT NULL
            UNION ALL SELECT parent_id, id FROM runs WHERE parent_id IS NOT NULL
            UNION ALL SELECT run_id, upstream_id FROM run_dependencies
            UNION ALL SELECT upstream_id, run_id FROM run_dependencies
        ), keep (id) AS (
            SELECT id FROM runs WHERE ended_at IS NULL OR ended_at >= ?1
            UNION
            SELECT l.other FROM keep JOIN links AS l ON l.id = keep.id
        )
        SELECT num, id, id IN (SELECT id FROM keep) FROM runs WHERE ended_at < ?1 ORDER BY num
        """

    /// Terminal runs that ended before the cutoff, less every run linked to one that stays;
    /// and how many were kept.
    func prunable() throws -> (runs: [(num: Int64, id: String)], kept: Int) {
        let runs = try connection.prepare(
            connection.engine == .sqlite ? Self.prunableSQLite : Self.prunablePostgres
        ).fetchAll(cutoff.rawValue) { row in
            (num: row.int64(at: 0), id: row.string(at: 1), keep: row.int64(at: 2) != 0)
        }
        let prunable = runs.filter { !$0.keep }.map { (num: $0.num, id: $0.id) }
        return (prunable, runs.count - prunable.count)
    }

    /// Prunes: copies to the attached archive (SQLite), records the prune, deletes. With
    /// `only`, removes only those of the prunable runs (already copied to an archive).
    func run(only: Set<Int64>? = nil) throws -> PruneReport {
        var (prunable, kept) = try prunable()
        if let only {
            kept += prunable.count(where: { !only.contains($0.num) })
            prunable = prunable.filter { only.contains($0.num) }
        } else if archive != nil {
            for run in prunable { try copyToArchive(run) }
        }
        let changes = try historyRows(of: prunable)
        try connection.prepare(
            "INSERT INTO prunes (before_at, at, actor, archive, runs, changes) VALUES (?, ?, ?, ?, ?, ?)"
        ).execute(cutoff.rawValue, Timestamp.now.rawValue, actor, archive, prunable.count, changes)
        // What is removed is sealed first, and what stays sealed again after (Store+Seals).
        let sealed = prunable.isEmpty ? nil : try Store(connection: connection).sealBeforePrune(actor: actor)
        // Children and dependants before the runs they name.
        let delete = try connection.prepare("DELETE FROM runs WHERE num = ?")
        for run in prunable.reversed() { try delete.execute(run.num) }
        if let sealed { try Store(connection: connection).sealAfterPrune(sealed, actor: actor) }
        return PruneReport(runs: prunable.count, changes: changes, kept: kept, archive: archive)
    }

    /// How many history rows these runs have.
    private func historyRows(of runs: [(num: Int64, id: String)]) throws -> Int {
        guard !runs.isEmpty else { return 0 }
        let nums = runs.map { String($0.num) }.joined(separator: ",")
        let sql =
            connection.engine == .sqlite
            ? "SELECT count(*) FROM state_changes WHERE run_num IN (SELECT value FROM json_each(?))"
            : "SELECT count(*) FROM state_changes WHERE run_num = ANY (CAST(? AS bigint[]))"
        let list = connection.engine == .sqlite ? "[" + nums + "]" : "{" + nums + "}"
        return try connection.prepare(sql).fetchOne(list) { Int($0.int64(at: 0)) } ?? 0
    }

    /// Copies one run into the attached archive ledger, unless it is there already: the run
    /// in its first state, then its other changes in order, then its dependencies and
    /// annotations. The archive's own triggers check every row.
    private func copyToArchive(_ run: (num: Int64, id: String)) throws {
        let copied = try connection.cached("SELECT 1 FROM archive.runs WHERE id = ?").fetchOne(run.id) { _ in true }
        if copied != nil { return }
        try connection.cached(
            """
            INSERT INTO archive.runs (id, job, lifecycle, state, created_at, created_by, created_reason, attempt,
                                      parent_id, max_retries, scheduled_at, meta)
            SELECT r.id, r.job, r.lifecycle, f.to_state, r.created_at, r.created_by, r.created_reason, r.attempt,
                   r.parent_id, r.max_retries, r.scheduled_at, r.meta
            FROM main.runs AS r
            JOIN main.state_changes AS f ON f.seq = (SELECT min(seq) FROM main.state_changes WHERE run_num = r.num)
            WHERE r.num = ?
            """
        ).execute(run.num)
        try connection.cached(
            """
            INSERT INTO archive.state_changes (run_num, from_state, to_state, at, action, actor, reason, meta, outcome,
                                               request_key)
            SELECT (SELECT num FROM archive.runs WHERE id = ?2), from_state, to_state, at, action, actor, reason, meta,
                   outcome, request_key
            FROM main.state_changes WHERE run_num = ?1 AND from_state IS NOT NULL ORDER BY seq
            """
        ).execute(run.num, run.id)
        try connection.cached(
            """
            INSERT INTO archive.run_dependencies (run_id, upstream_id)
            SELECT run_id, upstream_id FROM main.run_dependencies WHERE run_id = ?
            """
        ).execute(run.id)
        try connection.cached(
            """
            INSERT INTO archive.run_annotations (run_id, at, kind, actor, reason, meta)
            SELECT run_id, at, kind, actor, reason, meta FROM main.run_annotations WHERE run_id = ? ORDER BY id
            """
        ).execute(run.id)
        try connection.cached(
            """
            INSERT INTO archive.openlineage_events (received_at, sha256, run_id, event_type, event_time, job, effect,
                                                    note, event)
            SELECT received_at, sha256, run_id, event_type, event_time, job, effect, note, event
            FROM main.openlineage_events WHERE run_id = ? ORDER BY id
            ON CONFLICT (sha256) DO NOTHING
            """
        ).execute(run.id)
    }
}
