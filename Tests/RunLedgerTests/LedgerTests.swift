import Foundation
import Testing

@testable import RunLedger

/// The ledger API: starting, transitions, actions, batches, queries, and their typed errors,
/// on both engines.
struct LedgerTests {
    @Test(arguments: Ledger.Engine.allCases) func startRecordsTheRunAndItsFirstState(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine, .init(durability: .normal, actor: "tester")) { ledger, _ in
            let at = try #require(Timestamp(iso8601: "2026-01-02T03:04:05Z"))
            let run = try ledger.start(
                job: "etl", lifecycle: "prefect", id: "run-1", at: at, reason: "nightly", metadata: #"{"k": 1}"#)
            #expect(run.id == "run-1")
            #expect(run.state == "Scheduled")
            #expect(run.canonicalType == .scheduled)
            #expect(!run.isTerminal)
            #expect(run.createdAt == at && run.updatedAt == at)
            #expect(run.createdBy == "tester" && run.createdReason == "nightly")
            #expect(run.attempt == 1 && run.parentID == nil)
            #expect(run.metadata == #"{"k": 1}"#)
            let history = try ledger.history(of: "run-1")
            #expect(
                history == [
                    StateChange(
                        seq: history[0].seq, runID: "run-1", from: nil, to: "Scheduled", at: at, actor: "tester",
                        reason: "nightly")
                ])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func startDefaultsToAUUIDv7AndTheCanonicalLifecycle(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let run = try ledger.start(job: "etl")
            #expect(run.id.count == 36)
            #expect(run.lifecycle == "canonical")
            #expect(run.state == "SCHEDULED")
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aRetryIsANewRunWhoseAttemptFollowsItsParent(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            let first = try ledger.start(job: "etl", lifecycle: "opencue", state: "pending")
            try ledger.transition(first.id, to: "running")
            try ledger.transition(first.id, to: "failed")
            let second = try ledger.start(job: "etl", lifecycle: "opencue", reason: "resubmit", parent: first.id)
            let third = try ledger.start(job: "etl", lifecycle: "opencue", parent: second.id)
            #expect(second.attempt == 2 && second.parentID == first.id)
            #expect(third.attempt == 3 && third.parentID == second.id)
            #expect(throws: LedgerError.noSuchRun(runID: "missing")) {
                try ledger.start(job: "etl", parent: "missing")
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func typedErrorsNameWhatWasWrong(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let run = try ledger.start(job: "etl", lifecycle: "databricks", id: "r")
            #expect(throws: LedgerError.duplicateRun(runID: "r")) { try ledger.start(job: "etl", id: "r") }
            #expect(throws: LedgerError.noSuchLifecycle(name: "airflow")) {
                try ledger.start(job: "etl", lifecycle: "airflow")
            }
            #expect(throws: LedgerError.noSuchState(lifecycle: "databricks", state: "QUEUED")) {
                try ledger.start(job: "etl", lifecycle: "databricks", state: "QUEUED")
            }
            #expect(throws: LedgerError.noSuchState(lifecycle: "databricks", state: "DONE")) {
                try ledger.transition(run.id, to: "DONE")
            }
            #expect(throws: LedgerError.noSuchRun(runID: "nope")) { try ledger.transition("nope", to: "RUNNING") }
            #expect(throws: LedgerError.noSuchRun(runID: "nope")) { try ledger.history(of: "nope") }
            #expect(throws: LedgerError.noSuchAction(lifecycle: "databricks", action: "kill")) {
                try ledger.perform("kill", on: "r")
            }
            let illegal = try #require(throws: LedgerError.self) { try ledger.transition("r", to: "TERMINATING") }
            #expect(
                illegal
                    == .illegalTransition(
                        runID: "r", from: "PENDING", to: "TERMINATING",
                        legalTargets: ["RUNNING", "SKIPPED", "TERMINATED", "INTERNAL_ERROR"]))
            #expect(
                illegal.description
                    == "Run r cannot go from PENDING to TERMINATING; legal next states: RUNNING, SKIPPED, TERMINATED, INTERNAL_ERROR."
            )
            let notInitial = try #require(throws: LedgerError.self) {
                try ledger.start(job: "etl", lifecycle: "databricks", id: "x", state: "RUNNING")
            }
            #expect(
                notInitial
                    == .illegalTransition(runID: "x", from: nil, to: "RUNNING", legalTargets: ["PENDING", "BLOCKED"]))
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func expectedStateIsACompareAndSet(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let run = try ledger.start(job: "etl", lifecycle: "domino")
            try ledger.transition(run.id, to: "Scheduled", expecting: "Queued")
            let error = try #require(throws: LedgerError.self) {
                try ledger.transition(run.id, to: "Preparing", expecting: "Queued")
            }
            #expect(error == .expectedStateConflict(runID: run.id, expected: "Queued", actual: "Scheduled"))
            #expect(try ledger.history(of: run.id).count == 2)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func actionsTakeTheirNamedEdgeAndOnlyThem(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let run = try ledger.start(job: "render", lifecycle: "opencue")
            try ledger.transition(run.id, to: "running")
            let required = try #require(throws: LedgerError.self) { try ledger.transition(run.id, to: "pending") }
            #expect(
                required
                    == .actionRequired(
                        runID: run.id, from: "running", to: "pending", actions: ["interrupt", "suspend"]))
            let kill = try ledger.perform("kill", on: run.id, reason: "wrong frames")
            #expect(kill.from == "running" && kill.to == "killed" && kill.action == "kill")
            #expect(try ledger.run(id: run.id)?.isTerminal == true)
            let illegal = try #require(throws: LedgerError.self) { try ledger.perform("suspend", on: run.id) }
            #expect(
                illegal == .illegalAction(runID: run.id, state: "killed", action: "suspend", legalActions: ["retry"]))
            let retry = try ledger.perform("retry", on: run.id, expecting: "killed")
            #expect(retry.to == "pending")
            #expect(try ledger.history(of: run.id).map(\.action) == [nil, nil, "kill", "retry"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func timesNeverGoBackwards(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let future = Timestamp.now.adding(seconds: 3600)
            let run = try ledger.start(job: "etl", at: future)
            // Without a time, a change after a future-dated one takes the run's last time.
            let change = try ledger.transition(run.id, to: "PENDING")
            #expect(change.at == future)
            let earlier = future.adding(seconds: -1)
            let error = try #require(throws: LedgerError.self) {
                try ledger.transition(run.id, to: "RUNNING", at: earlier)
            }
            #expect(error == .timeWentBackwards(runID: run.id, at: earlier, lastChange: future))
            let same = try ledger.transition(run.id, to: "RUNNING", at: future)
            #expect(same.at == future)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func badInputIsRefusedBeforeAnythingIsWritten(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, database in
            let run = try ledger.start(job: "etl")
            for (attempt, field) in [
                ({ try ledger.start(job: "") }, "job"),
                ({ try ledger.start(job: String(repeating: "j", count: 201)) }, "job"),
                ({ try ledger.start(job: "a\u{0}b") }, "job"),
                ({ try ledger.start(job: "a\nb") }, "job"),
                ({ try ledger.start(job: "etl", id: "") }, "run id"),
                ({ try ledger.start(job: "etl", metadata: "{not json") }, "metadata"),
                ({ try ledger.start(job: "etl", at: Timestamp(rawValue: -5)) }, "time"),
                ({ try ledger.transition(run.id, to: "PENDING", reason: "x\u{0}") }, "reason"),
                ({ try ledger.transition(run.id, to: "PENDING", metadata: "[1,") }, "metadata"),
            ] as [(() throws -> Any, String)] {
                let error = try #require(throws: LedgerError.self) { _ = try attempt() }
                guard case .invalidArgument(let name, _) = error else {
                    Issue.record("expected invalidArgument for \(field), got \(error)")
                    continue
                }
                #expect(name == field)
            }
            #expect(
                try database.query("SELECT count(*) FROM runs; SELECT count(*) FROM state_changes;") == [
                    "1", "1",
                ])
            // SQL-looking text is only text.
            let sneaky = try ledger.start(job: "x'); DROP TABLE runs; --", id: "id\"; DELETE FROM runs")
            #expect(try ledger.run(id: sneaky.id)?.job == "x'); DROP TABLE runs; --")
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aBatchCommitsEverythingOrNothing(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            struct Stop: Error {}
            #expect(throws: Stop.self) {
                try ledger.batch { batch in
                    let run = try batch.start(job: "a", id: "a1")
                    try batch.transition(run.id, to: "PENDING")
                    #expect(try batch.run(id: "a1")?.state == "PENDING")
                    throw Stop()
                }
            }
            #expect(try ledger.run(id: "a1") == nil)
            let ids = try ledger.batch { batch in
                (0..<50).map { index in (try? batch.start(job: "b", id: "b\(index)"))?.id }
            }
            #expect(ids.compactMap { $0 }.count == 50)
            #expect(try ledger.runs(matching: RunQuery(job: "b")).count == 50)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aRefusedWriteInsideABatchLeavesTheRestToCommit(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            try ledger.batch { batch in
                let run = try batch.start(job: "a", id: "a1")
                #expect(throws: LedgerError.self) { try batch.transition(run.id, to: "COMPLETED") }
                try batch.transition(run.id, to: "RUNNING")
            }
            #expect(try ledger.history(of: "a1").map(\.to) == ["SCHEDULED", "RUNNING"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func runsMatchTheirQuery(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let base = try #require(Timestamp(iso8601: "2026-01-01T00:00:00Z"))
            for index in 0..<6 {
                let run = try ledger.start(
                    job: index % 2 == 0 ? "even" : "odd", lifecycle: index < 3 ? "canonical" : "prefect",
                    id: "r\(index)", at: base.adding(seconds: Double(index) * 60))
                if index % 3 == 0 { try ledger.transition(run.id, to: index < 3 ? "CANCELLED" : "Cancelled") }
            }
            #expect(try ledger.runs().map(\.id) == ["r5", "r4", "r3", "r2", "r1", "r0"])
            #expect(try ledger.runs(matching: RunQuery(job: "even")).map(\.id) == ["r4", "r2", "r0"])
            #expect(
                try ledger.runs(matching: RunQuery(lifecycle: "prefect", status: .active)).map(\.id) == ["r5", "r4"])
            #expect(try ledger.runs(matching: RunQuery(status: .terminal)).map(\.id) == ["r3", "r0"])
            #expect(try ledger.runs(matching: RunQuery(state: "Scheduled")).map(\.id) == ["r5", "r4"])
            #expect(
                try ledger.runs(
                    matching: RunQuery(createdSince: base.adding(seconds: 60), createdBefore: base.adding(seconds: 180))
                ).map(\.id)
                    == ["r2", "r1"])
            #expect(try ledger.runs(matching: RunQuery(limit: 2)).map(\.id) == ["r5", "r4"])
            #expect(throws: LedgerError.self) { try ledger.runs(matching: RunQuery(limit: -1)) }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func theSixBuiltInLifecyclesAreThere(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let lifecycles = try ledger.lifecycles()
            #expect(
                lifecycles.map(\.name) == ["canonical", "databricks", "domino", "opencue", "openlineage", "prefect"])
            #expect(lifecycles.allSatisfy { $0.isBuiltin })
            let canonical = try #require(try ledger.lifecycle(named: "canonical"))
            #expect(canonical.states.map(\.name) == CanonicalType.allCases.map(\.rawValue))
            #expect(
                canonical.states.allSatisfy {
                    $0.canonicalType.rawValue == $0.name && $0.isTerminal == $0.canonicalType.isTerminal
                })
            let prefect = try #require(try ledger.lifecycle(named: "prefect"))
            #expect(prefect.state(named: "Retrieved Cache")?.canonicalType == .completed)
            #expect(prefect.state(named: "Crashed")?.isTerminal == true)
            #expect(
                try ledger.lifecycle(named: "opencue")?.actions == ["block", "interrupt", "suspend", "kill", "retry"])
            #expect(try ledger.lifecycle(named: "nope") == nil)
            for lifecycle in lifecycles {
                // Every state is reachable, every edge joins two states, terminal states are left
                // only by actions.
                let names = Set(lifecycle.states.map(\.name))
                #expect(lifecycle.transitions.allSatisfy { names.contains($0.from) && names.contains($0.to) })
                var reached = Set(lifecycle.states.filter(\.isInitial).map(\.name))
                var changed = true
                while changed {
                    let next = reached.union(lifecycle.transitions.filter { reached.contains($0.from) }.map(\.to))
                    changed = next != reached
                    reached = next
                }
                #expect(reached == names, "\(lifecycle.name): unreachable \(names.subtracting(reached))")
                for state in lifecycle.states where state.isTerminal {
                    #expect(
                        lifecycle.transitions(from: state.name).allSatisfy { $0.action != nil },
                        "\(lifecycle.name).\(state.name)")
                }
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aReadOnlyLedgerReadsButCannotWrite(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let run = try ledger.start(job: "etl")
            let reader = try database.open(.init(mode: .readOnly))
            #expect(try reader.run(id: run.id)?.state == "SCHEDULED")
            // SQLite's SQLITE_READONLY, PostgreSQL's SQLSTATE 25006 (a read-only transaction).
            let error = try #require(throws: (any Error).self) { try reader.transition(run.id, to: "PENDING") }
            #expect((error as? any EngineError)?.readOnlyRefusal != nil, "\(error)")
            if engine == .sqlite { #expect((error as? SQLiteError)?.code == .readOnly) }
            #expect(try ledger.history(of: run.id).map(\.to) == ["SCHEDULED"])
        }
    }
}
