import Foundation
import Synchronization
import Testing

@testable import RunLedger

/// Concurrency limits, dependencies, retries, outcomes, request keys and annotations, on both
/// engines.
struct SemanticsTests {
    // MARK: - Concurrency limits

    @Test(arguments: Ledger.Engine.allCases) func aDatabricksJobRunsOneAtATimeAndSkipsTheRest(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            let first = try ledger.start(job: "warehouse", lifecycle: "databricks", id: "d1")
            let second = try ledger.start(job: "warehouse", lifecycle: "databricks", id: "d2")
            #expect(first.state == "PENDING")
            #expect(second.state == "SKIPPED" && second.isTerminal)
            #expect(second.outcome == "MAXIMUM_CONCURRENT_RUNS_REACHED")
            #expect(second.canonicalType == .skipped)
            let skip = try #require(try ledger.history(of: "d2").last)
            #expect(skip.reason == "job warehouse is at its limit of 1 active run; run d1 is active")
            // Another job is not limited by this one; and once d1 ends, the job takes a run again.
            #expect(try ledger.start(job: "other", lifecycle: "databricks").state == "PENDING")
            try ledger.transition("d1", to: "TERMINATED", outcome: "CANCELED")
            #expect(try ledger.start(job: "warehouse", lifecycle: "databricks", id: "d3").state == "PENDING")
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func theRunThatStartReturnsIsTheRunStored(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let first = try ledger.start(
                job: "etl", lifecycle: "opencue", id: "o1", at: Timestamp(rawValue: 1_700_000_000_000_000),
                reason: "nightly", metadata: #"{"k": [1, 2]}"#, maxRetries: 3,
                scheduledAt: Timestamp(rawValue: 1_700_000_100_000_000), actor: "cron@host")
            // A retry inherits max_retries and takes the next attempt; a skipped run ends at once.
            let retry = try ledger.start(job: "etl", lifecycle: "opencue", id: "o2", parent: "o1")
            let kept = try ledger.start(job: "warehouse", lifecycle: "databricks", id: "d1")
            let skipped = try ledger.start(job: "warehouse", lifecycle: "databricks", id: "d2", actor: "ops")
            let blocked = try ledger.start(job: "report", lifecycle: "prefect", id: "p1", upstream: ["d1"])
            for run in [first, retry, kept, skipped, blocked] {
                #expect(try ledger.run(id: run.id) == run, "\(run.id)")
            }
            #expect(retry.attempt == 2 && retry.maxRetries == 3 && retry.parentID == "o1")
            #expect(skipped.state == "SKIPPED" && skipped.endedAt != nil && skipped.outcome != nil)
            #expect(first.metadata == #"{"k": [1, 2]}"# && first.createdBy == "cron@host")
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aJobsOwnLimitOverridesItsLifecycleDefault(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            try ledger.setConcurrencyLimit(2, for: "etl")
            let states = try (1...3).map { _ in try ledger.start(job: "etl", lifecycle: "canonical").state }
            #expect(states == ["SCHEDULED", "SCHEDULED", "SKIPPED"])
            try ledger.setConcurrencyLimit(nil, for: "warehouse")
            let unlimited = try (1...3).map { _ in try ledger.start(job: "warehouse", lifecycle: "databricks").state }
            #expect(unlimited == ["PENDING", "PENDING", "PENDING"])
            try ledger.setConcurrencyLimit(0, for: "frozen")
            #expect(try ledger.start(job: "frozen", lifecycle: "prefect").state == "Cancelled")
            try ledger.clearConcurrencyLimit(for: "warehouse")
            #expect(try ledger.start(job: "warehouse", lifecycle: "databricks").state == "SKIPPED")
            #expect(try ledger.concurrencyLimits().map(\.job) == ["etl", "frozen"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aLifecycleWithoutASkipStateRefusesARunOverTheLimit(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            try ledger.setConcurrencyLimit(1, for: "render")
            try ledger.start(job: "render", lifecycle: "opencue", id: "o1")
            #expect(throws: LedgerError.concurrencyLimitReached(job: "render", maxActive: 1)) {
                try ledger.start(job: "render", lifecycle: "opencue", id: "o2")
            }
            #expect(try ledger.run(id: "o2") == nil)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func eightThreadsStartingRunsOfALimitOneJobLetExactlyOneIn(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let states = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { index in
                // Each thread with its own connection: the race is between transactions.
                guard let own = try? database.open(),
                    let run = try? own.start(job: "nightly", lifecycle: "databricks", id: "r\(index)")
                else { return }
                states.withLock { $0.append(run.state) }
            }
            let all = states.withLock { $0 }
            #expect(all.count == 8)
            #expect(all.filter { $0 == "PENDING" }.count == 1)
            #expect(all.filter { $0 == "SKIPPED" }.count == 7)
            _ = ledger
        }
    }

    // MARK: - Dependencies

    @Test(arguments: Ledger.Engine.allCases) func aRunWaitsForItsUpstreamsAndIsReleasedWhenTheLastCompletes(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            try ledger.start(job: "extract", lifecycle: "databricks", id: "u1")
            try ledger.start(job: "clean", lifecycle: "databricks", id: "u2")
            let load = try ledger.start(job: "load", lifecycle: "databricks", id: "load", upstream: ["u1", "u2"])
            #expect(load.state == "BLOCKED")
            // A dependant of a lifecycle without a blocked state starts as usual, but cannot run.
            let direct = try ledger.start(job: "report", id: "direct", state: "PENDING", upstream: ["u1", "u2"])
            #expect(direct.state == "PENDING")
            let blocked = try #require(throws: LedgerError.self) { try ledger.transition("direct", to: "RUNNING") }
            #expect(blocked == .blockedByUpstream(runID: "direct", upstreams: ["u1", "u2"]))
            #expect(try ledger.run(id: "load")?.state == "BLOCKED")
            for upstream in ["u1", "u2"] {
                try ledger.transition(upstream, to: "RUNNING")
                try ledger.transition(upstream, to: "TERMINATED", outcome: "SUCCESS")
            }
            let history = try ledger.history(of: "load")
            #expect(history.map(\.to) == ["BLOCKED", "PENDING"])
            #expect(history.last?.reason == "upstream u2 completed; every upstream has completed")
            try ledger.transition("load", to: "RUNNING")
            try ledger.transition("direct", to: "RUNNING")
            #expect(throws: LedgerError.notBlocked(runID: "load", state: "RUNNING")) { try ledger.release("load") }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aFailedUpstreamSkipsItsDependantsAllTheWayDown(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            try ledger.start(job: "a", lifecycle: "databricks", id: "a")
            try ledger.start(job: "b", lifecycle: "databricks", id: "b", upstream: ["a"])
            try ledger.start(job: "c", lifecycle: "databricks", id: "c", upstream: ["b"])
            try ledger.start(job: "p", lifecycle: "prefect", id: "p", upstream: ["a"])
            try ledger.transition("a", to: "RUNNING")
            try ledger.transition("a", to: "TERMINATED", outcome: "FAILED")
            for id in ["b", "c"] {
                let run = try #require(try ledger.run(id: id))
                #expect(run.state == "SKIPPED" && run.outcome == "UPSTREAM_FAILED", "\(id)")
                #expect(try ledger.history(of: id).last?.reason == "upstream a ended in TERMINATED")
            }
            // Prefect has no state for it: the run stays, with an annotation saying why.
            #expect(try ledger.run(id: "p")?.state == "Scheduled")
            let note = try #require(try ledger.annotations(of: "p").first)
            #expect(note.kind == "upstream_failed" && note.reason?.contains("upstream a ended in TERMINATED") == true)
            #expect(throws: LedgerError.blockedByUpstream(runID: "p", upstreams: ["a"])) {
                try ledger.transition("p", to: "Running")
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func releaseByHandChecksTheUpstreams(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            try ledger.start(job: "a", lifecycle: "opencue", id: "a")
            try ledger.start(job: "b", lifecycle: "opencue", id: "b", upstream: ["a"])
            #expect(try ledger.run(id: "b")?.state == "blocked")
            #expect(throws: LedgerError.blockedByUpstream(runID: "b", upstreams: ["a"])) { try ledger.release("b") }
            #expect(throws: LedgerError.noSuchRun(runID: "zz")) { try ledger.start(job: "x", upstream: ["zz"]) }
        }
    }

    // MARK: - Retries

    @Test(arguments: Ledger.Engine.allCases) func aRunWithMaxRetriesFailsForGoodWhenTheyAreUsed(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            let run = try ledger.start(job: "flow", lifecycle: "prefect", state: "Running", maxRetries: 2)
            for _ in 0..<2 {
                try ledger.transition(run.id, to: "AwaitingRetry")
                try ledger.transition(run.id, to: "Retrying")
            }
            #expect(throws: LedgerError.retriesExhausted(runID: run.id, maxRetries: 2)) {
                try ledger.transition(run.id, to: "AwaitingRetry")
            }
            try ledger.transition(run.id, to: "Failed")
            #expect(try ledger.run(id: run.id)?.canonicalType == .failed)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aRetryChainCountsItsAttemptsAgainstMaxRetries(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            let first = try ledger.start(job: "render", lifecycle: "opencue", id: "c1", maxRetries: 1)
            try ledger.transition("c1", to: "running")
            try ledger.perform("kill", on: "c1")
            let second = try ledger.start(
                job: "render", lifecycle: "opencue", id: "c2", reason: "resubmit", parent: "c1")
            #expect(second.attempt == 2 && second.maxRetries == 1 && second.parentID == first.id)
            #expect(throws: LedgerError.retriesExhausted(runID: "c2", maxRetries: 1)) {
                try ledger.start(job: "render", lifecycle: "opencue", id: "c3", parent: "c2")
            }
            #expect(try ledger.chain(of: "c2").map(\.id) == ["c1", "c2"])
            #expect(try ledger.chain(of: "c1").map(\.id) == ["c1", "c2"])
            #expect(try ledger.timeline(of: "c1").children == ["c2"])
        }
    }

    // MARK: - Outcomes

    @Test(arguments: Ledger.Engine.allCases) func anOutcomeRefinesTheCanonicalTypeOfATerminalState(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, database in
            for (id, outcome) in [("ok", "SUCCESS"), ("bad", "FAILED"), ("slow", "TIMEDOUT")] {
                try ledger.start(job: id, lifecycle: "databricks", id: id)
                try ledger.transition(id, to: "RUNNING")
                try ledger.transition(id, to: "TERMINATED", outcome: outcome)
            }
            #expect(try ledger.run(id: "ok")?.canonicalType == .completed)
            #expect(try ledger.run(id: "bad")?.canonicalType == .failed)
            #expect(try ledger.run(id: "slow")?.canonicalType == .failed)
            let stats = try #require(try ledger.stats(StatsQuery(grouping: .lifecycle)).first)
            #expect(stats.successRate == 1.0 / 3.0)
            #expect(stats.byCanonicalType[.failed] == 2)
            #expect(
                try database.query("SELECT run_id, canonical_type FROM run_summary ORDER BY run_id;")
                    == ["bad|FAILED", "ok|COMPLETED", "slow|FAILED"])
            try ledger.start(job: "x", lifecycle: "databricks", id: "x")
            #expect(throws: LedgerError.self) { try ledger.transition("x", to: "RUNNING", outcome: "SUCCESS") }
            let unknown = try #require(throws: LedgerError.self) {
                try ledger.transition("x", to: "TERMINATED", outcome: "GREAT")
            }
            guard case .invalidOutcome("x", "TERMINATED", "GREAT", let legal) = unknown else {
                Issue.record("\(unknown)")
                return
            }
            #expect(legal.contains("SUCCESS") && legal.contains("FAILED"))
        }
    }

    // MARK: - Request keys

    @Test(arguments: Ledger.Engine.allCases) func aRepeatedRequestKeyReturnsTheFirstChangeAndRecordsNothing(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let run = try ledger.start(job: "etl", lifecycle: "canonical", state: "PENDING")
            let first = try ledger.transition(run.id, to: "RUNNING", expecting: "PENDING", requestKey: "req-1")
            let again = try ledger.transition(run.id, to: "RUNNING", expecting: "PENDING", requestKey: "req-1")
            #expect(again == first)
            #expect(try ledger.history(of: run.id).count == 2)
            #expect(throws: LedgerError.requestKeyReused(key: "req-1", runID: run.id)) {
                try ledger.perform("kill", on: run.id, requestKey: "req-1")
            }
            let other = try ledger.start(job: "etl2", state: "PENDING")
            #expect(throws: LedgerError.requestKeyReused(key: "req-1", runID: run.id)) {
                try ledger.transition(other.id, to: "RUNNING", requestKey: "req-1")
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aRequestKeyRetriedFromTwoThreadsAtOnceRecordsOneChange(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let run = try ledger.start(job: "etl", lifecycle: "canonical", state: "PENDING")
            let results = Mutex<[Int64]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                guard let own = try? database.open(),
                    let change = try? own.transition(run.id, to: "RUNNING", requestKey: "retry-me")
                else { return }
                results.withLock { $0.append(change.seq) }
            }
            let seqs = results.withLock { $0 }
            #expect(seqs.count == 8)
            #expect(Set(seqs).count == 1)
            #expect(try ledger.history(of: run.id).map(\.to) == ["PENDING", "RUNNING"])
        }
    }

    // MARK: - Annotations

    @Test(arguments: Ledger.Engine.allCases) func annotationsRecordOTHERWithoutMovingTheRunEvenBeforeItStarts(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            try ledger.annotate("ol-1", kind: "OTHER", reason: "before START")
            try ledger.start(job: "spark", lifecycle: "openlineage", id: "ol-1")
            try ledger.annotate("ol-1", kind: "OTHER", metadata: #"{"facet": "schema"}"#)
            try ledger.transition("ol-1", to: "COMPLETE")
            try ledger.annotate("ol-1", kind: "OTHER", reason: "after COMPLETE")
            #expect(try ledger.annotations(of: "ol-1").map(\.reason) == ["before START", nil, "after COMPLETE"])
            #expect(try ledger.history(of: "ol-1").map(\.to) == ["START", "COMPLETE"])
            #expect(try ledger.timeline(of: "ol-1").annotations.count == 3)
        }
    }
}
