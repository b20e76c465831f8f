import Foundation
import RunLedger
import TestSupport
import Testing

/// A ledger the page tests build with the CLI: a Prefect run through a retry to Completed, a
/// job named like a script that failed with a reason that is HTML, a job with a success and
/// a failure, a retry of the Prefect run, and a run still active that names it upstream.
struct PageFixture {
    static let scriptJob = "<script>alert(1)</script>"
    static let htmlReason = "<img src=x onerror=alert(2)>"
    /// The Prefect run's states, in order.
    static let doneStates = ["Scheduled", "Pending", "Running", "AwaitingRetry", "Retrying", "Completed"]

    let done: String
    let script: String
    let loadCompleted: String
    let loadFailed: String
    let live: String
    /// A second attempt of `done` (its retry chain), Completed.
    let retry: String

    init(_ database: TestDatabase, in directory: URL) throws {
        func cli(_ arguments: [String]) throws -> String {
            let result = try runledger(["--db", database.location] + arguments, in: directory)
            try #require(result.status == 0, "\(arguments): \(result)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func start(_ job: String, _ lifecycle: String) throws -> String {
            try cli(["start", job, "--lifecycle", lifecycle])
        }
        _ = try cli(["init"])
        done = try start("nightly-etl", "prefect")
        for state in Self.doneStates.dropFirst() {
            _ = try cli(["transition", done, state, "--reason", "to \(state)"])
        }
        _ = try cli(["annotate", done, "--kind", "note", "--reason", "checked by hand"])
        script = try start(Self.scriptJob, "canonical")
        _ = try cli(["transition", script, "RUNNING"])
        _ = try cli(["transition", script, "FAILED", "--reason", Self.htmlReason])
        loadCompleted = try start("load", "canonical")
        _ = try cli(["transition", loadCompleted, "RUNNING"])
        _ = try cli(["transition", loadCompleted, "COMPLETED"])
        loadFailed = try start("load", "canonical")
        _ = try cli(["transition", loadFailed, "RUNNING"])
        _ = try cli(["transition", loadFailed, "FAILED"])
        retry = try cli(["start", "nightly-etl", "--lifecycle", "prefect", "--parent", done])
        for state in ["Pending", "Running", "Completed"] { _ = try cli(["transition", retry, state]) }
        // Active, waiting for nothing any more: its upstream completed.
        live = try cli(["start", "live-job", "--lifecycle", "prefect", "--upstream", done])
        _ = try cli(["transition", live, "Pending"])
        _ = try cli(["transition", live, "Running"])
    }
}
