import Foundation
import Testing

@testable import RunLedger

/// A fresh temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("runledger-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// A new ledger in a fresh temporary directory, removed after `body`.
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

/// What a foreign client printed and how it ended.
struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a program to its end; stdin from `input`; stdout and stderr go through files, so a
/// large output cannot fill a pipe and deadlock.
func runProcess(_ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil)
    throws -> ProcessResult
{
    try withTemporaryDirectory { directory in
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        let inURL = directory.appendingPathComponent("stdin")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: inURL.path, contents: Data((input ?? "").utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let inHandle = try FileHandle(forReadingFrom: inURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inHandle
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        try inHandle.close()
        return ProcessResult(
            status: process.terminationStatus,
            stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8))
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
