public import RunLedger

extension Ledger {
    /// Opens the ledger in a PostgreSQL database, from a libpq connection URI
    /// (`postgresql://user@host:5432/db`, also `postgres://`) or keyword string, creating its
    /// schema as `configuration.mode` allows.
    ///
    /// The ledger lives in the connection's current schema (its `search_path`, `public` by
    /// default; `?options=-csearch_path%3Dname` in the URI picks another). It offers the
    /// same methods, types and errors as a SQLite ledger: its rules are PostgreSQL triggers
    /// with the same tags (`Migrations/postgres/`), enforced for every client.
    ///
    /// ```swift
    /// let ledger = try Ledger(postgres: "postgresql://scheduler@db.internal/runs")
    /// let run = try ledger.start(job: "nightly-etl", lifecycle: "prefect")
    /// ```
    ///
    /// - Parameters:
    ///   - uri: Where the database is. A password in it is never shown in ``path`` or errors.
    ///   - configuration: `.create` installs the schema into an empty schema; `.readWrite`
    ///     and `.readOnly` need it there. `durability: .normal` turns `synchronous_commit`
    ///     off for this connection (a commit may be lost if the server crashes, never half
    ///     applied). The busy timeout becomes the connection's `lock_timeout`.
    /// - Throws: ``PostgresError`` when the server cannot be reached or refuses;
    ///   ``LedgerError/noSuchLedger(path:)`` when there is no ledger and the mode does not
    ///   create one; ``LedgerError/schemaTooNew(path:version:supported:)`` or
    ///   ``LedgerError/rulesTooNew(path:version:supported:)`` for a ledger from a newer library.
    public convenience init(postgres uri: String, configuration: Configuration = Configuration()) throws {
        let connection = try PostgresLedgerConnection(uri: uri, configuration: configuration)
        self.init(remote: connection, configuration: configuration)
    }

    /// Whether `text` names a PostgreSQL database (a `postgresql://` or `postgres://` URI)
    /// rather than a SQLite file.
    public static func isPostgresURI(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }
}

/// The ledger's PostgreSQL connection, as the library's store uses it: `?` parameters
/// rewritten to `$n` once per statement text, values sent as text, rows read as text with
/// each column's kind.
final class PostgresLedgerConnection: RemoteConnection {
    let connection: PGConnection
    let location: String
    var engine: Ledger.Engine { .postgres }
    /// Statement texts with their placeholders rewritten, by the library's text.
    private var rewritten: [String: String] = [:]

    /// How this connection was made, to make another (`connectAgain()`).
    private let uri: String
    private let configuration: Ledger.Configuration
    /// The ledger's schema: the payload of its history's notifications.
    private var schema: String?

    init(uri: String, configuration: Ledger.Configuration) throws {
        self.uri = uri
        self.configuration = configuration
        location = Self.redacted(uri)
        do {
            connection = try PGConnection(uri)
        } catch {
            throw PostgresError(
                sqlState: error.sqlState, message: "cannot connect to \(location): \(error.message)",
                detail: error.detail)
        }
        let milliseconds =
            configuration.busyTimeout.components.seconds * 1000
            + configuration.busyTimeout.components.attoseconds / 1_000_000_000_000_000
        try connection.execute(
            "SET lock_timeout = \(max(1, milliseconds)); SET synchronous_commit = "
                + (configuration.durability == .full ? "on" : "off")
                + "; SET default_transaction_isolation = 'read committed'")
        try PostgresSchema.open(connection, location: location, mode: configuration.mode)
        // A read-only ledger writes nothing: every transaction of the connection is READ
        // ONLY, so a write fails with SQLSTATE 25006 (as SQLite's SQLITE_READONLY).
        if configuration.mode == .readOnly { try connection.execute("SET default_transaction_read_only = on") }
    }

    func connectAgain() throws -> sending any RemoteConnection {
        try PostgresLedgerConnection(uri: uri, configuration: configuration)
    }

    /// The notifications of this ledger's schema (rules/state_changes.sql's
    /// state_changes_after_insert_notify sends its name), not those of another ledger on the
    /// same database.
    func notifications() throws -> [String] {
        let received = try connection.notifications()
        guard !received.isEmpty else { return [] }
        if schema == nil {
            schema = try connection.query("SELECT current_schema()", prepare: false).scalar
        }
        return received.filter { $0.channel == "runledger_changes" && $0.payload == schema }.map(\.payload)
    }

    func query(_ sql: String, _ arguments: [SQLValue], prepare: Bool) throws -> RemoteRows {
        let text: String
        if let known = rewritten[sql] {
            text = known
        } else {
            text = Self.numberingPlaceholders(sql)
            if prepare { rewritten[sql] = text }
        }
        let result = try connection.rows(text, arguments.map(Self.text(of:)), prepare: prepare)
        return RemoteRows(
            columns: result.columns, kinds: result.types.map(Self.kind(of:)), rowCount: result.rowCount,
            cells: result, affectedRows: Int64(result.affectedRows))
    }

    func execute(script: String) throws {
        try connection.execute(script)
    }

    func schemaProblems() throws -> [String] {
        try PostgresSchema.problems(on: connection)
    }

    /// A value as PostgreSQL's text input reads it.
    private static func text(of value: SQLValue) -> String? {
        switch value {
        case .null: nil
        case .integer(let integer): String(integer)
        case .real(let real): String(real)
        case .text(let text): text
        case .blob(let bytes):
            // bytea's hex input: \x and two digits per byte.
            "\\x" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
    }

    /// What a column of type `oid` holds: int2, int4, int8, oid → integer; float4, float8,
    /// numeric → real; booleans read as integers (1, 0) as SQLite clients see flags.
    private static func kind(of oid: UInt32) -> RemoteRows.Kind {
        switch oid {
        case 16, 20, 21, 23, 26: .integer
        case 700, 701, 1700: .real
        default: .text
        }
    }

    /// `sql` with SQLite's placeholders (`?` numbered in order, `?N`) as PostgreSQL's (`$n`),
    /// outside string literals, quoted names and comments.
    static func numberingPlaceholders(_ sql: String) -> String {
        var output = ""
        output.reserveCapacity(sql.utf8.count + 16)
        var next = 1
        var characters = sql.makeIterator()
        var pending: Character? = nil
        func advance() -> Character? {
            if let character = pending {
                pending = nil
                return character
            }
            return characters.next()
        }
        while let character = advance() {
            switch character {
            case "'", "\"":
                output.append(character)
                while let inner = advance() {
                    output.append(inner)
                    if inner == character { break }
                }
            case "-":
                output.append(character)
                guard let following = advance() else { break }
                if following == "-" {
                    output.append(following)
                    while let inner = advance() {
                        output.append(inner)
                        if inner == "\n" { break }
                    }
                } else {
                    pending = following
                }
            case "?":
                var digits = ""
                while let following = advance() {
                    if following.isASCII, following.isNumber {
                        digits.append(following)
                    } else {
                        pending = following
                        break
                    }
                }
                if digits.isEmpty {
                    output += "$\(next)"
                    next += 1
                } else {
                    output += "$" + digits
                }
            default:
                output.append(character)
            }
        }
        return output
    }

    /// The URI without its password, for messages.
    static func redacted(_ uri: String) -> String {
        guard let scheme = uri.firstRange(of: "://"), let at = uri[scheme.upperBound...].firstIndex(of: "@") else {
            return uri
        }
        let credentials = uri[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return uri }
        return String(uri[..<colon]) + ":***" + String(uri[at...])
    }
}

extension PostgresError: EngineError {
    /// The rules raise SQLSTATE RL000 with the rule's message. Two refusals come from
    /// PostgreSQL itself when two sessions race past the rule's check: a unique index on
    /// `runs.id` or on `request_key` (SQLSTATE 23505), read as the rule's own.
    package var refusalMessage: String? {
        if sqlState == "RL000", message.hasPrefix("runledger:") { return message }
        guard sqlState == "23505", let constraint else { return nil }
        switch constraint {
        case "runs_id_key": return "runledger:duplicate_run: a run with this id already exists"
        case "state_changes_by_request_key":
            return "runledger:duplicate_request: a change with this request_key is already recorded"
        default: return nil
        }
    }

    package var isInvalidJSON: Bool { sqlState == "23514" && (constraint ?? "").hasSuffix("meta_check") }

    package var invalidQueryMessage: String? {
        guard let sqlState, sqlState.hasPrefix("42") || sqlState.hasPrefix("22") || sqlState == "0A000" else {
            return nil
        }
        return message
    }

    package var readOnlyRefusal: String? { sqlState == "25006" ? message : nil }
}

extension PGRows: RemoteCells {}
