/// An SQLite result code, primary or extended.
///
/// An open struct rather than a closed enum, so that a code this library has no name for
/// still round-trips. Compare with `primary` to match a whole family:
///
/// ```swift
/// if error.extendedCode.primary == .busy { ... }
/// ```
///
/// Related SQLite documentation: <https://www.sqlite.org/rescode.html>
public struct ResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The numeric code, as SQLite's C API returns it.
    public let rawValue: Int32

    /// Wraps a numeric SQLite result code.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The primary code: the low eight bits of an extended code.
    public var primary: ResultCode { ResultCode(rawValue: rawValue & 0xFF) }

    /// The code as a number, for messages.
    public var description: String { String(rawValue) }

    /// Successful result. C: `SQLITE_OK`.
    public static let ok = ResultCode(rawValue: 0)
    /// Generic error. C: `SQLITE_ERROR`.
    public static let error = ResultCode(rawValue: 1)
    /// Internal logic error in SQLite. C: `SQLITE_INTERNAL`.
    public static let `internal` = ResultCode(rawValue: 2)
    /// Access permission denied. C: `SQLITE_PERM`.
    public static let permission = ResultCode(rawValue: 3)
    /// The database file is locked by another connection. C: `SQLITE_BUSY`.
    public static let busy = ResultCode(rawValue: 5)
    /// A table in the database is locked. C: `SQLITE_LOCKED`.
    public static let locked = ResultCode(rawValue: 6)
    /// A memory allocation failed. C: `SQLITE_NOMEM`.
    public static let noMemory = ResultCode(rawValue: 7)
    /// Attempt to write a read-only database. C: `SQLITE_READONLY`.
    public static let readOnly = ResultCode(rawValue: 8)
    /// Some kind of disk I/O error occurred. C: `SQLITE_IOERR`.
    public static let ioError = ResultCode(rawValue: 10)
    /// The database disk image is malformed. C: `SQLITE_CORRUPT`.
    public static let corrupt = ResultCode(rawValue: 11)
    /// Insertion failed because the disk is full. C: `SQLITE_FULL`.
    public static let full = ResultCode(rawValue: 13)
    /// Unable to open the database file. C: `SQLITE_CANTOPEN`.
    public static let cannotOpen = ResultCode(rawValue: 14)
    /// A constraint or a trigger's `RAISE` refused the statement. C: `SQLITE_CONSTRAINT`.
    public static let constraint = ResultCode(rawValue: 19)
    /// Data type mismatch. C: `SQLITE_MISMATCH`.
    public static let mismatch = ResultCode(rawValue: 20)
    /// The file is not a database. C: `SQLITE_NOTADB`.
    public static let notADatabase = ResultCode(rawValue: 26)
    /// `sqlite3_step` has another row ready. C: `SQLITE_ROW`.
    public static let row = ResultCode(rawValue: 100)
    /// `sqlite3_step` has finished executing. C: `SQLITE_DONE`.
    public static let done = ResultCode(rawValue: 101)

    /// A trigger called `RAISE(ABORT, …)`. C: `SQLITE_CONSTRAINT_TRIGGER`.
    public static let constraintTrigger = ResultCode(rawValue: 19 | 7 << 8)
    /// A `CHECK` constraint failed. C: `SQLITE_CONSTRAINT_CHECK`.
    public static let constraintCheck = ResultCode(rawValue: 19 | 1 << 8)
    /// A `NOT NULL` constraint failed. C: `SQLITE_CONSTRAINT_NOTNULL`.
    public static let constraintNotNull = ResultCode(rawValue: 19 | 5 << 8)
    /// A `UNIQUE` constraint failed. C: `SQLITE_CONSTRAINT_UNIQUE`.
    public static let constraintUnique = ResultCode(rawValue: 19 | 8 << 8)
    /// A `PRIMARY KEY` constraint failed. C: `SQLITE_CONSTRAINT_PRIMARYKEY`.
    public static let constraintPrimaryKey = ResultCode(rawValue: 19 | 6 << 8)
    /// A foreign key constraint failed. C: `SQLITE_CONSTRAINT_FOREIGNKEY`.
    public static let constraintForeignKey = ResultCode(rawValue: 19 | 3 << 8)
    /// A value does not fit a STRICT table's column type. C: `SQLITE_CONSTRAINT_DATATYPE`.
    public static let constraintDataType = ResultCode(rawValue: 19 | 12 << 8)
    /// A WAL read transaction cannot be upgraded to a write: another connection wrote since.
    /// C: `SQLITE_BUSY_SNAPSHOT`.
    public static let busySnapshot = ResultCode(rawValue: 5 | 2 << 8)
    /// Another connection is recovering the WAL. C: `SQLITE_BUSY_RECOVERY`.
    public static let busyRecovery = ResultCode(rawValue: 5 | 1 << 8)
    /// A blocking lock could not be taken in time. C: `SQLITE_BUSY_TIMEOUT`.
    public static let busyTimeout = ResultCode(rawValue: 5 | 3 << 8)
    /// The path is a directory. C: `SQLITE_CANTOPEN_ISDIR`.
    public static let cannotOpenIsDirectory = ResultCode(rawValue: 14 | 2 << 8)
    /// The database file was moved or unlinked while open. C: `SQLITE_READONLY_DBMOVED`.
    public static let readOnlyDatabaseMoved = ResultCode(rawValue: 8 | 4 << 8)
}
