internal import CSQLite

/// Why a query was refused by `Connection.prepareReadOnly(_:)`.
enum ReadOnlyRefusal: Error, Equatable {
    /// The text holds no statement.
    case empty
    /// The text holds more than one statement.
    case severalStatements
    /// The statement would change a database or the connection (write, ATTACH, PRAGMA
    /// assignment, transaction control, load_extension...).
    case writes(String)
    /// SQLite could not compile the statement (a syntax error, an unknown table).
    case invalid(String)
}

extension Connection {
    /// Prepares one statement of `sql` that can only read, refusing anything else.
    ///
    /// Two independent guards: an authorizer that allows only reading (SELECT, reads of
    /// tables and views, functions other than `load_extension`, and a list of PRAGMAs that
    /// only report), and `sqlite3_stmt_readonly`, which must also say the
    /// statement writes nothing. Neither alone suffices: `sqlite3_stmt_readonly` passes
    /// ATTACH, BEGIN and `PRAGMA writable_schema=1`, and an authorizer has no action code
    /// for VACUUM.
    ///
    /// Related SQLite documentation: <https://www.sqlite.org/c3ref/set_authorizer.html>,
    /// <https://www.sqlite.org/c3ref/stmt_readonly.html>
    func prepareReadOnly(_ sql: String) throws(ReadOnlyRefusal) -> Statement {
        sqlite3_set_authorizer(handle, readOnlyAuthorizer, nil)
        defer { sqlite3_set_authorizer(handle, nil, nil) }
        var bytes = Array(sql.utf8CString)
        return try bytes.withUnsafeMutableBufferPointer { buffer throws(ReadOnlyRefusal) -> Statement in
            guard let start = buffer.baseAddress else { throw .empty }
            var tail: UnsafePointer<CChar>?
            var first: OpaquePointer?
            var code = sqlite3_prepare_v2(handle, start, -1, &first, &tail)
            guard code == SQLITE_OK else {
                let message = String(cString: sqlite3_errmsg(handle))
                sqlite3_finalize(first)
                throw code == SQLITE_AUTH ? .writes(message) : .invalid(message)
            }
            guard let first else { throw .empty }
            let statement = Statement(adopting: first, database: handle, sql: sql)
            // Anything after the first statement must be blank or comments.
            var rest: OpaquePointer?
            code = sqlite3_prepare_v2(handle, tail, -1, &rest, nil)
            sqlite3_finalize(rest)
            if rest != nil || code != SQLITE_OK { throw .severalStatements }
            guard statement.isReadOnly else { throw .writes("the statement writes") }
            return statement
        }
    }
}

/// Allows reading and nothing else. A C callback: no captures.
private let readOnlyAuthorizer:
    @convention(c) (
        UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
        UnsafePointer<CChar>?
    ) -> Int32 = { _, action, first, second, _, _ in
        switch action {
        case SQLITE_SELECT, SQLITE_READ, SQLITE_RECURSIVE:
            return SQLITE_OK
        case SQLITE_FUNCTION:
            // second is the function's name; load_extension could run arbitrary code.
            let name = second.map { String(cString: $0).lowercased() } ?? ""
            return name == "load_extension" ? SQLITE_DENY : SQLITE_OK
        case SQLITE_PRAGMA:
            // first is the pragma's name, second its argument or value (NULL when none).
            guard let first else { return SQLITE_DENY }
            let name = String(cString: first).lowercased()
            if second == nil { return reportingPragmas.contains(name) ? SQLITE_OK : SQLITE_DENY }
            return pragmasTakingAName.contains(name) ? SQLITE_OK : SQLITE_DENY
        default:
            return SQLITE_DENY
        }
    }

/// PRAGMAs that only report, when given no value.
private let reportingPragmas: Set<String> = [
    "application_id", "collation_list", "compile_options", "database_list", "foreign_key_check", "freelist_count",
    "function_list", "integrity_check", "journal_mode", "module_list", "page_count", "page_size", "pragma_list",
    "quick_check", "schema_version", "table_list", "user_version",
]

/// PRAGMAs whose argument names a table or index (or a row limit) and that only report.
private let pragmasTakingAName: Set<String> = [
    "foreign_key_check", "foreign_key_list", "index_info", "index_list", "index_xinfo", "integrity_check",
    "quick_check", "table_info", "table_list", "table_xinfo",
]
