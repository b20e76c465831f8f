// TestSupport is re-exported (`@_exported`) so that every file of this target sees the shared
// helpers (temporary directories, processes, suite sizes) without an import line of its own,
// as when they were declared here: test files written before the move, or at the same time,
// compile unchanged.
import Foundation
import RunLedger
@_exported import TestSupport
import Testing

/// Where `swift test` put the binaries this package builds.
enum Binaries {
    static let directory: URL = {
        let candidate = Bundle.main.bundleURL
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("runledger").path) {
            return candidate
        }
        // Test bundles on some platforms nest one level deeper.
        return candidate.deletingLastPathComponent()
    }()

    static var runledger: String { directory.appendingPathComponent("runledger").path }
    static var workload: String { directory.appendingPathComponent("LedgerWorkload").path }
}

/// Runs the `runledger` binary as a user would, in `directory`.
func runledger(_ arguments: [String], environment: [String: String] = [:], in directory: URL) throws -> ProcessResult {
    try RunningProcess(Binaries.runledger, arguments, environment: environment, directory: directory).wait()
}

/// Runs the `sqlite3` shell on a file.
func sqlite3(_ sql: String, on path: String, in directory: URL) throws -> ProcessResult {
    try RunningProcess("/usr/bin/sqlite3", ["-batch", path, sql], directory: directory).wait()
}

/// A directory and a ledger on `engine` that `runledger init` made: the file `name` in the
/// directory, or a fresh schema on the test server (`--db` is then its URI, with the schema as
/// its search_path; dropped afterwards). `body` gets the directory and the database, whose
/// `location` is what `--db` takes.
func withInitializedLedger(
    _ engine: Ledger.Engine, name: String = "l.db", _ body: (URL, TestDatabase) throws -> Void
) throws {
    try withTemporaryDirectory { directory in
        try withTestDatabase(engine, in: directory, name: name) { database in
            let result = try runledger(["--db", database.location, "init"], in: directory)
            try #require(result.status == 0, "\(result)")
            try body(directory, database)
        }
    }
}

/// A directory with an initialized ledger `l.db`; `body` gets the directory and the path.
func withInitializedLedger(_ body: (URL, String) throws -> Void) throws {
    try withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("l.db").path
        let result = try runledger(["--db", path, "init"], in: directory)
        try #require(result.status == 0, "\(result)")
        try body(directory, path)
    }
}

/// Expects a failed command: the exit code, nothing on stdout, `text` on stderr and, but for a
/// usage error (64, where the argument parser adds usage lines), one "Error: ..." line.
func expectFailure(
    _ result: ProcessResult, code: Int32, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(result.status == code, "\(result)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, "\(result)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(text), "\(result)", sourceLocation: sourceLocation)
    if code != 64 {
        #expect(result.stderr.hasPrefix("Error: "), "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.filter { $0 == "\n" }.count == 1, "\(result)", sourceLocation: sourceLocation)
    }
}

/// Parses JSON output: an array of objects.
func jsonObjects(_ text: String) throws -> [[String: Any]] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [[String: Any]], "not an array of objects: \(text)")
}

/// Parses CSV output (RFC 4180): rows of fields.
func csvRows(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var characters = Array(text.unicodeScalars)[...]
    while let character = characters.popFirst() {
        if quoted {
            if character == "\"" {
                if characters.first == "\"" {
                    field.unicodeScalars.append("\"")
                    characters.removeFirst()
                } else {
                    quoted = false
                }
            } else {
                field.unicodeScalars.append(character)
            }
        } else if character == "\"" {
            quoted = true
        } else if character == "," {
            row.append(field)
            field = ""
        } else if character == "\r" {
            continue
        } else if character == "\n" {
            row.append(field)
            rows.append(row)
            row = []
            field = ""
        } else {
            field.unicodeScalars.append(character)
        }
    }
    if !field.isEmpty || !row.isEmpty { rows.append(row + [field]) }
    return rows
}

/// Checks a ledger against the acknowledgement logs of `LedgerWorkload contend` writers: every
/// run's history chains and ends in its state, and the ledger holds exactly the acknowledged
/// changes. Returns how many there were.
func checkAcknowledgedChanges(
    ledgerPath: String, runs: Int, logs: [URL], sourceLocation: SourceLocation = #_sourceLocation
)
    throws -> Int
{
    try checkAcknowledgedChanges(
        in: TestDatabase(engine: .sqlite, location: ledgerPath, schema: nil), runs: runs, logs: logs,
        sourceLocation: sourceLocation)
}

/// The same for a ledger on either engine.
func checkAcknowledgedChanges(
    in database: TestDatabase, runs: Int, logs: [URL], sourceLocation: SourceLocation = #_sourceLocation
)
    throws -> Int
{
    let ledger = try database.open(.init(mode: .readOnly))
    let lifecycle = try #require(try ledger.lifecycle(named: "canonical"), sourceLocation: sourceLocation)
    var recorded: [Int64: StateChange] = [:]
    for index in 0..<runs {
        let history = try ledger.history(of: "shared-\(index)")
        for change in history { recorded[change.seq] = change }
        #expect(history.first?.from == nil, sourceLocation: sourceLocation)
        for (previous, next) in zip(history, history.dropFirst()) {
            #expect(next.from == previous.to, sourceLocation: sourceLocation)
            #expect(
                lifecycle.transitions(from: previous.to).contains { $0.to == next.to }, sourceLocation: sourceLocation)
        }
        #expect(try ledger.run(id: "shared-\(index)")?.state == history.last?.to, sourceLocation: sourceLocation)
    }
    var acknowledged = 0
    for log in logs {
        for line in try String(contentsOf: log, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            let change = try #require(
                recorded[Int64(fields[0]) ?? -1], "acknowledged \(line) is missing", sourceLocation: sourceLocation)
            #expect(
                change.runID == fields[1] && (change.from ?? "-") == fields[2] && change.to == fields[3],
                sourceLocation: sourceLocation)
            acknowledged += 1
        }
    }
    #expect(acknowledged == recorded.count, sourceLocation: sourceLocation)
    #expect(try ledger.verify().isClean, sourceLocation: sourceLocation)
    return acknowledged
}
