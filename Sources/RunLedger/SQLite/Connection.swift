internal import CSQLite

/// An open SQLite database connection: the one owner of an `sqlite3` handle.
///
/// Not thread-safe on its own and not `Sendable`: `Ledger` keeps it behind a mutex, so it
/// is opened in SQLite's multi-thread mode (`SQLITE_OPEN_NOMUTEX`) and pays for no second lock.
final class Connection {
    /// How to open the file.
    enum Mode: Equatable {
        /// Read and write; create the file if `create` is true.
        case readWrite(create: Bool)
        /// Read only. Nothing is created or changed.
        case readOnly
        /// Read only, and the file is taken as unchangeable (`?immutable=1`): no lock and no
        /// WAL index, so a ledger in a folder this process cannot write can still be read.
        case immutable
    }

    /// How a transaction takes its locks.
    enum TransactionKind {
        /// `BEGIN DEFERRED`: for reads. A deferred transaction that later writes can fail with
        /// `SQLITE_BUSY` without waiting, so writes never use it.
        case deferred
        /// `BEGIN IMMEDIATE`: for writes. Takes the write lock at once, waiting through the busy
        /// timeout, so the transaction never fails half-way for want of a lock.
        case immediate
    }

    /// The `sqlite3*`; used only by this folder's extensions of `Connection`.
    let handle: OpaquePointer
    private var statements: [SQLKey: Statement] = [:]
    /// The path the connection was opened with.
    let path: String

    /// Opens (and with `.readWrite(create: true)` creates) the database at `path`.
    ///
    /// The corresponding C function is `sqlite3_open_v2`.
    init(path: String, mode: Mode) throws(SQLiteError) {
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch mode {
        case .readWrite(let create): flags |= SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .immutable: flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
        }
        // > immutable=1: The immutable query parameter is a boolean that signals to SQLite that
        // > the underlying database file is held on read-only media and cannot be modified.
        let name = mode == .immutable ? "file:" + Self.uriEscaped(path) + "?immutable=1" : path
        var database: OpaquePointer?
        let code = sqlite3_open_v2(name, &database, flags, nil)
        guard code == SQLITE_OK, let database else {
            // > Whether or not an error occurs when it is opened, resources associated with the
            // > database connection handle should be released by passing it to sqlite3_close().
            let error = SQLiteError(database: database, code: code, sql: nil)
            sqlite3_close_v2(database)
            throw error
        }
        self.handle = database
        self.path = path
        sqlite3_extended_result_codes(database, 1)
        // Double-quoted string literals are a misfeature: "x" must name a column, never be text.
        _ = csqlite_db_config_int(database, SQLITE_DBCONFIG_DQS_DML, 0)
        _ = csqlite_db_config_int(database, SQLITE_DBCONFIG_DQS_DDL, 0)
    }

    /// A path as the path of a `file:` URI: `%`, `?` and `#` percent-encoded.
    private static func uriEscaped(_ path: String) -> String {
        var escaped = ""
        for character in path {
            switch character {
            case "%": escaped += "%25"
            case "?": escaped += "%3f"
            case "#": escaped += "%23"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    deinit {
        statements.removeAll()  // finalize before closing
        sqlite3_close_v2(handle)
    }

    // MARK: - Settings

    /// Waits up to `milliseconds` for a lock held by another connection before failing with
    /// `SQLITE_BUSY`. The corresponding C function is `sqlite3_busy_timeout`.
    func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    /// Makes the connection enforce foreign keys, which SQLite leaves off by default, per
    /// connection (`PRAGMA foreign_keys = ON`).
    func enableForeignKeys() throws(SQLiteError) {
        try execute("PRAGMA foreign_keys = ON")
    }

    /// How hard a commit works to survive a crash.
    ///
    /// Related SQLite documentation: <https://www.sqlite.org/pragma.html#pragma_synchronous>
    enum Synchronous: String {
        /// Each commit is synced before it returns.
        case full = "FULL"
        /// In WAL mode, only checkpoints are synced.
        case normal = "NORMAL"
    }

    /// Sets this connection's `PRAGMA synchronous`.
    func setSynchronous(_ level: Synchronous) throws(SQLiteError) {
        try execute("PRAGMA synchronous = \(level.rawValue)")
    }

    /// Asks for write-ahead logging (`PRAGMA journal_mode = WAL`, which the file keeps) and
    /// returns the journal mode in force after it: SQLite keeps its old mode, and names it,
    /// where WAL is impossible (an in-memory database). Fails with `SQLITE_BUSY` while another
    /// connection holds a lock the switch needs; the busy handler does not wait in every case.
    func enableWAL() throws(SQLiteError) -> String {
        try prepare("PRAGMA journal_mode = WAL").fetchOne { $0.string(at: 0) } ?? ""
    }

    /// `PRAGMA data_version`: a number that changes when another connection commits a
    /// change to the file (this connection's own commits leave it as it is).
    func dataVersion() throws(SQLiteError) -> Int64 {
        try cached("PRAGMA data_version").fetchOne { $0.int64(at: 0) } ?? 0
    }

    /// Whether the connection is outside any explicit transaction (`sqlite3_get_autocommit`).
    var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

    /// The rowid of the last row inserted by this connection (`sqlite3_last_insert_rowid`).
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last INSERT, UPDATE or DELETE, not counting triggers (`sqlite3_changes64`).
    var changes: Int64 { sqlite3_changes64(handle) }

    /// Rows changed by this connection since it opened, triggers included
    /// (`sqlite3_total_changes64`): it moves with each of the connection's own writes, which
    /// `PRAGMA data_version` does not count.
    var totalChanges: Int64 { sqlite3_total_changes64(handle) }

    // MARK: - Statements

    /// Runs one or more statements that return no rows needed (`sqlite3_exec`).
    func execute(_ sql: String) throws(SQLiteError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw SQLiteError(database: handle, code: code, sql: sql) }
    }

    /// Prepares a statement that the caller owns.
    func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        try Statement(database: handle, sql: sql)
    }

    /// Returns the connection's prepared statement for `sql`, preparing it on first use.
    ///
    /// The statement is reset and its bindings cleared, ready to bind. Only for SQL written
    /// in this library: the cache grows with each distinct text.
    func cached(_ sql: String) throws(SQLiteError) -> Statement {
        let key = SQLKey(sql: sql)
        if let statement = statements[key] {
            statement.reset()
            return statement
        }
        let statement = try Statement(database: handle, sql: sql)
        statements[key] = statement
        return statement
    }

    // MARK: - Transactions

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws and
    /// rethrows its error.
    ///
    /// Related SQLite documentation: <https://www.sqlite.org/lang_transaction.html>
    func transaction<T>(_ kind: TransactionKind, _ body: () throws -> T) throws -> T {
        try cached(kind == .immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED").run()
        let result: T
        do {
            result = try body()
            try cached("COMMIT").run()
        } catch {
            rollback()
            throw error
        }
        return result
    }

    /// Rolls back the open transaction, if there still is one.
    ///
    /// > If certain kinds of errors occur within a transaction, the transaction may or may
    /// > not be rolled back automatically. (SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY, SQLITE_NOMEM)
    /// Hence the autocommit check: a rollback with no transaction would only add an error.
    private func rollback() {
        guard !isAutocommit else { return }
        // A rollback can fail only in ways the caller can do nothing about (its first error
        // is the one that matters); SQLite then rolls back when the connection closes.
        _ = try? cached("ROLLBACK").run()
    }
}

@available(*, unavailable)
extension Connection: Sendable {}

/// The statement cache's key: SQL text, hashed by its length and its last 32 bytes only.
/// Hashing a whole statement's text at every lookup cost more than the rest of the lookup
/// (the ledger's statements run to hundreds of bytes); texts that hash alike are still told
/// apart by comparing them whole, which is quick when they share storage, as the hot
/// statements, built once, do.
private struct SQLKey: Hashable {
    let sql: String

    func hash(into hasher: inout Hasher) {
        let tail = sql.utf8.withContiguousStorageIfAvailable { utf8 in
            var tail: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in utf8.suffix(32) { tail = (tail ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return tail
        }
        hasher.combine(sql.utf8.count)
        if let tail { hasher.combine(tail) } else { hasher.combine(sql) }
    }
}
