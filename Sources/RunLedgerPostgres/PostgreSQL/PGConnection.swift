internal import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

/// One connection to a PostgreSQL server, through libpq: the only code, with `PGResult`, that
/// calls libpq's C API.
///
/// Synchronous, like the rest of the library: each call blocks until the server answers. One
/// thread at a time (libpq allows a connection to be used by one thread at a time); share it
/// behind a lock. Statements run with their parameters sent apart from the SQL (the extended
/// protocol, text format), so a value is never spliced into SQL.
///
/// Related PostgreSQL documentation: <https://www.postgresql.org/docs/15/libpq.html>
public final class PGConnection {
    private let handle: OpaquePointer
    /// Names of the statements prepared on this connection, by their SQL.
    private var prepared: [String: String] = [:]

    /// Connects with a libpq connection string: a URI (`postgresql://user@host:5432/db`,
    /// `postgres://...`) or `key=value` pairs. The `PG*` environment variables, `.pgpass` and
    /// service files apply as they do for `psql`.
    ///
    /// - Throws: ``PostgresError`` without an SQLSTATE when the server cannot be reached or
    ///   refuses the connection.
    public init(_ connectionString: String) throws(PostgresError) {
        guard let handle = PQconnectdb(connectionString) else {
            throw PostgresError(sqlState: nil, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.message(of: handle)
            PQfinish(handle)
            throw PostgresError(sqlState: nil, message: message)
        }
        self.handle = handle
        // Notices (RAISE NOTICE, "table does not exist, skipping") go nowhere, not to stderr.
        PQsetNoticeReceiver(handle, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// The server's version as an integer (`150018` for 15.18).
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// Whether a transaction is open (or failed and not yet rolled back) on this connection.
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// The notifications (`NOTIFY`) the server has sent for the channels this connection
    /// listens on (`LISTEN`), as channel and payload, oldest first; without waiting: it reads
    /// what the socket already holds and returns at once (empty when nothing came).
    ///
    /// - Throws: ``PostgresError`` without an SQLSTATE when the connection is lost.
    public func notifications() throws(PostgresError) -> [(channel: String, payload: String)] {
        guard PQconsumeInput(handle) == 1 else {
            throw PostgresError(sqlState: nil, message: Self.message(of: handle))
        }
        var received: [(channel: String, payload: String)] = []
        while let notification = PQnotifies(handle) {
            received.append(
                (String(cString: notification.pointee.relname), String(cString: notification.pointee.extra)))
            PQfreemem(notification)
        }
        return received
    }

    /// Runs SQL without parameters; it may hold several statements, separated by semicolons.
    ///
    /// - Throws: ``PostgresError`` with the first failing statement's SQLSTATE.
    public func execute(_ sql: String) throws(PostgresError) {
        PQclear(try check(PQexec(handle, sql), sql: sql))
    }

    /// Runs one statement with parameters (`$1`, `$2`...; nil sends NULL) and returns its rows.
    ///
    /// With `prepare` (the default), the statement is prepared on first use and kept, under a
    /// name of this connection, for the next calls with the same SQL; without, it is sent
    /// with its parameters once (`PQexecParams`), for SQL that runs once. Either way the
    /// text is one statement: the server refuses several.
    ///
    /// - Throws: ``PostgresError`` when the server refuses the statement.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = [], prepare: Bool = true) throws(PostgresError)
        -> PGResult
    {
        let result = try run(sql, parameters, prepare: prepare)
        defer { PQclear(result) }
        return PGResult(result)
    }

    /// Runs one statement as ``query(_:_:prepare:)`` does and returns its result in place,
    /// read cell by cell without a copy (for the ledger's store, whose reads of many rows
    /// would otherwise make a String of every cell).
    func rows(_ sql: String, _ parameters: [String?], prepare: Bool) throws(PostgresError) -> PGRows {
        PGRows(try run(sql, parameters, prepare: prepare))
    }

    /// Runs a statement; the caller clears the result it returns.
    private func run(_ sql: String, _ parameters: [String?], prepare: Bool) throws(PostgresError) -> OpaquePointer {
        let name = prepare ? try preparedName(of: sql, parameterCount: parameters.count) : nil
        let values = parameters.map { $0.flatMap { strdup($0) } }
        defer { for value in values { free(value) } }
        let result = values.map { $0.map { UnsafePointer($0) } }.withUnsafeBufferPointer { pointers in
            if let name {
                PQexecPrepared(handle, name, Int32(pointers.count), pointers.baseAddress, nil, nil, 0)
            } else {
                PQexecParams(handle, sql, Int32(pointers.count), nil, pointers.baseAddress, nil, nil, 0)
            }
        }
        return try check(result, sql: sql)
    }

    /// Runs `body` in a transaction: commits what it did, or rolls it back if it throws.
    ///
    /// - Parameters:
    ///   - mode: What follows `BEGIN`: empty for PostgreSQL's default (`READ COMMITTED`), or
    ///     e.g. `"ISOLATION LEVEL SERIALIZABLE"`, `"READ ONLY"`.
    ///   - body: The work of the transaction.
    /// - Returns: What `body` returned.
    /// - Throws: What `body` threw, after the rollback; ``PostgresError`` when `BEGIN` or
    ///   `COMMIT` fails.
    @discardableResult
    public func transaction<T>(_ mode: String = "", _ body: () throws -> T) throws -> T {
        try execute(mode.isEmpty ? "BEGIN" : "BEGIN \(mode)")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    private func preparedName(of sql: String, parameterCount: Int) throws(PostgresError) -> String {
        if let name = prepared[sql] { return name }
        let name = "runledger_\(prepared.count + 1)"
        PQclear(try check(PQprepare(handle, name, sql, Int32(parameterCount), nil), sql: sql))
        prepared[sql] = name
        return name
    }

    /// Returns a successful result, for the caller to clear; turns an error into a
    /// ``PostgresError`` (and clears the result).
    private func check(_ result: OpaquePointer?, sql: String) throws(PostgresError) -> OpaquePointer {
        guard let result else {
            throw PostgresError(sqlState: nil, message: Self.message(of: handle), sql: sql)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return result
        default:
            defer { PQclear(result) }
            func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
            throw PostgresError(
                sqlState: field(CLIBPQ_DIAG_SQLSTATE),
                message: field(CLIBPQ_DIAG_MESSAGE_PRIMARY) ?? Self.message(of: handle),
                detail: field(CLIBPQ_DIAG_MESSAGE_DETAIL), hint: field(CLIBPQ_DIAG_MESSAGE_HINT),
                constraint: field(CLIBPQ_DIAG_CONSTRAINT_NAME), sql: sql)
        }
    }

    private static func message(of handle: OpaquePointer) -> String {
        guard let text = PQerrorMessage(handle) else { return "unknown libpq error" }
        var message = String(cString: text)
        while message.last?.isNewline == true { message.removeLast() }
        return message
    }
}

@available(*, unavailable)
extension PGConnection: Sendable {}
