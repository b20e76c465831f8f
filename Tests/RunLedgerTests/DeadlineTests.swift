import Foundation
import Synchronization
import Testing

@testable import RunLedger

/// Deadlines and freshness, on both engines: the sweep times out the runs past a deadline
/// and only those, to each lifecycle's timeout state or, where there is none, with one
/// annotation per stay; a run finishing while the sweep runs is never timed out; jobs past
/// their freshness limit are reported; a foreign client cannot store a deadline of a state
/// the lifecycle lacks.
struct DeadlineTests {
    @Test(arguments: Ledger.Engine.allCases) func deadlinesTimeOutTheRunsPastThemAndNoOthers(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            let now = Timestamp.now
            func ago(_ seconds: Double) -> Timestamp { now.adding(seconds: -seconds) }
            // Per state, a job's own: Prefect runs of "queue" may stay 10 min in Pending.
            try ledger.setDeadline(.job("queue"), state: "Pending", seconds: 600)
            try ledger.start(job: "queue", lifecycle: "prefect", id: "stuck", state: "Pending", at: ago(900))
            try ledger.start(job: "queue", lifecycle: "prefect", id: "queued", state: "Pending", at: ago(60))
            try ledger.start(job: "queue", lifecycle: "prefect", id: "running", state: "Running", at: ago(900))
            // Whole run: Databricks runs of "etl" may take an hour from when they were due.
            try ledger.setDeadline(.job("etl"), seconds: 3600)
            try ledger.setConcurrencyLimit(nil, for: "etl")  // not Databricks' default of one active run
            try ledger.start(job: "etl", lifecycle: "databricks", id: "slow", state: "PENDING", at: ago(7200))
            try ledger.transition("slow", to: "RUNNING", at: ago(100))
            try ledger.start(job: "etl", lifecycle: "databricks", id: "quick", state: "PENDING", at: ago(60))
            try ledger.start(
                job: "etl", lifecycle: "databricks", id: "due-later", state: "PENDING", at: ago(7200),
                scheduledAt: now.adding(seconds: 600))
            // A lifecycle's default, and a job's own deadline that overrides it.
            try ledger.setDeadline(.lifecycle("canonical"), state: "PENDING", seconds: 300)
            try ledger.setDeadline(.job("patient"), state: "PENDING", seconds: 3600)
            try ledger.start(job: "plain", lifecycle: "canonical", id: "default", state: "PENDING", at: ago(400))
            try ledger.start(job: "patient", lifecycle: "canonical", id: "own", state: "PENDING", at: ago(400))
            // No timeout state (opencue), or no edge to it (canonical SCHEDULED -> FAILED).
            try ledger.setDeadline(.job("render"), state: "pending", seconds: 60)
            try ledger.start(job: "render", lifecycle: "opencue", id: "cue", state: "pending", at: ago(600))
            try ledger.setDeadline(.job("later"), seconds: 60)
            try ledger.start(job: "later", lifecycle: "canonical", id: "waiting", state: "SCHEDULED", at: ago(600))
            // An ended run is never touched.
            try ledger.start(job: "queue", lifecycle: "prefect", id: "ended", state: "Pending", at: ago(5000))
            try ledger.transition("ended", to: "Cancelled", at: ago(4000))

            let report = try ledger.sweep(now: now)
            #expect(Set(report.timedOut.map(\.runID)) == ["stuck", "slow", "default"])
            let moved = Dictionary(uniqueKeysWithValues: report.timedOut.map { ($0.runID, $0) })
            #expect(moved["stuck"]?.to == "TimedOut")
            #expect(moved["stuck"]?.reason?.hasPrefix("deadline: 900 s in Pending, past its limit of 600 s") == true)
            #expect(moved["slow"]?.to == "TERMINATED")
            #expect(moved["slow"]?.outcome == "TIMEDOUT")
            #expect(moved["slow"]?.reason?.contains("past its maximum run time of 3600 s") == true)
            #expect(moved["default"]?.to == "FAILED")
            #expect(moved["stuck"]?.actor == "runledger sweep")
            for id in ["stuck", "slow", "default"] {
                let run = try #require(try ledger.run(id: id))
                #expect(run.isTerminal)
                #expect(run.canonicalType == .failed)  // TERMINATED with TIMEDOUT counts as FAILED
            }
            for (id, state) in [
                ("queued", "Pending"), ("running", "Running"), ("quick", "PENDING"), ("due-later", "PENDING"),
                ("own", "PENDING"), ("cue", "pending"), ("waiting", "SCHEDULED"), ("ended", "Cancelled"),
            ] {
                #expect(try ledger.run(id: id)?.state == state, "\(id)")
            }
            #expect(Set(report.overdue.map(\.runID)) == ["cue", "waiting"])
            #expect(report.overdue.allSatisfy { $0.kind == "deadline_missed" && $0.actor == "runledger sweep" })
            let annotation = try #require(try ledger.annotations(of: "cue").first)
            #expect(annotation.reason?.hasPrefix("deadline: 600 s in pending, past its limit of 60 s") == true)
            #expect(annotation.metadata?.contains("\"limit_seconds\":60") == true)

            // Once per stay: a second sweep annotates nothing again and moves nothing.
            let again = try ledger.sweep(now: now.adding(seconds: 1))
            #expect(again.timedOut.isEmpty)
            #expect(again.overdue.isEmpty)
            #expect(try ledger.annotations(of: "cue").count == 1)
            #expect(try ledger.verify().isClean)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func deadlinesAreSetListedAndRemoved(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            try ledger.setDeadline(.job("etl"), seconds: 7200, actor: "ops")
            try ledger.setDeadline(.job("etl"), state: "PENDING", seconds: 600)
            try ledger.setDeadline(.job("etl"), state: "PENDING", seconds: 900)  // replaces
            try ledger.setDeadline(.lifecycle("prefect"), state: "Pending", seconds: 300)
            let deadlines = try ledger.deadlines()
            #expect(deadlines.map(\.scope) == [.job("etl"), .job("etl"), .lifecycle("prefect")])
            #expect(deadlines.map(\.state) == [nil, "PENDING", "Pending"])
            #expect(deadlines.map(\.seconds) == [7200, 900, 300])
            #expect(deadlines.first?.actor == "ops")
            #expect(try ledger.removeDeadline(.job("etl"), state: "PENDING"))
            #expect(try !ledger.removeDeadline(.job("etl"), state: "PENDING"))
            #expect(try ledger.deadlines().count == 2)

            #expect(throws: LedgerError.noSuchLifecycle(name: "nope")) {
                try ledger.setDeadline(.lifecycle("nope"), seconds: 60)
            }
            #expect(throws: LedgerError.self) {
                try ledger.setDeadline(.lifecycle("prefect"), state: "Done", seconds: 60)
            }
            #expect(throws: LedgerError.self) {
                try ledger.setDeadline(.lifecycle("prefect"), state: "Completed", seconds: 60)  // terminal
            }
            #expect(throws: LedgerError.self) { try ledger.setDeadline(.job("etl"), seconds: 0) }
            #expect(throws: LedgerError.self) { try ledger.setDeadline(.job("etl"), seconds: .infinity) }
            #expect(throws: LedgerError.self) { try ledger.setFreshness("etl", staleAfter: -1) }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aForeignClientCannotStoreADeadlineOfAStateTheLifecycleLacks(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let insert = "INSERT INTO deadlines (scope, name, state, seconds, set_at) VALUES "
            for (values, tag) in [
                ("('lifecycle', 'nope', '', 60, 1)", "runledger:no_such_lifecycle"),
                ("('lifecycle', 'prefect', 'Done', 60, 1)", "runledger:no_such_state"),
                ("('lifecycle', 'prefect', 'Completed', 60, 1)", "runledger:no_such_state"),
                ("('lifecycle', 'prefect', 'Pending', 0, 1)", "check constraint"),  // seconds > 0
                ("('team', 'etl', '', 60, 1)", "check constraint"),  // scope IN ('job', 'lifecycle')
            ] {
                let result = try database.run(insert + values)
                #expect(result.status != 0, "\(values)")
                #expect(result.stderr.lowercased().contains(tag), "\(values): \(result.stderr)")
            }
            #expect(try database.run(insert + "('lifecycle', 'prefect', 'Pending', 60, 1)").status == 0)
            #expect(try database.run(insert + "('job', 'etl', 'ANY STATE', 60, 1)").status == 0)
            #expect(try ledger.deadlines().count == 2)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aSweepNeverTimesOutARunThatJustFinished(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, database in
            // Every Running run is past its deadline at once; worker threads finish theirs while
            // a sweeper sweeps. Each run ends once: Completed by its worker (the sweep then
            // leaves it), or TimedOut by the sweep (the worker's move is then refused).
            try ledger.setDeadline(.job("race"), state: "Running", seconds: 0.000_001)
            let runs = (0..<8).map { "race\($0)" }
            for id in runs { try ledger.start(job: "race", lifecycle: "prefect", id: id, state: "Running") }
            let completed = Mutex<Set<String>>([])
            let refused = Mutex<[String: String]>([:])
            let sweptOut = Mutex<Set<String>>([])
            DispatchQueue.concurrentPerform(iterations: runs.count + 1) { worker in
                guard let own = try? database.open() else { return }
                if worker == runs.count {
                    for _ in 0..<30 {
                        if let report = try? own.sweep() {
                            sweptOut.withLock { $0.formUnion(report.timedOut.map(\.runID)) }
                        }
                    }
                    return
                }
                let id = runs[worker]
                usleep(UInt32(worker * 2_000))
                do {
                    try own.transition(id, to: "Completed", expecting: "Running")
                    completed.withLock { _ = $0.insert(id) }
                } catch {
                    refused.withLock { $0[id] = "\(error)" }
                }
            }
            let done = completed.withLock { $0 }
            let failures = refused.withLock { $0 }
            let timedOut = sweptOut.withLock { $0 }
            #expect(done.isDisjoint(with: timedOut))
            #expect(done.union(failures.keys).count == runs.count)
            for id in runs {
                let history = try ledger.history(of: id)
                #expect(history.filter { ["Completed", "TimedOut"].contains($0.to) }.count == 1, "\(id)")
                let run = try #require(try ledger.run(id: id))
                if done.contains(id) {
                    #expect(run.state == "Completed")
                } else {
                    // Refused: the sweep had moved it first, and said so.
                    #expect(run.state == "TimedOut", "\(id): \(failures[id] ?? "")")
                    #expect(timedOut.contains(id))
                }
            }
            #expect(try ledger.verify().isClean)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func jobsPastTheirFreshnessLimitAreReported(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            let now = Timestamp.now
            func ago(_ seconds: Double) -> Timestamp { now.adding(seconds: -seconds) }
            for job in ["daily", "fresh", "failing", "never"] { try ledger.setFreshness(job, staleAfter: 3600) }
            try ledger.start(job: "daily", id: "d1", state: "RUNNING", at: ago(9000))
            try ledger.transition("d1", to: "COMPLETED", at: ago(7200))
            try ledger.start(job: "fresh", id: "f1", state: "RUNNING", at: ago(120))
            try ledger.transition("f1", to: "COMPLETED", at: ago(60))
            // A Databricks TERMINATED with FAILED is no success.
            try ledger.start(job: "failing", lifecycle: "databricks", id: "x1", state: "PENDING", at: ago(120))
            try ledger.transition("x1", to: "RUNNING", at: ago(100))
            try ledger.transition("x1", to: "TERMINATED", at: ago(60), outcome: "FAILED")
            try ledger.start(job: "unwatched", id: "u1", state: "RUNNING", at: ago(9000))

            let stale = try ledger.freshnessViolations(now: now)
            // "failing" and "never" have no success: their time counts from when their limit
            // was set (just now), so they are stale only an hour later.
            #expect(stale.map(\.job) == ["daily"])
            #expect(stale.first?.lastSuccess == ago(7200))
            #expect(stale.first?.staleSince == ago(3600))
            let later = try ledger.freshnessViolations(now: now.adding(seconds: 4000))
            #expect(later.map(\.job) == ["daily", "failing", "fresh", "never"])
            #expect(later.map(\.lastSuccess) == [ago(7200), nil, ago(60), nil])
            #expect(try ledger.sweep(now: now).stale.map(\.job) == ["daily"])

            let health = Dictionary(uniqueKeysWithValues: try ledger.jobHealth(now: now).map { ($0.job, $0) })
            #expect(health["daily"]?.isStale == true)
            #expect(health["daily"]?.staleAfter == 3600)
            #expect(health["fresh"]?.isStale == false)
            #expect(health["unwatched"]?.staleAfter == nil)
            #expect(health["never"] != nil)  // a watched job with no run is listed
            #expect(health["never"]?.latestRun == nil)

            #expect(try ledger.removeFreshness("daily"))
            #expect(try !ledger.removeFreshness("daily"))
            #expect(try ledger.freshnessViolations(now: now).isEmpty)
            #expect(try ledger.freshnessLimits().map(\.job) == ["failing", "fresh", "never"])
        }
    }
}
