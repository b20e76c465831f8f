import Foundation
import RunLedger
import RunLedgerPostgres
import TestSupport
import Testing

/// A fresh SQLite ledger's path, in a directory removed after `body`.
func withSQLiteLedger<T>(_ body: (String) throws -> T) throws -> T {
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("fresh.db").path
        _ = try Ledger(path: path)
        return try body(path)
    }
}

/// A PostgreSQL ledger (`PostgresSchema.apply`) in a schema of its own on the test server,
/// dropped after `body`, which gets the connection and the schema's name.
func withPostgresLedger<T>(_ body: (PGConnection, String) throws -> T) throws -> T {
    let connection = try PGConnection(try PGConnectionTests.serverURI())
    let schema = "ledger_\(UInt32.random(in: 0...UInt32.max))"
    try connection.execute("CREATE SCHEMA \(schema); SET search_path TO \(schema)")
    defer { try? connection.execute("DROP SCHEMA \(schema) CASCADE") }
    try PostgresSchema.apply(on: connection)
    return try body(connection, schema)
}

/// The `sqlite3` shell on a file, `sql` in one transaction, stopping at the first error (the
/// transaction then rolls back as the shell exits), as `psql` below.
func sqlite3(_ sql: String, on path: String) throws -> ProcessResult {
    try runProcess("/usr/bin/sqlite3", ["-bail", path, "BEGIN; \(sql); COMMIT;"])
}

/// `psql` on the test server, in `schema`, `sql` in one transaction, stopping at the first
/// error, with the SQLSTATE in the messages.
func psql(_ sql: String, in schema: String) throws -> ProcessResult {
    try runProcess(
        "/usr/bin/psql",
        [
            try PGConnectionTests.serverURI(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose",
            "-c", "SET search_path TO \(schema)", "-c", "BEGIN; \(sql); COMMIT",
        ])
}

/// The test server's URI for logging in as `user` (the server trusts every local login).
func serverURI(as user: String) throws -> String {
    var components = try #require(URLComponents(string: try PGConnectionTests.serverURI()))
    components.user = user
    return try #require(components.string)
}

/// `psql` as `psql(_:in:)`, logged in as `user`.
func psql(_ sql: String, in schema: String, as user: String, input: String? = nil) throws -> ProcessResult {
    try runProcess(
        "/usr/bin/psql",
        [
            try serverURI(as: user), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose",
            "-c", "SET search_path TO \(schema)", "-c", sql,
        ], input: input)
}

/// A schema of its own on the test server (TestSupport's `withTestDatabase`), dropped after
/// `body`: `database.location` opens a ledger there.
func withPostgresSchema<T>(_ body: (TestDatabase) throws -> T) throws -> T {
    try withTemporaryDirectory { directory in try withTestDatabase(.postgres, in: directory, body) }
}
