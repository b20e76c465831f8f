import Foundation
import RunLedger
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Where `swift test` put the binaries this package builds.
enum Binaries {
    static let directory: URL = {
        let candidate = Bundle.main.bundleURL
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("runledger").path) {
            return candidate
        }
        return candidate.deletingLastPathComponent()
    }()
    static var runledger: String { directory.appendingPathComponent("runledger").path }
}

/// The repository's root (for Scripts/ and this target's Python files).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Runs the `runledger` binary to its end, in `directory`.
func runledger(_ arguments: [String], environment: [String: String] = [:], in directory: URL) throws -> ProcessResult {
    try RunningProcess(Binaries.runledger, arguments, environment: environment, directory: directory).wait()
}

/// A `runledger serve` process on loopback, started by a test and stopped by it.
final class ServerProcess {
    let process: RunningProcess
    /// The port it listens on, from its start line.
    let port: Int
    /// Its start line.
    let startLine: String

    /// Starts `runledger --db <location> serve --listen 127.0.0.1:0 <arguments>` and waits
    /// (up to 60 s) for its start line. Throws if it exits first or prints none.
    init(
        location: String, arguments: [String] = [], environment: [String: String] = [:], in directory: URL
    ) throws {
        process = try RunningProcess(
            Binaries.runledger, ["--db", location, "serve", "--listen", "127.0.0.1:0"] + arguments,
            environment: environment, directory: directory)
        let deadline = Date().addingTimeInterval(60)
        var line: String?
        while Date() < deadline, process.process.isRunning {
            let output = (try? String(contentsOfFile: process.outputPath ?? "", encoding: .utf8)) ?? ""
            if let first = output.split(separator: "\n").first(where: { $0.contains("listening on") }) {
                line = String(first)
                break
            }
            Thread.sleep(forTimeInterval: 0.02)  // polling for readiness, not timing anything
        }
        guard let line, let port = Self.port(in: line) else {
            if process.process.isRunning { kill(process.process.processIdentifier, SIGKILL) }
            let result = try process.wait()
            throw HTTPConnectionError(description: "runledger serve printed no start line: \(result)")
        }
        self.startLine = line
        self.port = port
    }

    /// The port in `http://127.0.0.1:PORT`.
    static func port(in line: String) -> Int? {
        guard let range = line.range(of: "http://127.0.0.1:") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// A new connection to the server.
    func connect(timeout: Int = 30) throws -> HTTPConnection { try HTTPConnection(port: port, timeout: timeout) }

    /// Sends one request on a new connection.
    func request(
        _ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil
    ) throws -> HTTPReply {
        try connect().request(method, path, headers: headers, body: body.map { Array($0.utf8) })
    }

    /// POSTs a JSON body to /api/v1/lineage.
    func post(_ body: String, headers: [String: String] = [:]) throws -> HTTPReply {
        try request(
            "POST", "/api/v1/lineage", headers: ["Content-Type": "application/json"].merging(headers) { $1 },
            body: body)
    }

    /// Sends SIGTERM and waits for the process to end.
    func stop() throws -> ProcessResult {
        kill(process.process.processIdentifier, SIGTERM)
        return try process.wait()
    }

    deinit {
        if process.process.isRunning {
            kill(process.process.processIdentifier, SIGKILL)
            _ = try? process.wait()
        }
    }
}

/// Starts a server on `database` in `directory`, runs `body`, then stops it and expects a clean
/// exit (status 0); returns what `body` returned.
func withServer<T>(
    _ database: TestDatabase, arguments: [String] = [], environment: [String: String] = [:], in directory: URL,
    sourceLocation: SourceLocation = #_sourceLocation, _ body: (ServerProcess) throws -> T
) throws -> T {
    let server = try ServerProcess(
        location: database.location, arguments: arguments, environment: environment, in: directory)
    let value: T
    do {
        value = try body(server)
    } catch {
        _ = try? server.stop()
        throw error
    }
    let result = try server.stop()
    #expect(result.status == 0 && !result.signaled, "\(result)", sourceLocation: sourceLocation)
    return value
}

/// What the ledger holds, to compare before and after: the runs as the CLI lists them, and
/// the rows of the tables an event can add to.
struct LedgerSnapshot: Equatable, CustomStringConvertible {
    var runs: String
    var counts: [String]

    init(_ database: TestDatabase, in directory: URL) throws {
        let listed = try runledger(
            ["--db", database.location, "runs", "--limit", "0", "--format", "json"], in: directory)
        try #require(listed.status == 0, "\(listed)")
        runs = listed.stdout
        var tables = ["runs", "state_changes", "run_annotations"]
        if try hasEventTable(database) { tables.append("openlineage_events") }
        counts = try tables.map { table in
            "\(table)=\(try database.query("SELECT count(*) FROM \(table);").joined())"
        }
    }

    var description: String { "\(counts) \(runs)" }
}

/// Whether the ledger has the intake table `openlineage_events`.
func hasEventTable(_ database: TestDatabase) throws -> Bool {
    switch database.engine {
    case .sqlite:
        return try database.query("SELECT count(*) FROM sqlite_master WHERE name = 'openlineage_events';") == ["1"]
    case .postgres:
        return try database.query("SELECT to_regclass('openlineage_events') IS NOT NULL;") == ["t"]
    }
}

/// The rows of `openlineage_events`; throws (the test fails) when the table is not there.
func eventRowCount(_ database: TestDatabase) throws -> Int {
    try #require(try hasEventTable(database), "the ledger has no openlineage_events table")
    return Int(try database.query("SELECT count(*) FROM openlineage_events;").joined()) ?? -1
}

/// A RunEvent's JSON text.
func runEvent(
    _ type: String?, runID: String, job: String = "etl", namespace: String = "tests",
    at time: String = "2026-03-01T10:00:00Z", extra: String = ""
) -> String {
    let eventType = type.map { "\"eventType\": \"\($0)\", " } ?? ""
    return """
        {\(eventType)"eventTime": "\(time)", "run": {"runId": "\(runID)"}, \
        "job": {"namespace": "\(namespace)", "name": "\(job)"}, \
        "producer": "https://example.com/runledger-tests", \
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"\(extra)}
        """
}

/// A fresh run id (a UUID, lower-case, as OpenLineage producers send them).
func newRunID() -> String { UUID().uuidString.lowercased() }

/// The python of the OpenLineage environment (Scripts/openlineage-venv.sh makes it once).
func openLineagePython() throws -> String {
    let result = try runProcess(
        "/bin/bash", [repositoryRoot.appendingPathComponent("Scripts/openlineage-venv.sh").path])
    try #require(result.status == 0, "Scripts/openlineage-venv.sh failed: \(result)")
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The parsed JSON of a CLI command's `--format json` output.
func cliJSON(_ arguments: [String], _ database: TestDatabase, in directory: URL) throws -> Any {
    let result = try runledger(["--db", database.location] + arguments + ["--format", "json"], in: directory)
    try #require(result.status == 0, "\(result)")
    return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
}
