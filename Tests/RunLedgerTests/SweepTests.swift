import Foundation
import Synchronization
import Testing

@testable import RunLedger

/// Lateness and lost heartbeats, on both engines.
struct SweepTests {
    @Test(arguments: Ledger.Engine.allCases) func theSweepMarksOverdueScheduledRunsLate(_ engine: Ledger.Engine) throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            let now = Timestamp.now
            try ledger.start(job: "a", lifecycle: "prefect", id: "overdue", scheduledAt: now.adding(seconds: -60))
            try ledger.start(job: "b", lifecycle: "prefect", id: "just", scheduledAt: now.adding(seconds: -2))
            try ledger.start(job: "c", lifecycle: "prefect", id: "future", scheduledAt: now.adding(seconds: 600))
            try ledger.start(
                job: "d", lifecycle: "prefect", id: "retrying", state: "Running", scheduledAt: now.adding(seconds: -60))
            try ledger.transition("retrying", to: "AwaitingRetry")
            try ledger.start(
                job: "e", lifecycle: "canonical", id: "no-late-state", scheduledAt: now.adding(seconds: -60))
            let report = try ledger.sweep(now: now, lateAfter: 5)
            #expect(report.late.map(\.runID) == ["overdue"])
            #expect(report.late.first?.to == "Late")
            #expect(report.late.first?.reason?.hasPrefix("late: scheduled at ") == true)
            #expect(report.late.first?.actor == "runledger sweep")
            #expect(try ledger.sweep(now: now, lateAfter: 5).late.isEmpty)  // Late -> Late is not an edge
            #expect(try ledger.sweep(now: now, lateAfter: 1).late.map(\.runID) == ["just"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func theSweepCrashesRunsWhoseHeartbeatStopped(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            let now = Timestamp.now
            for (id, lifecycle, state) in [
                ("stale", "prefect", "Running"), ("fresh", "prefect", "Running"), ("silent", "prefect", "Running"),
                ("dbx", "databricks", "PENDING"), ("cue", "opencue", "pending"),
            ] {
                try ledger.start(job: id, lifecycle: lifecycle, id: id, state: state, at: now.adding(seconds: -600))
            }
            try ledger.transition("dbx", to: "RUNNING", at: now.adding(seconds: -600))
            try ledger.transition("cue", to: "running", at: now.adding(seconds: -600))
            for id in ["stale", "dbx", "cue"] { try ledger.heartbeat(id, at: now.adding(seconds: -300)) }
            try ledger.heartbeat("fresh", at: now.adding(seconds: -10))
            let report = try ledger.sweep(now: now, heartbeatTimeout: 90)
            #expect(report.crashed.map(\.runID) == ["stale", "dbx"])  // opencue has no crash state
            #expect(report.crashed.map(\.to) == ["Crashed", "INTERNAL_ERROR"])
            let heartbeat = now.adding(seconds: -300)
            #expect(report.crashed.first?.reason == "heartbeat lost; last heartbeat at \(heartbeat.iso8601)")
            #expect(throws: LedgerError.runEnded(runID: "stale")) { try ledger.heartbeat("stale") }
            #expect(try ledger.run(id: "silent")?.state == "Running")  // never sent a heartbeat
            #expect(throws: LedgerError.noSuchRun(runID: "nope")) { try ledger.heartbeat("nope") }
            #expect(throws: LedgerError.self) { try ledger.heartbeat("fresh", at: now.adding(seconds: -20)) }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aSweepRacingHeartbeatsCrashesARunCleanlyOrNotAtAll(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let runs = (0..<6).map { "hb\($0)" }
            var first: [String: Timestamp] = [:]
            for id in runs {
                try ledger.start(job: id, lifecycle: "prefect", id: id, state: "Running")
                let at = Timestamp.now
                try ledger.heartbeat(id, at: at)
                first[id] = at
            }
            // Heartbeat threads keep their runs alive; a sweeper with a zero timeout crashes any
            // run whose last heartbeat is older than the moment it looks. Each heartbeat thread
            // stops at its first refusal, which must say the run has ended.
            // A sweep may crash a run before its thread's first heartbeat (a loaded machine):
            // its last acknowledged heartbeat is then the one above.
            let lastAcknowledged = Mutex<[String: Timestamp]>(first)
            let refusals = Mutex<[String: String]>([:])
            let sweeps = Mutex<Int>(0)
            DispatchQueue.concurrentPerform(iterations: runs.count + 1) { worker in
                guard let own = try? database.open() else { return }
                if worker == runs.count {
                    for _ in 0..<40 {
                        _ = try? own.sweep(heartbeatTimeout: 0)
                        sweeps.withLock { $0 += 1 }
                    }
                    return
                }
                let id = runs[worker]
                for _ in 0..<200 {
                    let at = Timestamp.now
                    do {
                        try own.heartbeat(id, at: at)
                        lastAcknowledged.withLock { $0[id] = at }
                    } catch {
                        refusals.withLock { $0[id] = "\(error)" }
                        return
                    }
                }
            }
            // The workers are done: read each record once, outside the expectations.
            let sweepCount = sweeps.withLock { $0 }
            let acknowledgedAt = lastAcknowledged.withLock { $0 }
            let refused = refusals.withLock { $0 }
            #expect(sweepCount == 40)
            for id in runs {
                let run = try #require(try ledger.run(id: id))
                if let refusal = refused[id] {
                    // Crashed: by a sweep that saw the last acknowledged heartbeat, not a later one.
                    #expect(refusal == "\(LedgerError.runEnded(runID: id))")
                    #expect(run.state == "Crashed")
                    let crash = try #require(try ledger.history(of: id).last)
                    let last = try #require(acknowledgedAt[id])
                    #expect(crash.reason == "heartbeat lost; last heartbeat at \(last.iso8601)")
                    #expect(run.heartbeatAt == last)
                } else {
                    // Never refused: the run may still have been crashed after its last heartbeat.
                    #expect(run.state == "Running" || run.heartbeatAt == acknowledgedAt[id])
                }
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aSweepNeverCrashesARunThatJustFinished(_ engine: Ledger.Engine) throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            let old = Timestamp.now.adding(seconds: -600)
            try ledger.start(job: "j", lifecycle: "prefect", id: "done", state: "Running", at: old)
            try ledger.heartbeat("done", at: old)
            try ledger.transition("done", to: "Completed")
            #expect(try ledger.sweep(heartbeatTimeout: 1).crashed.isEmpty)
            #expect(try ledger.run(id: "done")?.state == "Completed")
        }
    }
}
