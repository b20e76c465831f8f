import Foundation
import RunLedger
import Testing

/// `runledger wait`, as a user runs it: it blocks while another process moves the run, then
/// exits by how the run ended, for every terminal state (and, for Databricks, every outcome)
/// of the six built-in lifecycles, on both engines; and it times out, stops at --until, and
/// refuses what it cannot wait for.
struct WaitCommandTests {
    /// One way a run can end, and the exit code `wait` must give it: 0 completed, 10 failed
    /// or crashed, 11 cancelled or skipped (README's table, written out by hand here).
    struct Ending: Sendable, CustomStringConvertible {
        let state: String
        let outcome: String?
        let code: Int32
        var description: String { state + (outcome.map { "/\($0)" } ?? "") }
    }

    static let endings: [String: [Ending]] = [
        "canonical": [
            Ending(state: "COMPLETED", outcome: nil, code: 0), Ending(state: "FAILED", outcome: nil, code: 10),
            Ending(state: "CRASHED", outcome: nil, code: 10), Ending(state: "CANCELLED", outcome: nil, code: 11),
            Ending(state: "SKIPPED", outcome: nil, code: 11),
        ],
        "databricks": [
            Ending(state: "TERMINATED", outcome: nil, code: 0),
            Ending(state: "TERMINATED", outcome: "SUCCESS", code: 0),
            Ending(state: "TERMINATED", outcome: "SUCCESS_WITH_FAILURES", code: 0),
            Ending(state: "TERMINATED", outcome: "FAILED", code: 10),
            Ending(state: "TERMINATED", outcome: "TIMEDOUT", code: 10),
            Ending(state: "TERMINATED", outcome: "CANCELED", code: 11),
            Ending(state: "TERMINATED", outcome: "MAXIMUM_CONCURRENT_RUNS_REACHED", code: 11),
            Ending(state: "TERMINATED", outcome: "EXCLUDED", code: 11),
            Ending(state: "TERMINATED", outcome: "UPSTREAM_FAILED", code: 11),
            Ending(state: "TERMINATED", outcome: "UPSTREAM_CANCELED", code: 11),
            Ending(state: "TERMINATED", outcome: "DISABLED", code: 11),
            Ending(state: "SKIPPED", outcome: nil, code: 11),
            Ending(state: "SKIPPED", outcome: "UPSTREAM_FAILED", code: 11),
            Ending(state: "INTERNAL_ERROR", outcome: nil, code: 10),
        ],
        "openlineage": [
            Ending(state: "COMPLETE", outcome: nil, code: 0), Ending(state: "FAIL", outcome: nil, code: 10),
            Ending(state: "ABORT", outcome: nil, code: 11),
        ],
        "opencue": [
            Ending(state: "complete", outcome: nil, code: 0), Ending(state: "failed", outcome: nil, code: 10),
            Ending(state: "killed", outcome: nil, code: 11),
        ],
        "domino": [
            Ending(state: "Succeeded", outcome: nil, code: 0), Ending(state: "Failed", outcome: nil, code: 10),
            Ending(state: "Error", outcome: nil, code: 10), Ending(state: "Stopped", outcome: nil, code: 11),
        ],
        "prefect": [
            Ending(state: "Completed", outcome: nil, code: 0), Ending(state: "Retrieved Cache", outcome: nil, code: 0),
            Ending(state: "Failed", outcome: nil, code: 10), Ending(state: "Crashed", outcome: nil, code: 10),
            Ending(state: "TimedOut", outcome: nil, code: 10), Ending(state: "Cancelled", outcome: nil, code: 11),
        ],
    ]

    static let lifecycles = ["canonical", "databricks", "openlineage", "opencue", "domino", "prefect"]

    @Test(arguments: Ledger.Engine.allCases, lifecycles)
    func waitExitsByHowTheRunEnded(_ engine: Ledger.Engine, _ name: String) throws {
        try withInitializedLedger(engine) { directory, database in
            let ledger = try database.open()
            let lifecycle = try #require(try ledger.lifecycle(named: name))
            let endings = try #require(Self.endings[name])
            // The table covers every terminal state and every outcome of the lifecycle.
            #expect(
                Set(endings.map(\.state)) == Set(lifecycle.states.filter(\.isTerminal).map(\.name)), "\(name)")
            #expect(Set(endings.compactMap(\.outcome)) == Set(lifecycle.outcomes.map(\.name)), "\(name)")

            // Each run is brought to a state with an edge into its ending, then waited for.
            var cases: [(ending: Ending, run: String, last: Lifecycle.Transition, wait: RunningProcess)] = []
            for (index, ending) in endings.enumerated() {
                let (path, last) = try #require(Self.path(in: lifecycle, to: ending.state), "\(ending)")
                let run = try ledger.start(job: "\(name)-\(index)", lifecycle: name, state: path.first?.to)
                for edge in path.dropFirst() {
                    if let action = edge.action {
                        try ledger.perform(action, on: run.id)
                    } else {
                        try ledger.transition(run.id, to: edge.to)
                    }
                }
                let wait = try RunningProcess(
                    Binaries.runledger, ["--db", database.location, "wait", run.id, "--format", "json"],
                    directory: directory)
                cases.append((ending, run.id, last, wait))
            }
            // Give the waits time to start and block (the expectations hold either way); none
            // can have ended yet, since no run has.
            Thread.sleep(forTimeInterval: 0.5)
            for item in cases { #expect(item.wait.process.isRunning, "\(item.ending)") }

            // Another process ends each run.
            for item in cases {
                var arguments = ["--db", database.location]
                if let action = item.last.action {
                    arguments += ["act", item.run, action]
                } else {
                    arguments += ["transition", item.run, item.ending.state]
                }
                if let outcome = item.ending.outcome { arguments += ["--outcome", outcome] }
                let result = try runledger(arguments, in: directory)
                try #require(result.status == 0, "\(item.ending): \(result)")
            }
            for item in cases {
                let result = try item.wait.wait()
                #expect(result.status == item.ending.code, "\(name) \(item.ending): \(result)")
                let objects = try jsonObjects(result.stdout)
                #expect(objects.count == 1)
                #expect(objects.first?["id"] as? String == item.run)
                #expect(objects.first?["state"] as? String == item.ending.state)
                #expect(objects.first?["is_terminal"] as? Bool == true)
                #expect((objects.first?["outcome"] as? String) == item.ending.outcome, "\(item.ending)")
            }
        }
    }

    /// The shortest way from an initial state to a state with an edge into `target`: the
    /// edges to take (the first names only the initial state) and the last edge, which the
    /// test leaves to another process.
    static func path(in lifecycle: Lifecycle, to target: String) -> ([Lifecycle.Transition], Lifecycle.Transition)? {
        var queue = lifecycle.states.filter(\.isInitial).map { [Lifecycle.Transition(from: "", to: $0.name)] }
        var seen = Set(queue.map { $0[0].to })
        while !queue.isEmpty {
            let path = queue.removeFirst()
            guard let here = path.last?.to else { continue }
            if let last = lifecycle.transitions(from: here).first(where: { $0.to == target }) {
                return (path, last)
            }
            for edge in lifecycle.transitions(from: here)
            where lifecycle.state(named: edge.to)?.isTerminal == false && seen.insert(edge.to).inserted {
                queue.append(path + [edge])
            }
        }
        return nil
    }

    @Test(arguments: Ledger.Engine.allCases)
    func waitTimesOutWithItsOwnExitCode(_ engine: Ledger.Engine) throws {
        try withInitializedLedger(engine) { directory, database in
            let started = try runledger(["--db", database.location, "start", "slow"], in: directory)
            let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let result = try runledger(["--db", database.location, "wait", id, "--timeout", "0.3s"], in: directory)
            expectFailure(result, code: 12, mentioning: "has not ended after")
            let until = try runledger(
                ["--db", database.location, "wait", id, "--until", "RUNNING", "--timeout", "0s"], in: directory)
            expectFailure(until, code: 12, mentioning: "has not entered RUNNING")
        }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func waitUntilAStateExitsZeroThereAndByTheEndOtherwise(_ engine: Ledger.Engine) throws {
        try withInitializedLedger(engine) { directory, database in
            let db = ["--db", database.location]
            let first = try runledger(db + ["start", "a", "--state", "PENDING"], in: directory)
            let id = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let wait = try RunningProcess(
                Binaries.runledger, db + ["wait", id, "--until", "RUNNING", "--timeout", "2m"], directory: directory)
            Thread.sleep(forTimeInterval: 0.3)
            #expect(wait.process.isRunning)
            #expect(try runledger(db + ["transition", id, "RUNNING"], in: directory).status == 0)
            let result = try wait.wait()
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("RUNNING"), "\(result)")

            // Ended before it entered the state: the exit says how it ended.
            let second = try runledger(db + ["start", "b", "--state", "PENDING"], in: directory)
            let other = second.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let waitOther = try RunningProcess(
                Binaries.runledger, db + ["wait", other, "--until", "RUNNING", "--timeout", "2m"], directory: directory)
            Thread.sleep(forTimeInterval: 0.3)
            #expect(try runledger(db + ["transition", other, "CANCELLED"], in: directory).status == 0)
            #expect(try waitOther.wait().status == 11)

            // An ended run: at once, by how it ended, whatever --until says.
            #expect(try runledger(db + ["transition", id, "COMPLETED"], in: directory).status == 0)
            #expect(try runledger(db + ["wait", id, "--until", "PENDING"], in: directory).status == 0)
            #expect(try runledger(db + ["wait", other, "--until", "PENDING"], in: directory).status == 11)
        }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func waitRefusesAnUnknownRunOrState(_ engine: Ledger.Engine) throws {
        try withInitializedLedger(engine) { directory, database in
            let db = ["--db", database.location]
            expectFailure(
                try runledger(db + ["wait", "no-such-run"], in: directory), code: 66, mentioning: "no-such-run")
            let started = try runledger(db + ["start", "j", "--lifecycle", "databricks"], in: directory)
            let id = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            expectFailure(
                try runledger(db + ["wait", id, "--until", "Running"], in: directory), code: 64,
                mentioning: "has no state Running")
            expectFailure(
                try runledger(db + ["wait", id, "--timeout", "soon"], in: directory), code: 65,
                mentioning: "--timeout 'soon'")
        }
    }
}
