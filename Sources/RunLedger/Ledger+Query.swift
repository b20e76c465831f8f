/// The columns and rows a read-only query returned.
public struct QueryResult: Sendable, Hashable {
    /// The result's column names.
    public var columns: [String]
    /// The rows, each with one value per column.
    public var rows: [[SQLValue]]

    /// Makes a result.
    public init(columns: [String], rows: [[SQLValue]]) {
        self.columns = columns
        self.rows = rows
    }
}

extension Ledger {
    /// Runs one SQL statement that only reads, whatever it tries, and returns its rows.
    ///
    /// The statement must read and do nothing else: writes, schema changes, ATTACH, VACUUM,
    /// transaction control, PRAGMA assignments and `load_extension` are refused before
    /// anything runs. Meant for ad-hoc reporting over the public schema.
    ///
    /// ```swift
    /// let result = try ledger.query("SELECT job, count(*) FROM runs GROUP BY job")
    /// ```
    ///
    /// - Throws: ``LedgerError/queryRefused(reason:)`` for anything but one reading
    ///   statement; ``LedgerError/invalidQuery(message:)`` when SQLite cannot compile it.
    public func query(_ sql: String) throws -> QueryResult {
        try read { database in
            guard let connection = database.sqlite else { return try Self.remoteQuery(sql, on: database) }
            let statement: Statement
            do throws(ReadOnlyRefusal) {
                statement = try connection.prepareReadOnly(sql)
            } catch {
                switch error {
                case .empty: throw LedgerError.queryRefused(reason: "it holds no statement")
                case .severalStatements: throw LedgerError.queryRefused(reason: "it holds more than one statement")
                case .writes(let detail):
                    throw LedgerError.queryRefused(reason: "it would change the ledger (\(detail))")
                case .invalid(let message): throw LedgerError.invalidQuery(message: message)
                }
            }
            let count = statement.columnCount
            let columns = (0..<count).map { statement.columnName(at: $0) }
            var rows: [[SQLValue]] = []
            do throws(SQLiteError) {
                while try statement.step() {
                    rows.append((0..<count).map { statement.value(at: $0) })
                }
            } catch {
                // A query can fail as it runs (a bad argument to a function): still the query's fault.
                // (No `where` on this catch: Swift 6.3 crashes compiling one on a typed throw.)
                if error.code == .error { throw LedgerError.invalidQuery(message: error.message) }
                throw error
            }
            return QueryResult(columns: columns, rows: rows)
        }
    }

    /// The SQL from its first word on: leading white space and comments (`-- …`, `/* … */`) dropped.
    private static func withoutLeadingComments(_ sql: String) -> Substring {
        var rest = sql[...]
        while true {
            rest = rest.drop { $0.isWhitespace }
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*"), let end = rest.firstRange(of: "*/") {
                rest = rest[end.upperBound...]
            } else {
                return rest
            }
        }
    }

    /// The first words of PostgreSQL statements that read.
    private static let readingStatements: Set<String> = ["select", "with", "values", "table", "explain", "show"]

    /// The first words of PostgreSQL's other statements: each writes, changes the session
    /// (`SET`, `LISTEN`, `PREPARE`...) or controls the transaction, which a read-only
    /// transaction alone does not always refuse.
    private static let otherStatements: Set<String> = [
        "abort", "alter", "analyze", "begin", "call", "checkpoint", "close", "cluster", "comment", "commit", "copy",
        "create", "deallocate", "declare", "delete", "discard", "do", "drop", "end", "execute", "fetch", "grant",
        "import", "insert", "listen", "load", "lock", "merge", "move", "notify", "prepare", "reassign", "refresh",
        "reindex", "release", "reset", "revoke", "rollback", "savepoint", "security", "set", "start", "truncate",
        "unlisten", "update", "vacuum",
    ]

    /// A query on a server: in the read transaction, which the server keeps READ ONLY (any
    /// write, a sequence's `nextval` included, fails there), of one statement (a server's
    /// prepared statement holds exactly one) that must be a query.
    private static func remoteQuery(_ sql: String, on database: Database) throws -> QueryResult {
        let words = Self.withoutLeadingComments(sql).split(whereSeparator: { $0.isWhitespace || $0 == "(" })
        guard let first = words.first?.lowercased() else {
            throw LedgerError.queryRefused(reason: "it holds no statement")
        }
        guard Self.readingStatements.contains(first) else {
            guard Self.otherStatements.contains(first) else {
                throw LedgerError.invalidQuery(
                    message: "it does not begin with SELECT, WITH, VALUES, TABLE, EXPLAIN or SHOW")
            }
            throw LedgerError.queryRefused(reason: "it would change the ledger (a \(first.uppercased()) statement)")
        }
        let result: RemoteRows
        do {
            result = try database.remoteQuery(sql)
        } catch let error as any EngineError {
            if let refusal = error.readOnlyRefusal {
                throw LedgerError.queryRefused(reason: "it would change the ledger (\(refusal))")
            }
            if let message = error.invalidQueryMessage {
                if message.contains("multiple commands") {
                    throw LedgerError.queryRefused(reason: "it holds more than one statement")
                }
                throw LedgerError.invalidQuery(message: message)
            }
            throw error
        }
        let rows = result.map { row in
            zip(0..<row.columnCount, result.kinds).map { column, kind -> SQLValue in
                guard let value = row.optionalString(at: column) else { return .null }
                switch kind {
                // A boolean reads as 1 or 0, as SQLite's comparisons do.
                case .integer:
                    return Int64(value).map(SQLValue.integer)
                        ?? (value == "t" ? .integer(1) : value == "f" ? .integer(0) : .text(value))
                case .real: return Double(value).map(SQLValue.real) ?? .text(value)
                case .text: return .text(value)
                }
            }
        }
        return QueryResult(columns: result.columns, rows: rows)
    }

    /// The run's changes after `seq`, oldest first: what `history --follow` polls for.
    ///
    /// - Throws: ``LedgerError/noSuchRun(runID:)``.
    public func changes(of runID: String, after seq: Int64) throws -> [StateChange] {
        try read { connection in
            let store = Store(connection: connection)
            guard let changes = try store.history(of: runID, after: seq) else {
                throw LedgerError.noSuchRun(runID: runID)
            }
            return changes
        }
    }
}
