// TestSupport is re-exported (`@_exported`) so that every file of this target sees the shared
// helpers (temporary directories, processes, suite sizes) without an import line of its own,
// as when they were declared here: test files written before the move, or at the same time,
// compile unchanged.
import Foundation
@_exported import TestSupport
import Testing

@testable import RunLedger

/// A new ledger on `engine`, removed after `body`, which gets the ledger and where it is
/// (to open it again, or to reach it with a foreign client): on SQLite a file in a fresh
/// temporary directory, on PostgreSQL a fresh schema on the test server (`withTestDatabase`).
func withTemporaryLedger<T>(
    _ engine: Ledger.Engine, _ configuration: Ledger.Configuration = Ledger.Configuration(durability: .normal),
    _ body: (Ledger, TestDatabase) throws -> T
) throws -> T {
    try withTemporaryDirectory { directory in
        try withTestDatabase(engine, in: directory) { database in
            let ledger = try database.open(configuration)
            return try body(ledger, database)
        }
    }
}

/// A new SQLite ledger in a fresh temporary directory, removed after `body`: for the suites
/// that test the SQLite file itself.
func withTemporaryLedger<T>(
    _ configuration: Ledger.Configuration = Ledger.Configuration(durability: .normal),
    _ body: (Ledger, String) throws -> T
) throws -> T {
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("ledger.db").path
        let ledger = try Ledger(path: path, configuration: configuration)
        return try body(ledger, path)
    }
}

/// The `sqlite3` shell: a client that knows nothing of runledger.
enum SQLiteShell {
    static let path = "/usr/bin/sqlite3"

    /// Runs `sql` (one or more statements) against the file; `-bail` stops at the first error.
    static func run(_ sql: String, on database: String) throws -> ProcessResult {
        try runProcess(path, ["-bail", "-batch", database], input: sql)
    }

    /// Runs a query and returns its rows, `|`-separated.
    static func query(_ sql: String, on database: String) throws -> [String] {
        let result = try run(sql, on: database)
        #expect(result.status == 0, "sqlite3 failed: \(result.stderr)")
        return result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}

/// Python's sqlite3 module: a second foreign client.
enum Python {
    static let path = "/usr/bin/env"

    static func run(_ script: String, arguments: [String] = []) throws -> ProcessResult {
        try runProcess(path, ["python3", "-c", script] + arguments)
    }
}
