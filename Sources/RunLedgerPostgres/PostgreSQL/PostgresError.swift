/// An error reported by PostgreSQL or by libpq.
///
/// Carries the server's SQLSTATE, its primary message, detail and hint, the constraint
/// concerned, and the SQL of the statement, never its parameters, so that data does not leak
/// into logs. A failure to connect or to reach the server has no SQLSTATE; its message is
/// libpq's.
///
/// Related PostgreSQL documentation: <https://www.postgresql.org/docs/15/errcodes-appendix.html>,
/// <https://www.postgresql.org/docs/15/libpq-exec.html#LIBPQ-PQRESULTERRORFIELD>
public struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The five-character SQLSTATE (`23505`, `42P01`, `40001`), or nil for a connection failure.
    public let sqlState: String?
    /// The primary message (`PG_DIAG_MESSAGE_PRIMARY`), or libpq's message.
    public let message: String
    /// The server's detail (`PG_DIAG_MESSAGE_DETAIL`), if it gave one.
    public let detail: String?
    /// The server's hint (`PG_DIAG_MESSAGE_HINT`), if it gave one.
    public let hint: String?
    /// The constraint concerned (`PG_DIAG_CONSTRAINT_NAME`), if one is.
    public let constraint: String?
    /// The statement that failed, if one did; never its parameters.
    public let sql: String?

    /// Makes an error from its parts.
    public init(
        sqlState: String?, message: String, detail: String? = nil, hint: String? = nil, constraint: String? = nil,
        sql: String? = nil
    ) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.sql = sql
    }

    /// Whether retrying the whole transaction may succeed: a serialization failure (`40001`)
    /// or a deadlock (`40P01`).
    public var isTransient: Bool { sqlState == "40001" || sqlState == "40P01" }

    /// "PostgreSQL error 23505: message (detail) - while executing `sql`".
    public var description: String {
        var text = "PostgreSQL error \(sqlState ?? "(connection)"): \(message)"
        if let detail { text += " (\(detail))" }
        if let sql { text += " - while executing `\(sql)`" }
        return text
    }
}
