/// The SQL of waiting for a run (``Ledger/wait(for:until:timeout:)``): a cheap mark of whether
/// anything was committed since the last look, and where a run's history ends.
extension Store {
    /// What changes when a commit may have changed the file, read outside any transaction.
    struct CommitMark: Equatable, Sendable {
        /// `PRAGMA data_version`: moves when another connection (another process, or another
        /// `Ledger` in this one) commits.
        var dataVersion: Int64
        /// This connection's own changes, which `data_version` does not count.
        var ownChanges: Int64
    }

    /// The commit mark of a SQLite file; nil on a server, which keeps none (poll the run
    /// there).
    ///
    /// Related SQLite documentation: <https://www.sqlite.org/pragma.html#pragma_data_version>
    func commitMark() throws -> CommitMark? {
        guard let sqlite = connection.sqlite else { return nil }
        let version = try connection.cached("PRAGMA data_version").fetchOne { $0.int64(at: 0) } ?? 0
        return CommitMark(dataVersion: version, ownChanges: sqlite.totalChanges)
    }

    /// The `seq` of the run's last change; 0 for a run with none (or no such run).
    func lastSeq(of runID: String) throws -> Int64 {
        try connection.cached(
            """
            SELECT coalesce(max(c.seq), 0) FROM runs AS r JOIN state_changes AS c ON c.run_num = r.num WHERE r.id = ?
            """
        ).fetchOne(runID) { $0.int64(at: 0) } ?? 0
    }
}
