internal import CSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A prepared statement: the one owner of an `sqlite3_stmt` handle, finalized in `deinit`.
///
/// Binding and reading are typed; indexes are zero-based for columns (as in the C API) and
/// one-based for parameters (as in the C API). The library runs its statements through the
/// helpers of `Statement+Arguments.swift` (`execute`, `fetchOne`, `fetchAll`), which bind
/// their arguments by position, hand each row to a closure as a ``Row``, and reset.
final class Statement {
    private let handle: OpaquePointer
    /// The connection's handle, to read error messages; the connection outlives its statements.
    private let database: OpaquePointer
    /// The SQL text, for errors.
    let sql: String

    init(database: OpaquePointer, sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let code = sql.withCString {
            sqlite3_prepare_v3(database, $0, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        }
        guard code == SQLITE_OK, let statement else {
            throw SQLiteError(database: database, code: code, sql: sql)
        }
        self.handle = statement
        self.database = database
        self.sql = sql
    }

    /// Takes ownership of a statement prepared elsewhere in this layer.
    init(adopting handle: OpaquePointer, database: OpaquePointer, sql: String) {
        self.handle = handle
        self.database = database
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: - Binding

    /// Binds an integer, or NULL, to the one-based parameter `index`.
    func bind(_ value: Int64?, at index: Int32) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// Binds a double, or NULL, to the one-based parameter `index`.
    func bind(_ value: Double?, at index: Int32) {
        if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// Binds text, or NULL, to the one-based parameter `index`. The bytes are copied
    /// (`SQLITE_TRANSIENT`) and their length is explicit, so a NUL inside the text is kept.
    func bind(_ value: String?, at index: Int32) {
        guard var value else {
            sqlite3_bind_null(handle, index)
            return
        }
        value.withUTF8 { bytes in
            // An empty buffer may have no base address; SQLite needs a pointer for '' (not NULL).
            let pointer = UnsafeRawPointer(bytes.baseAddress) ?? UnsafeRawPointer(("" as StaticString).utf8Start)
            _ = sqlite3_bind_text64(
                handle, index, pointer.assumingMemoryBound(to: CChar.self), UInt64(bytes.count),
                csqlite_transient(), UInt8(SQLITE_UTF8))
        }
    }

    /// Binds any value to the one-based parameter `index`.
    func bind(_ value: SQLValue, at index: Int32) {
        switch value {
        case .null: sqlite3_bind_null(handle, index)
        case .integer(let int): bind(int, at: index)
        case .real(let double): bind(double, at: index)
        case .text(let text): bind(text, at: index)
        case .blob(let bytes):
            bytes.withUnsafeBytes { buffer in
                let pointer = buffer.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start)
                _ = sqlite3_bind_blob64(handle, index, pointer, UInt64(buffer.count), csqlite_transient())
            }
        }
    }

    // MARK: - Stepping

    /// Runs the statement one step: `true` when a row is ready to read, `false` when done.
    func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError(database: database, code: code, sql: sql)
        }
    }

    /// Runs a statement that returns no row to the end.
    func run() throws(SQLiteError) {
        while try step() {}
    }

    /// Resets the statement for another run and clears its bindings. Errors of the last step
    /// were already thrown by `step()`, so `sqlite3_reset`'s repeat of them is ignored.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Whether the statement leaves the database unchanged (`sqlite3_stmt_readonly`).
    var isReadOnly: Bool { sqlite3_stmt_readonly(handle) != 0 }

    /// The number of parameters in the SQL (`sqlite3_bind_parameter_count`): the largest `?N`.
    var parameterCount: Int32 { sqlite3_bind_parameter_count(handle) }

    // MARK: - Reading the current row

    /// The number of columns in a result row.
    var columnCount: Int32 { sqlite3_column_count(handle) }

    /// The name of a result column.
    func columnName(at index: Int32) -> String {
        guard let name = sqlite3_column_name(handle, index) else { return "" }
        return String(cString: name)
    }

    /// Whether the column of the current row is NULL.
    func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// The column as an integer (NULL reads as 0).
    func int64(at index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    /// The column as an integer, or nil when NULL.
    func optionalInt64(at index: Int32) -> Int64? {
        isNull(at: index) ? nil : sqlite3_column_int64(handle, index)
    }

    /// The column as a double (NULL reads as 0).
    func double(at index: Int32) -> Double {
        sqlite3_column_double(handle, index)
    }

    /// The column as text (NULL reads as "").
    func string(at index: Int32) -> String {
        guard let text = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// Whether the column's text is exactly these UTF-8 bytes, compared without making a
    /// String (for scans that look at many rows).
    func text(at index: Int32, equals utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let bytes = sqlite3_column_text(handle, index) else { return false }
        guard Int(sqlite3_column_bytes(handle, index)) == utf8.count else { return false }
        guard let base = utf8.baseAddress else { return true }
        return memcmp(base, bytes, utf8.count) == 0
    }

    /// Appends the column's text, as UTF-8 bytes, to `bytes` (NULL appends nothing).
    func appendText(at index: Int32, to bytes: inout [UInt8]) {
        guard let text = sqlite3_column_text(handle, index) else { return }
        bytes.append(contentsOf: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, index))))
    }

    /// The column as text, or nil when NULL.
    func optionalString(at index: Int32) -> String? {
        isNull(at: index) ? nil : string(at: index)
    }

    /// The column as whatever type it holds.
    func value(at index: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT: return .text(string(at: index))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard count > 0, let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }
}

@available(*, unavailable)
extension Statement: Sendable {}

extension SQLiteError {
    /// Reads the connection's extended code and message at once, before another call can
    /// overwrite them. `code` is the failing call's own result, used when the connection has
    /// none to give (a failed open).
    init(database: OpaquePointer?, code: Int32, sql: String?) {
        if let database {
            let extended = sqlite3_extended_errcode(database)
            let message = sqlite3_errmsg(database).map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            // sqlite3_errcode can lag behind when the failing call did not set it (e.g. misuse).
            let useExtended = (extended & 0xFF) == (code & 0xFF)
            self.init(
                extendedCode: ResultCode(rawValue: useExtended ? extended : code), message: message, sql: sql,
                systemErrno: sqlite3_system_errno(database))
        } else {
            self.init(
                extendedCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errstr(code)), sql: sql)
        }
    }
}
