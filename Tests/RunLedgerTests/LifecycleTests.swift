import Foundation
import Testing

@testable import RunLedger

/// A walk through a lifecycle: the first state, then each step a state to enter or
/// `act:NAME` to perform an action.
struct LifecycleCase: Sendable, CustomTestStringConvertible {
    let lifecycle: String
    /// A path the lifecycle accepts from start to a terminal state.
    let legalPath: [String]
    /// Walks that the lifecycle accepts up to their last step, which it refuses. A one-step
    /// walk is a first state that is not initial.
    let illegalWalks: [[String]]

    var testDescription: String { lifecycle }

    static let all: [LifecycleCase] = [
        LifecycleCase(
            lifecycle: "canonical",
            legalPath: ["SCHEDULED", "PENDING", "RUNNING", "SCHEDULED", "PENDING", "RUNNING", "COMPLETED"],
            illegalWalks: [
                ["COMPLETED"], ["SCHEDULED", "COMPLETED"], ["PENDING", "PENDING"],
                ["RUNNING", "COMPLETED", "RUNNING"], ["SCHEDULED", "SKIPPED", "PENDING"],
            ]),
        LifecycleCase(
            lifecycle: "databricks",
            legalPath: ["PENDING", "RUNNING", "WAITING_FOR_RETRY", "PENDING", "RUNNING", "TERMINATING", "TERMINATED"],
            illegalWalks: [
                ["RUNNING"], ["PENDING", "TERMINATING"], ["PENDING", "SKIPPED", "RUNNING"],
                ["PENDING", "RUNNING", "TERMINATED", "PENDING"], ["BLOCKED", "RUNNING"],
            ]),
        LifecycleCase(
            lifecycle: "openlineage",
            legalPath: ["START", "RUNNING", "RUNNING", "RUNNING", "COMPLETE"],
            illegalWalks: [
                // Every state but START may also be a run's first (a producer that sends only
                // COMPLETE, a listener attached late); none leads back to START or out of an end.
                ["RUNNING", "START"], ["COMPLETE", "RUNNING"], ["START", "START"], ["START", "COMPLETE", "RUNNING"],
                ["START", "FAIL", "ABORT"], ["START", "OTHER"],
            ]),
        LifecycleCase(
            lifecycle: "opencue",
            legalPath: [
                "blocked", "pending", "running", "failing", "retrying", "running", "act:kill", "act:retry", "running",
                "act:suspend", "running", "complete",
            ],
            illegalWalks: [
                ["running"], ["pending", "complete"], ["pending", "running", "complete", "running"],
                ["pending", "running", "failed", "pending"], ["pending", "killed"], ["pending", "act:retry"],
            ]),
        LifecycleCase(
            lifecycle: "domino",
            legalPath: [
                "Queued", "Scheduled", "Preparing", "Building", "Pulling", "Running", "Finishing", "Succeeded",
            ],
            illegalWalks: [
                ["Running"], ["Queued", "Running"], ["Queued", "Scheduled", "Succeeded"],
                ["Queued", "StopRequested", "Stopped", "Running"], ["Queued", "Error", "Queued"],
            ]),
        LifecycleCase(
            lifecycle: "prefect",
            legalPath: [
                "Scheduled", "Late", "Pending", "Running", "AwaitingRetry", "Retrying", "AwaitingRetry", "Retrying",
                "Completed",
            ],
            illegalWalks: [
                ["Completed"], ["Scheduled", "Completed"], ["Scheduled", "Pending", "Pending"],
                ["Running", "Crashed", "Running"], ["Scheduled", "Late", "Late"], ["Running", "Failed", "Scheduled"],
            ]),
    ]
}

/// Each built-in lifecycle, driven through the library, on both engines.
struct LifecycleLibraryTests {
    /// Starts a run and walks it; returns the run's id.
    @discardableResult
    static func walk(_ steps: [String], lifecycle: String, in ledger: Ledger, id: String = RunID.uuidV7()) throws
        -> String
    {
        // One job per run: Databricks allows one active run per job by default.
        let run = try ledger.start(job: "job-\(id)", lifecycle: lifecycle, id: id, state: steps[0])
        for step in steps.dropFirst() {
            if step.hasPrefix("act:") {
                try ledger.perform(String(step.dropFirst(4)), on: run.id)
            } else {
                try ledger.transition(run.id, to: step)
            }
        }
        return run.id
    }

    @Test(arguments: Ledger.Engine.allCases, LifecycleCase.all)
    func aFullLegalPathIsAcceptedAndRecorded(_ engine: Ledger.Engine, _ testCase: LifecycleCase) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let id = try Self.walk(testCase.legalPath, lifecycle: testCase.lifecycle, in: ledger)
            let run = try #require(try ledger.run(id: id))
            let history = try ledger.history(of: id)
            #expect(history.count == testCase.legalPath.count)
            #expect(history.first?.from == nil)
            for (previous, next) in zip(history, history.dropFirst()) {
                #expect(next.from == previous.to)
                #expect(next.seq > previous.seq)
                #expect(next.at >= previous.at)
            }
            #expect(run.state == history.last?.to)
            #expect(run.isTerminal)
        }
    }

    @Test(arguments: Ledger.Engine.allCases, LifecycleCase.all)
    func illegalTransitionsAreRefusedAndLeaveNothingBehind(_ engine: Ledger.Engine, _ testCase: LifecycleCase) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            #expect(testCase.illegalWalks.count >= 3)
            for walk in testCase.illegalWalks {
                if walk.count == 1 {
                    let error = try #require(throws: LedgerError.self) {
                        try ledger.start(
                            job: "j", lifecycle: testCase.lifecycle, id: "first-\(walk[0])", state: walk[0])
                    }
                    switch error {
                    case .illegalTransition(_, nil, walk[0], let legal):
                        #expect(!legal.isEmpty)
                    case .noSuchState(testCase.lifecycle, walk[0]): break
                    default: Issue.record("\(walk): unexpected \(error)")
                    }
                    #expect(try ledger.run(id: "first-\(walk[0])") == nil)
                    continue
                }
                let id = try Self.walk(Array(walk.dropLast()), lifecycle: testCase.lifecycle, in: ledger)
                let before = try ledger.history(of: id)
                let last = walk[walk.count - 1]
                let error = try #require(throws: LedgerError.self) {
                    if last.hasPrefix("act:") {
                        try ledger.perform(String(last.dropFirst(4)), on: id)
                    } else {
                        try ledger.transition(id, to: last)
                    }
                }
                switch error {
                case .illegalTransition(id, before.last?.to, last, let legal):
                    let lifecycle = try #require(try ledger.lifecycle(named: testCase.lifecycle))
                    let expected = lifecycle.transitions(from: before.last?.to ?? "").filter { $0.action == nil }.map(
                        \.to)
                    #expect(legal == expected.reduce(into: []) { if !$0.contains($1) { $0.append($1) } })
                case .actionRequired(id, _, last, let actions): #expect(!actions.isEmpty)
                case .illegalAction(id, _, _, _), .noSuchState(testCase.lifecycle, last): break
                default: Issue.record("\(walk): unexpected \(error)")
                }
                #expect(try ledger.history(of: id) == before)
            }
        }
    }
}

/// Each built-in lifecycle, driven by the engine's shell (`sqlite3`, `psql`) with plain SQL:
/// the rules hold for a client that knows nothing of runledger, on both engines.
struct LifecycleForeignClientTests {
    /// The SQL that starts run `id` and walks it.
    static func walkSQL(_ steps: [String], lifecycle: String, id: String) -> String {
        var sql =
            "INSERT INTO runs (id, job, lifecycle, state) VALUES ('\(id)', 'job-\(id)', '\(lifecycle)', '\(steps[0])');\n"
        for step in steps.dropFirst() {
            if step.hasPrefix("act:") {
                let action = step.dropFirst(4)
                sql += """
                    INSERT INTO state_history (run_id, from_state, to_state, action)
                    SELECT '\(id)', r.state, t.to_state, t.action FROM runs r
                    JOIN lifecycle_transitions t ON t.lifecycle = r.lifecycle AND t.from_state = r.state AND t.action = '\(action)'
                    WHERE r.id = '\(id)';

                    """
            } else {
                sql += """
                    INSERT INTO state_history (run_id, from_state, to_state)
                    SELECT '\(id)', state, '\(step)' FROM runs WHERE id = '\(id)';

                    """
            }
        }
        return sql
    }

    @Test(arguments: Ledger.Engine.allCases, LifecycleCase.all)
    func aFullLegalPathIsAcceptedAndTheLibraryReadsItBack(_ engine: Ledger.Engine, _ testCase: LifecycleCase) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let result = try database.run(Self.walkSQL(testCase.legalPath, lifecycle: testCase.lifecycle, id: "r1"))
            #expect(result.status == 0, "\(result.stderr)")
            let history = try ledger.history(of: "r1")
            #expect(history.count == testCase.legalPath.count)
            #expect(history.last?.to == (try ledger.run(id: "r1"))?.state)
            #expect(try ledger.run(id: "r1")?.isTerminal == true)
        }
    }

    @Test(arguments: Ledger.Engine.allCases, LifecycleCase.all)
    func illegalTransitionsAreRefusedWithTheRuleNamed(_ engine: Ledger.Engine, _ testCase: LifecycleCase) throws {
        try withTemporaryLedger(engine) { ledger, database in
            for (index, walk) in testCase.illegalWalks.enumerated() {
                let id = "w\(index)"
                let setup =
                    walk.count == 1 ? "" : Self.walkSQL(Array(walk.dropLast()), lifecycle: testCase.lifecycle, id: id)
                if !setup.isEmpty {
                    let result = try database.run(setup)
                    #expect(result.status == 0, "\(walk) setup: \(result.stderr)")
                }
                let rowsBefore = try database.query("SELECT count(*) FROM state_changes;")
                let stateBefore = try ledger.run(id: id)?.state
                let last = walk[walk.count - 1]
                let attempt: String
                if walk.count == 1 {
                    attempt =
                        "INSERT INTO runs (id, job, lifecycle, state) VALUES ('\(id)', 'j', '\(testCase.lifecycle)', '\(last)');"
                } else if last.hasPrefix("act:") {
                    // An action that has no edge from here: try every edge it names elsewhere.
                    attempt = """
                        INSERT INTO state_history (run_id, from_state, to_state, action)
                        SELECT '\(id)', r.state, t.to_state, t.action FROM runs r JOIN lifecycle_transitions t
                        ON t.lifecycle = r.lifecycle AND t.action = '\(last.dropFirst(4))' WHERE r.id = '\(id)';
                        """
                } else {
                    attempt =
                        "INSERT INTO state_history (run_id, from_state, to_state) SELECT '\(id)', state, '\(last)' FROM runs WHERE id = '\(id)';"
                }
                let result = try database.run(attempt)
                #expect(result.status != 0, "\(walk) was accepted")
                #expect(result.stderr.contains("runledger:"), "\(walk): \(result.stderr)")
                #expect(try database.query("SELECT count(*) FROM state_changes;") == rowsBefore)
                #expect(try ledger.run(id: id)?.state == stateBefore)
            }
        }
    }
}
