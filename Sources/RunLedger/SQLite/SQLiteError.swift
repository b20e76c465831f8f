/// An error reported by SQLite.
///
/// Carries the extended result code (the primary one derives from it), SQLite's own message,
/// and the SQL of the statement, never its bound values, so that data does not leak into
/// logs.
///
/// Related SQLite documentation: <https://www.sqlite.org/c3ref/errcode.html>
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The extended result code (`sqlite3_extended_errcode`).
    public let extendedCode: ResultCode
    /// SQLite's message (`sqlite3_errmsg`).
    public let message: String
    /// The statement that failed, if one did; never its bound values.
    public let sql: String?
    /// The operating system's error number behind an I/O failure (`sqlite3_system_errno`:
    /// ENOSPC for a full disk, EACCES...), or 0.
    public let systemErrno: Int32

    /// The primary result code, derived from the extended one.
    public var code: ResultCode { extendedCode.primary }

    /// Makes an error from its parts.
    public init(extendedCode: ResultCode, message: String, sql: String? = nil, systemErrno: Int32 = 0) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
        self.systemErrno = systemErrno
    }

    /// "SQLite error 19: message - while executing `sql`".
    public var description: String {
        var text = "SQLite error \(extendedCode.rawValue): \(message)"
        if let sql { text += " - while executing `\(sql)`" }
        return text
    }
}
