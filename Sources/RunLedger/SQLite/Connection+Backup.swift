internal import CSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Connection {
    /// Copies this connection's whole database into `destination`'s, replacing what it held,
    /// in one step: one read transaction on this side (one consistent snapshot), one write
    /// transaction on the other.
    ///
    /// One step (`sqlite3_backup_step(-1)`), not many small ones, because:
    /// > If the source database is modified by […] a different database connection […] between
    /// > calls to sqlite3_backup_step(), then the backup will be restarted by the next call.
    /// So a backup taken in small steps under a steady writer may never finish; one step reads
    /// one snapshot, and in WAL mode a reader does not block writers, so they go on meanwhile
    /// (only checkpoints cannot pass the snapshot until the step ends). `SQLITE_BUSY` and
    /// `SQLITE_LOCKED` (a lock another connection holds for a moment) are retried until
    /// `timeoutMilliseconds` have passed.
    ///
    /// The corresponding C functions are `sqlite3_backup_init`, `sqlite3_backup_step` and
    /// `sqlite3_backup_finish`.
    ///
    /// Related SQLite documentation: <https://www.sqlite.org/backup.html>,
    /// <https://www.sqlite.org/c3ref/backup_finish.html>
    func backup(into destination: Connection, timeoutMilliseconds: Int64) throws(SQLiteError) {
        guard let backup = sqlite3_backup_init(destination.handle, "main", handle, "main") else {
            throw SQLiteError(database: destination.handle, code: sqlite3_errcode(destination.handle), sql: nil)
        }
        let deadline = Timestamp.now.adding(seconds: Double(timeoutMilliseconds) / 1000)
        var code: Int32
        repeat {
            code = sqlite3_backup_step(backup, -1)
            if (code == SQLITE_BUSY || code == SQLITE_LOCKED) && Timestamp.now < deadline {
                usleep(10_000)
                continue
            }
            break
        } while true
        // > The value returned by sqlite3_backup_finish is SQLITE_OK if no errors occurred,
        // > regardless of whether or not sqlite3_backup_step() completed.
        let finished = sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE else { throw SQLiteError(database: destination.handle, code: code, sql: nil) }
        guard finished == SQLITE_OK else { throw SQLiteError(database: destination.handle, code: finished, sql: nil) }
    }

    /// Takes the file's exclusive lock and keeps it until the connection closes
    /// (`PRAGMA locking_mode = EXCLUSIVE`, then an empty `BEGIN EXCLUSIVE` … `COMMIT`), and
    /// returns true; returns false when the busy timeout has passed while another
    /// connection, in any process, has the file open (`SQLITE_BUSY`).
    ///
    /// In WAL mode every connection that has read the file holds a shared lock on it for as
    /// long as it stays open (that is how the last one to close knows it may delete the WAL),
    /// so the exclusive lock is granted only when no other connection has the file open.
    ///
    /// Related SQLite documentation: <https://www.sqlite.org/pragma.html#pragma_locking_mode>
    func lockExclusively() throws(SQLiteError) -> Bool {
        // > In EXCLUSIVE locking mode, the database connection never releases file-locks.
        try execute("PRAGMA locking_mode = EXCLUSIVE")
        let code = sqlite3_exec(handle, "BEGIN EXCLUSIVE", nil, nil, nil)
        if code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED { return false }
        guard code == SQLITE_OK else { throw SQLiteError(database: handle, code: code, sql: "BEGIN EXCLUSIVE") }
        try execute("COMMIT")
        return true
    }

    /// Makes the file a rollback-journal database (`PRAGMA journal_mode = DELETE`): one
    /// self-contained file, with no -wal or -shm beside it, as a backup should be. The next
    /// read-write open of it as a ledger turns WAL on again.
    func useRollbackJournal() throws(SQLiteError) {
        _ = try prepare("PRAGMA journal_mode = DELETE").fetchOne { $0.string(at: 0) }
    }

    /// What `PRAGMA integrity_check` says: `["ok"]` for a sound file.
    func integrityCheck() throws(SQLiteError) -> [String] {
        try prepare("PRAGMA integrity_check").fetchAll { $0.string(at: 0) }
    }

    /// The file's page size, page count and free pages (`PRAGMA page_size`, `page_count`,
    /// `freelist_count`).
    func pageCounts() throws(SQLiteError) -> (pageSize: Int64, pages: Int64, free: Int64) {
        let size = try prepare("PRAGMA page_size").fetchOne { $0.int64(at: 0) } ?? 0
        let pages = try prepare("PRAGMA page_count").fetchOne { $0.int64(at: 0) } ?? 0
        let free = try prepare("PRAGMA freelist_count").fetchOne { $0.int64(at: 0) } ?? 0
        return (size, pages, free)
    }

    /// What a file's `seals` table says of its newest seal.
    enum NewestSeal: Equatable {
        /// No `seals` table (a ledger from before seals), or none with a time column.
        case noTable
        /// The table, with no seal in it yet.
        case none
        /// The newest seal's time.
        case at(Timestamp)
    }

    /// The newest seal's time (`seals.at`, µs), or `.noTable` for a ledger from before seals
    /// (an old file the doctor reads without migrating it).
    func newestSeal() throws(SQLiteError) -> NewestSeal {
        let columns = try prepare("SELECT name FROM pragma_table_info('seals')").fetchAll { $0.string(at: 0) }
        guard columns.contains("at") else { return .noTable }
        let newest = try prepare("SELECT max(at) FROM seals").fetchOne { $0.optionalInt64(at: 0) }
        return (newest ?? nil).map { .at(Timestamp(rawValue: $0)) } ?? .none
    }
}
