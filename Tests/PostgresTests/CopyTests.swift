import Foundation
import RunLedger
import RunLedgerPostgres
import TestSupport
import Testing

/// `Ledger.copy(to:)` between the engines: a file's whole history into PostgreSQL and back,
/// through each target's rules, every run, change, annotation, dependency, heartbeat, custom
/// lifecycle, limit, deadline, freshness limit, pin and retention policy arriving as it was.
struct CopyTests {
    static let t0 = Timestamp(rawValue: 1_760_000_000_000_000)
    static func at(_ seconds: Int64) -> Timestamp { Timestamp(rawValue: t0.rawValue + seconds * 1_000_000) }

    /// An empty PostgreSQL ledger in a schema of its own, dropped after `body`.
    func withPostgresTarget<T>(_ body: (Ledger) throws -> T) throws -> T {
        try withPostgresSchema { database in try body(try database.open(.init())) }
    }

    /// A source with what a copy must carry: a custom lifecycle in use, a retry chain within
    /// its retries, a databricks job whose default limit of 1 skipped a run (a row the rules
    /// wrote), a job with a limit of its own, a dependant released by its upstream's end (a
    /// row the rules wrote) and one cancelled by its upstream's failure, an action, an
    /// outcome, a request key, metadata, annotations, a heartbeat, an active run, deadlines
    /// (a job's, a custom lifecycle's), a freshness limit, a pin and a retention policy.
    static func fill(_ ledger: Ledger) throws {
        var custom = try #require(try ledger.lifecycle(named: "opencue"))
        custom.name = "render"
        custom.isBuiltin = false
        custom.description = "OpenCue, as a custom lifecycle."
        try ledger.define(custom)
        let first = try ledger.start(
            job: "frames", lifecycle: "render", id: "f1", state: "pending", at: at(0), maxRetries: 2)
        try ledger.transition("f1", to: "running", at: at(1), reason: "picked up")
        try ledger.heartbeat("f1", at: at(2))
        try ledger.transition("f1", to: "failed", at: at(3), metadata: #"{"exit": 3}"#)
        try ledger.start(job: "frames", lifecycle: "render", id: "f2", at: at(4), parent: first.id)
        try ledger.perform("kill", on: "f2", at: at(5), reason: "operator", requestKey: "kill-f2")

        try ledger.start(job: "etl", lifecycle: "databricks", id: "d1", state: "PENDING", at: at(10))
        try ledger.start(job: "etl", lifecycle: "databricks", id: "d2", state: "PENDING", at: at(11))
        try ledger.transition("d1", to: "RUNNING", at: at(12))
        try ledger.start(job: "load", lifecycle: "databricks", id: "d3", at: at(13), upstream: ["d1"])
        try ledger.start(job: "report", lifecycle: "databricks", id: "d4", at: at(14), upstream: ["d2"])
        try ledger.transition("d1", to: "TERMINATING", at: at(15))
        try ledger.transition("d1", to: "TERMINATED", at: at(16), outcome: "SUCCESS")
        try ledger.annotate("d1", kind: "note", at: at(17), reason: "fast", metadata: #"{"rows": 10}"#)

        try ledger.setConcurrencyLimit(3, for: "frames")
        try ledger.setDeadline(.job("frames"), state: "running", seconds: 3600, actor: "ops")
        try ledger.setDeadline(.lifecycle("render"), seconds: 86_400)
        try ledger.setFreshness("etl", staleAfter: 93_600)
        try ledger.pin("f1", reason: "the first failure", actor: "ops")
        try ledger.setRetentionPolicy(RetentionPolicy(maxAge: [.failed: 7_776_000], keepLast: 5), for: "frames")
        try ledger.start(job: "frames", lifecycle: "render", id: "f3", at: at(20))
        try ledger.transition("f3", to: "running", at: at(21))
        try ledger.heartbeat("f3", at: at(22))
    }

    /// Everything a copy carries, engine-neutral: runs (all but the heartbeat of an ended
    /// run), histories without their seq, annotations without their id, upstreams, limits,
    /// custom lifecycles, stats.
    static func contents(of ledger: Ledger) throws -> [String] {
        var lines: [String] = []
        for run in try ledger.runs(matching: RunQuery()).sorted(by: { $0.id < $1.id }) {
            lines.append("\(run)")
            for change in try ledger.history(of: run.id) {
                lines.append(
                    "  \(change.from ?? "-") -> \(change.to) at \(change.at.rawValue) \(change.action ?? "-") "
                        + "\(change.actor ?? "-") \(change.reason ?? "-") \(change.metadata ?? "-") "
                        + "\(change.outcome ?? "-") \(change.requestKey ?? "-")")
            }
            for annotation in try ledger.annotations(of: run.id) {
                lines.append("  note \(annotation.kind) \(annotation.at.rawValue) \(annotation.reason ?? "-")")
            }
            for upstream in try ledger.upstreams(of: run.id) { lines.append("  waits for \(upstream)") }
        }
        for limit in try ledger.concurrencyLimits() { lines.append("limit \(limit)") }
        for deadline in try ledger.deadlines() { lines.append("deadline \(deadline)") }
        for limit in try ledger.freshnessLimits() { lines.append("freshness \(limit)") }
        for pin in try ledger.pins() { lines.append("pin \(pin.runID) \(pin.actor ?? "-") \(pin.reason ?? "-")") }
        for policy in try ledger.retentionPolicies() { lines.append("retention \(policy)") }
        for lifecycle in try ledger.lifecycles() where !lifecycle.isBuiltin { lines.append("lifecycle \(lifecycle)") }
        for stats in try ledger.stats(StatsQuery()) {
            // The counts by type are a dictionary: printed in a fixed order.
            let types = stats.byCanonicalType.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                "\($0.key)=\($0.value)"
            }
            lines.append(
                "stats \(stats.group) \(stats.runs) \(stats.active) \(types) \(String(describing: stats.successRate)) "
                    + "\(String(describing: stats.duration)) \(stats.states)")
        }
        return lines
    }

    /// Expects two ledgers' contents equal, naming the lines that differ.
    static func expectSame(
        _ actual: [String], _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let missing = expected.filter { !actual.contains($0) }
        let extra = actual.filter { !expected.contains($0) }
        #expect(
            actual == expected, "missing: \(missing)\nextra: \(extra)", sourceLocation: sourceLocation)
    }

    @Test func aFileCopiesIntoPostgreSQLAndBackAsItWas() throws {
        try withTemporaryDirectory { directory in
            let source = try Ledger(path: directory.appendingPathComponent("source.db").path)
            try Self.fill(source)
            let expected = try Self.contents(of: source)
            #expect(expected.contains { $0.contains("SKIPPED") }, "the source has a skip the rules wrote")
            try withPostgresTarget { target in
                let report = try source.copy(to: target, batchSize: 3)
                #expect(report.runs == 7 && report.extended == 0 && report.unchanged == 0)
                #expect(report.lifecycles == 1 && report.limits == 1 && report.deadlines == 3 && report.retention == 2)
                #expect(report.verification.isClean, "\(report.verification.problems)")
                Self.expectSame(try Self.contents(of: target), expected)

                let again = try source.copy(to: target)
                #expect(again.runs == 0 && again.unchanged == 7 && again.written == 0)

                try source.transition("f3", to: "complete", at: Self.at(30))
                let caughtUp = try source.copy(to: target)
                #expect(caughtUp.extended == 1 && caughtUp.written == 1)
                Self.expectSame(try Self.contents(of: target), try Self.contents(of: source))

                let back = try Ledger(path: directory.appendingPathComponent("back.db").path)
                let home = try target.copy(to: back)
                #expect(home.runs == 7 && home.verification.isClean)
                Self.expectSame(try Self.contents(of: back), try Self.contents(of: source))
            }
        }
    }

    @Test func aRunTheTargetHoldsWithAnotherHistoryIsAConflict() throws {
        try withTemporaryDirectory { directory in
            let source = try Ledger(path: directory.appendingPathComponent("source.db").path)
            try source.start(job: "etl", lifecycle: "prefect", id: "r1", at: Self.at(0))
            try source.transition("r1", to: "Pending", at: Self.at(1))
            try withPostgresTarget { target in
                try target.start(job: "etl", lifecycle: "prefect", id: "r1", at: Self.at(0))
                try target.transition("r1", to: "Cancelled", at: Self.at(1))
                #expect(throws: LedgerError.self) { try source.copy(to: target) }
                do {
                    _ = try source.copy(to: target)
                } catch let error as LedgerError {
                    guard case .copyConflict(let runID, _) = error else {
                        Issue.record("expected a copy conflict, got \(error)")
                        return
                    }
                    #expect(runID == "r1")
                }
                #expect(try target.history(of: "r1").map(\.to) == ["Scheduled", "Cancelled"])
            }
        }
    }

    @Test func aLedgerIsNotCopiedIntoItself() throws {
        try withTemporaryDirectory { directory in
            let ledger = try Ledger(path: directory.appendingPathComponent("l.db").path)
            #expect(throws: LedgerError.invalidArgument(name: "copy target", reason: "it is the ledger itself")) {
                try ledger.copy(to: ledger)
            }
        }
    }
}
