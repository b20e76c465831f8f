/// The SQL of retention beyond the prune itself: pins (`run_pins`), stored policies
/// (`retention_policies`), the sizes a dry run estimates from, and vacuuming.
extension Store {
    // MARK: - Pins

    /// Pins a run (a second pin keeps the first); whether it was not pinned before.
    func pin(_ runID: String, at: Timestamp, actor: String?, reason: String?) throws -> Bool {
        guard try runExists(runID) else { throw LedgerError.noSuchRun(runID: runID) }
        if try pin(of: runID) != nil { return false }
        try connection.cached("INSERT INTO run_pins (run_id, pinned_at, actor, reason) VALUES (?, ?, ?, ?)")
            .execute(runID, at.rawValue, actor, reason)
        return true
    }

    /// Unpins a run; whether it was pinned.
    func unpin(_ runID: String) throws -> Bool {
        guard try pin(of: runID) != nil else {
            if try !runExists(runID) { throw LedgerError.noSuchRun(runID: runID) }
            return false
        }
        try connection.cached("DELETE FROM run_pins WHERE run_id = ?").execute(runID)
        return true
    }

    /// A run's pin, if it has one.
    func pin(of runID: String) throws -> RunPin? {
        try connection.cached("SELECT run_id, pinned_at, actor, reason FROM run_pins WHERE run_id = ?")
            .fetchOne(runID, decode: Self.pin)
    }

    /// Every pin, oldest first.
    func pins() throws -> [RunPin] {
        try connection.cached("SELECT run_id, pinned_at, actor, reason FROM run_pins ORDER BY pinned_at, run_id")
            .fetchAll(decode: Self.pin)
    }

    private static func pin(_ row: Row) -> RunPin {
        RunPin(
            runID: row.string(at: 0), pinnedAt: Timestamp(rawValue: row.int64(at: 1)),
            actor: row.optionalString(at: 2), reason: row.optionalString(at: 3))
    }

    // MARK: - Policies

    /// Stores a job's policy, replacing the one it had.
    func setRetentionPolicy(_ policy: RetentionPolicy, for job: String, at: Timestamp, actor: String?) throws {
        var ages = policy.maxAge.map { ($0.key.rawValue, $0.value) }.sorted { $0.0 < $1.0 }
        if let otherwise = policy.otherwise { ages.append(("*", otherwise)) }
        let json = "{" + ages.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
        try connection.cached(
            """
            INSERT INTO retention_policies (job, max_age_seconds, keep_last, set_at, actor) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (job) DO UPDATE SET max_age_seconds = excluded.max_age_seconds,
                keep_last = excluded.keep_last, set_at = excluded.set_at, actor = excluded.actor
            """
        ).execute(job, json, policy.keepLast, at.rawValue, actor)
    }

    /// Removes a job's policy; whether it had one.
    func clearRetentionPolicy(for job: String) throws -> Bool {
        let had = try connection.cached("SELECT 1 FROM retention_policies WHERE job = ?").fetchOne(job) { _ in true }
        try connection.cached("DELETE FROM retention_policies WHERE job = ?").execute(job)
        return had != nil
    }

    /// Every stored policy, by job.
    func retentionPolicies() throws -> [JobRetentionPolicy] {
        var policies = try connection.cached(
            "SELECT job, keep_last, set_at, actor FROM retention_policies ORDER BY job"
        ).fetchAll { row in
            JobRetentionPolicy(
                job: row.string(at: 0),
                policy: RetentionPolicy(keepLast: row.optionalInt64(at: 1).map { Int($0) }),
                setAt: Timestamp(rawValue: row.int64(at: 2)), actor: row.optionalString(at: 3))
        }
        let ages =
            connection.engine == .sqlite
            ? "SELECT p.job, e.key, e.value FROM retention_policies AS p, json_each(p.max_age_seconds) AS e"
            : """
            SELECT p.job, e.key, CAST(e.value AS bigint)
            FROM retention_policies AS p, jsonb_each_text(CAST(p.max_age_seconds AS jsonb)) AS e
            """
        let index = Dictionary(uniqueKeysWithValues: policies.enumerated().map { ($0.element.job, $0.offset) })
        try connection.cached(ages).forEachRow { row in
            guard let at = index[row.string(at: 0)] else { return }
            let key = row.string(at: 1)
            let seconds = Int(row.int64(at: 2))
            if key == "*" {
                policies[at].policy.otherwise = seconds
            } else if let type = CanonicalType(rawValue: key) {
                policies[at].policy.maxAge[type] = seconds
            }
        }
        return policies
    }

    // MARK: - Sizes

    /// The bytes each of `tables` takes with its indexes, and how they were read: SQLite's
    /// `dbstat` table (when the library has it), else only the file's used pages (under
    /// `*`: page size times pages not on the freelist, as `pages`); PostgreSQL's
    /// `pg_total_relation_size`.
    func tableSizes(_ tables: [String]) throws -> (bytes: [String: Int64], method: String) {
        if connection.engine != .sqlite {
            var bytes: [String: Int64] = [:]
            for table in tables {
                bytes[table] = try connection.prepare("SELECT pg_total_relation_size(CAST(? AS regclass))")
                    .fetchOne(table) { $0.int64(at: 0) }
            }
            return (bytes, "pg_total_relation_size")
        }
        do {
            var bytes: [String: Int64] = [:]
            try connection.prepare(
                """
                SELECT s.tbl_name, sum(d.pgsize) FROM dbstat AS d JOIN sqlite_schema AS s ON s.name = d.name
                WHERE d.schema = 'main' AND s.type IN ('table', 'index') GROUP BY s.tbl_name
                """
            ).forEachRow { bytes[$0.string(at: 0)] = $0.int64(at: 1) }
            return (bytes, "dbstat")
        } catch let error as SQLiteError where error.code == .error {
            // "no such table: dbstat": SQLite built without SQLITE_ENABLE_DBSTAT_VTAB.
            return (["*": try usedBytes()], "pages")
        }
    }

    /// The bytes of the file's pages not on its freelist.
    private func usedBytes() throws -> Int64 {
        let pages = try connection.prepare("PRAGMA page_count").fetchOne { $0.int64(at: 0) } ?? 0
        let free = try connection.prepare("PRAGMA freelist_count").fetchOne { $0.int64(at: 0) } ?? 0
        let size = try connection.prepare("PRAGMA page_size").fetchOne { $0.int64(at: 0) } ?? 0
        return (pages - free) * size
    }

    /// The ledger's size: SQLite's pages times the page size; PostgreSQL's tables of the
    /// ledger's schema with their indexes.
    func ledgerBytes() throws -> Int64 {
        if connection.engine == .sqlite {
            let pages = try connection.prepare("PRAGMA page_count").fetchOne { $0.int64(at: 0) } ?? 0
            let size = try connection.prepare("PRAGMA page_size").fetchOne { $0.int64(at: 0) } ?? 0
            return pages * size
        }
        return try connection.prepare(
            """
            SELECT CAST(coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bigint) FROM pg_class AS c
            WHERE c.relnamespace = CAST(current_schema() AS regnamespace) AND c.relkind = 'r'
            """
        ).fetchOne { $0.int64(at: 0) } ?? 0
    }

    /// Gives the space of removed rows back, outside any transaction: SQLite `VACUUM`
    /// (rebuilds the file without its free pages), then a truncating checkpoint (in WAL mode
    /// the file shrinks only when the checkpoint writes the rebuilt pages back, and the WAL is
    /// emptied); PostgreSQL `VACUUM (ANALYZE)` of the tables a prune shrinks, which makes
    /// their dead rows' space reusable (giving it back to the operating system is
    /// `VACUUM FULL`, which locks the tables: left to the operator).
    func vacuum() throws {
        if connection.engine == .sqlite {
            try connection.execute("VACUUM")
            try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        } else {
            try connection.execute(
                "VACUUM (ANALYZE) runs, state_changes, run_dependencies, run_annotations, openlineage_events, "
                    + "stats_run_durations, stats_state_durations")
        }
    }
}
