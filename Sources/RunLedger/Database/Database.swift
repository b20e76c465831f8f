/// The connection a ``Store`` works through: a SQLite file's (`SQLite/`, the library's own
/// engine) or a server's, through ``RemoteConnection`` (PostgreSQL, in the RunLedgerPostgres
/// target, so that a program using only SQLite links no PostgreSQL client).
///
/// It offers what the store needs and nothing engine-specific: statements (``Query``) that
/// take their arguments by position, transactions, and a savepoint around each write of a
/// batch. The SQL the store writes is the same on both engines where the engines agree, and
/// chosen by ``engine`` where they do not.
final class Database {
    /// How a transaction takes its locks.
    enum TransactionKind {
        /// For reads: one consistent snapshot (SQLite `BEGIN DEFERRED`; PostgreSQL
        /// `REPEATABLE READ, READ ONLY`).
        case read
        /// For writes (SQLite `BEGIN IMMEDIATE`: the write lock at once; PostgreSQL `READ
        /// COMMITTED`, where the rules lock the rows they check).
        case write
    }

    private enum Storage {
        case sqlite(Connection)
        case remote(any RemoteConnection)
    }

    private let storage: Storage
    /// The engine behind the connection.
    let engine: Ledger.Engine
    /// What a remote statement returned last: the first column of its first row (an
    /// `INSERT … RETURNING` key) and the number of rows it changed.
    fileprivate(set) var lastReturned: (key: Int64, changes: Int64) = (0, 0)

    init(sqlite connection: Connection) {
        storage = .sqlite(connection)
        engine = .sqlite
    }

    init(remote connection: any RemoteConnection) {
        storage = .remote(connection)
        engine = connection.engine
    }

    /// The SQLite connection, when the ledger is a file.
    var sqlite: Connection? {
        if case .sqlite(let connection) = storage { return connection }
        return nil
    }

    /// Where the ledger is: the file's path, or the server's URI without its password.
    var location: String {
        switch storage {
        case .sqlite(let connection): connection.path
        case .remote(let connection): connection.location
        }
    }

    // MARK: - Statements

    /// The statement for `sql`, prepared once per connection (library SQL only: the cache
    /// grows with each distinct text).
    func cached(_ sql: String) throws -> Query {
        switch storage {
        case .sqlite(let connection): Query(target: .sqlite(try connection.cached(sql)))
        case .remote(let connection): Query(target: .remote(connection, sql, self))
        }
    }

    /// A statement prepared for one use (SQLite; a server prepares nothing for it).
    func prepare(_ sql: String) throws -> Query {
        switch storage {
        case .sqlite(let connection): Query(target: .sqlite(try connection.prepare(sql)))
        case .remote(let connection): Query(target: .remote(connection, sql, self, oneOff: true))
        }
    }

    /// Runs statements that take no arguments and whose rows are not needed.
    func execute(_ sql: String) throws {
        switch storage {
        case .sqlite(let connection): try connection.execute(sql)
        case .remote(let connection): try connection.execute(script: sql)
        }
    }

    /// `sql` with a `RETURNING` clause for the key `column` where the engine needs one to
    /// report it: read it with ``lastInsertRowID`` after running the statement.
    func returning(_ sql: String, _ column: String) -> String {
        engine == .sqlite ? sql : sql + " RETURNING " + column
    }

    /// The key of the row the last INSERT made (SQLite's rowid; on a server, what its
    /// `RETURNING` clause returned, see ``returning(_:_:)``).
    var lastInsertRowID: Int64 {
        switch storage {
        case .sqlite(let connection): connection.lastInsertRowID
        case .remote: lastReturned.key
        }
    }

    /// The number of rows the last statement changed.
    var changes: Int64 {
        switch storage {
        case .sqlite(let connection): connection.changes
        case .remote: lastReturned.changes
        }
    }

    /// Runs a caller's own query on a server (``Ledger/query(_:)``, which vets it first), not
    /// prepared for another use, in the transaction the caller holds.
    func remoteQuery(_ sql: String) throws -> RemoteRows {
        guard case .remote(let connection) = storage else { preconditionFailure("a SQLite ledger's query") }
        return try run(connection, sql, [], oneOff: true)
    }

    /// What a server's engine finds wrong with the ledger's schema: rules missing, disabled
    /// or altered (SQLite's file is compared with a fresh one by `verify` itself).
    // MARK: - Others' commits

    /// What `othersCommitted()` last saw: SQLite's `data_version`.
    private var seenDataVersion: Int64?

    /// Starts watching other connections' commits of history rows (on a server, listens on
    /// the ledger's channel, which its history trigger notifies); call outside a transaction.
    func watchCommits() throws {
        switch storage {
        case .sqlite(let connection): seenDataVersion = try connection.dataVersion()
        case .remote(let connection): try connection.execute(script: "LISTEN runledger_changes")
        }
    }

    /// Whether another connection may have committed history since the last call (or since
    /// `watchCommits()`), cheaply: SQLite's `PRAGMA data_version` (it changes when another
    /// connection commits to the file: no read of the file), or the notifications the server
    /// sent for this ledger's schema (no round trip). It may answer true when nothing new
    /// is there for the caller; never false when something is.
    func othersCommitted() throws -> Bool {
        switch storage {
        case .sqlite(let connection):
            let version = try connection.dataVersion()
            defer { seenDataVersion = version }
            return version != seenDataVersion
        case .remote(let connection):
            return !(try connection.notifications()).isEmpty
        }
    }

    /// A new connection to the same ledger as this remote one.
    func remoteConnectAgain() throws -> sending any RemoteConnection {
        guard case .remote(let connection) = storage else { preconditionFailure("a SQLite ledger's reconnect") }
        return try connection.connectAgain()
    }

    func remoteSchemaProblems() throws -> [String] {
        guard case .remote(let connection) = storage else { return [] }
        return try connection.schemaProblems()
    }

    // MARK: - Transactions

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws and
    /// rethrows its error.
    func transaction<T>(_ kind: TransactionKind, _ body: () throws -> T) throws -> T {
        switch storage {
        case .sqlite(let connection):
            return try connection.transaction(kind == .write ? .immediate : .deferred, body)
        case .remote(let connection):
            try connection.execute(
                script: kind == .write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let result: T
            do {
                result = try body()
                try connection.execute(script: "COMMIT")
            } catch {
                try? connection.execute(script: "ROLLBACK")
                throw error
            }
            return result
        }
    }

    /// Runs one write of a batch so that, refused, it leaves nothing behind and the batch can
    /// go on. SQLite undoes a failed statement by itself and keeps the transaction, so a
    /// write of one statement needs nothing there, and one of several statements
    /// (`statements: .several`) a savepoint; PostgreSQL aborts the whole transaction on any
    /// error, so there every write is a savepoint.
    func atomically<T>(_ statements: WriteStatements = .one, _ body: () throws -> T) throws -> T {
        let savepoint: (String) throws -> Void
        switch storage {
        case .sqlite(let connection):
            guard statements == .several else { return try body() }
            savepoint = { try connection.cached($0).run() }
        case .remote(let connection):
            savepoint = { try connection.execute(script: $0) }
        }
        try savepoint("SAVEPOINT runledger_write")
        let result: T
        do {
            result = try body()
        } catch {
            try? savepoint("ROLLBACK TO SAVEPOINT runledger_write")
            try? savepoint("RELEASE SAVEPOINT runledger_write")
            throw error
        }
        try savepoint("RELEASE SAVEPOINT runledger_write")
        return result
    }

    /// How many statements a write of a batch makes.
    enum WriteStatements {
        case one, several
    }

    /// Runs a remote statement and keeps what ``lastInsertRowID`` and ``changes`` report.
    fileprivate func run(
        _ connection: any RemoteConnection, _ sql: String, _ arguments: [SQLValue], oneOff: Bool
    ) throws -> RemoteRows {
        let result = try connection.query(sql, arguments, prepare: !oneOff)
        lastReturned = (result.first { $0.columnCount > 0 ? $0.int64(at: 0) : 0 } ?? 0, result.affectedRows)
        return result
    }
}

@available(*, unavailable)
extension Database: Sendable {}

/// A connection to a database server holding a ledger: what an engine outside this target
/// (PostgreSQL, in RunLedgerPostgres) implements so that the library's ``Store`` can use it.
package protocol RemoteConnection: AnyObject {
    /// The server's engine.
    var engine: Ledger.Engine { get }
    /// Where the ledger is, for messages: a URI without its password.
    var location: String { get }
    /// Runs one statement with arguments bound by position (`?` or `?N` in the SQL) and
    /// returns its rows as text. With `prepare`, the server keeps the statement for the next
    /// call with the same text.
    func query(_ sql: String, _ arguments: [SQLValue], prepare: Bool) throws -> RemoteRows
    /// Runs statements that take no arguments.
    func execute(script: String) throws
    /// What is wrong with the ledger's schema: rules missing, disabled or altered, each
    /// described in a sentence. Runs inside the caller's read transaction.
    func schemaProblems() throws -> [String]
    /// A new connection to the same ledger, made as this one was (a feed's subscriber reads
    /// and listens on a connection of its own).
    func connectAgain() throws -> sending any RemoteConnection
    /// The payloads of the notifications received on the channels this connection listens
    /// on, without waiting (empty when none came).
    func notifications() throws -> [String]
}

/// The cells of a remote statement's result, read where the engine keeps them, as text.
package protocol RemoteCells: AnyObject {
    /// Whether the cell is NULL.
    func isNull(row: Int, column: Int) -> Bool
    /// The cell's text as UTF-8 bytes (empty for NULL), valid while the cells are.
    func bytes(row: Int, column: Int) -> UnsafeBufferPointer<UInt8>
}

/// The rows a remote statement returned, and how many rows it changed.
package struct RemoteRows {
    /// What a column's text stands for.
    package enum Kind: Sendable {
        case integer, real, text
    }

    package var columns: [String]
    /// One per column.
    package var kinds: [Kind]
    package var rowCount: Int
    package var cells: any RemoteCells
    package var affectedRows: Int64

    package init(columns: [String], kinds: [Kind], rowCount: Int, cells: any RemoteCells, affectedRows: Int64) {
        self.columns = columns
        self.kinds = kinds
        self.rowCount = rowCount
        self.cells = cells
        self.affectedRows = affectedRows
    }

    /// Row `index`, as the statement helpers hand rows to their closures.
    func row(_ index: Int) -> Row { Row(cells: cells, row: index, columnCount: Int32(columns.count)) }

    /// Every row through `decode`, in order.
    func map<Value>(_ decode: (Row) -> Value) -> [Value] { (0..<rowCount).map { decode(row($0)) } }

    /// The first row through `decode`, if there is one.
    func first<Value>(_ decode: (Row) -> Value) -> Value? { rowCount > 0 ? decode(row(0)) : nil }
}

/// An error of an engine that carries a rule's refusal: SQLite's trigger error, PostgreSQL's
/// SQLSTATE RL000. The message is `runledger:<tag>: <sentence>` on both.
package protocol EngineError: Error {
    /// The rule's message, when the error is a refusal by one of the ledger's rules.
    var refusalMessage: String? { get }
    /// Whether a CHECK of JSON metadata failed.
    var isInvalidJSON: Bool { get }
    /// Whether retrying the whole transaction may succeed (a serialization failure or a
    /// deadlock on a server).
    var isTransient: Bool { get }
    /// The engine's message when the error is the statement's own fault (bad SQL, a bad
    /// argument to a function), for ``Ledger/query(_:)``.
    var invalidQueryMessage: String? { get }
    /// What was refused, when a read-only transaction refused a write.
    var readOnlyRefusal: String? { get }
}

extension SQLiteError: EngineError {
    package var refusalMessage: String? {
        extendedCode == .constraintTrigger && message.hasPrefix("runledger:") ? message : nil
    }
    package var isInvalidJSON: Bool { extendedCode == .constraintCheck && message.contains("json_valid") }
    package var isTransient: Bool { false }
    package var invalidQueryMessage: String? { code == .error ? message : nil }
    package var readOnlyRefusal: String? { code == .readOnly ? message : nil }
}

// MARK: - Running remote statements

extension Query {
    /// Runs the statement on its server; the rows as text.
    func runRemote(_ arguments: [SQLValue]) throws -> RemoteRows {
        guard case .remote(let connection, let sql, let database, let oneOff) = target else {
            preconditionFailure("a SQLite statement run as a remote one")
        }
        return try database.run(connection, sql, arguments, oneOff: oneOff)
    }
}
