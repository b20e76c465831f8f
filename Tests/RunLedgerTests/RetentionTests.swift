import Foundation
import Testing

@testable import RunLedger

/// Retention that users ask for, on both engines: prune by job, by age per canonical type, by
/// a count kept per job, by each job's stored policy; a job's newest run and pinned runs
/// always stay, and the triggers refuse to delete them whichever client tries; a dry run
/// counts exactly what the prune then removes; a vacuum shrinks the file.
struct RetentionTests {
    let day = 86_400.0
    /// The time ages are counted back from: 2026-06-01T00:00:00Z.
    let now = Timestamp(rawValue: 1_780_272_000_000_000)

    /// A terminal run of `job` (canonical lifecycle) that ran for a minute and ended `age`
    /// days before `now` in `state`.
    func finished(_ ledger: Ledger, _ id: String, job: String, state: String, daysAgo age: Double) throws {
        let end = now.adding(seconds: -age * day)
        try ledger.start(job: job, lifecycle: "canonical", id: id, state: "RUNNING", at: end.adding(seconds: -60))
        try ledger.transition(id, to: state, at: end)
    }

    /// The ids of the runs left, sorted.
    func left(_ ledger: Ledger) throws -> [String] {
        try ledger.runs(matching: RunQuery()).map(\.id).sorted()
    }

    /// Job `etl`: failed 100 days ago, completed 60, cancelled 50, completed 10, failed 20,
    /// completed 3 (the newest); job `web`: completed 200 and 100 days ago.
    func withRuns(_ engine: Ledger.Engine, _ body: (Ledger, TestDatabase) throws -> Void) throws {
        try withTemporaryLedger(engine) { ledger, database in
            try finished(ledger, "f100", job: "etl", state: "FAILED", daysAgo: 100)
            try finished(ledger, "c60", job: "etl", state: "COMPLETED", daysAgo: 60)
            try finished(ledger, "x50", job: "etl", state: "CANCELLED", daysAgo: 50)
            try finished(ledger, "f20", job: "etl", state: "FAILED", daysAgo: 20)
            try finished(ledger, "c10", job: "etl", state: "COMPLETED", daysAgo: 10)
            try finished(ledger, "c3", job: "etl", state: "COMPLETED", daysAgo: 3)
            try finished(ledger, "w200", job: "web", state: "COMPLETED", daysAgo: 200)
            try finished(ledger, "w100", job: "web", state: "COMPLETED", daysAgo: 100)
            try body(ledger, database)
        }
    }

    func options(_ policy: RetentionPolicy? = nil, jobs: Set<String> = []) -> PruneOptions {
        var options = PruneOptions()
        options.retention = policy
        options.jobs = jobs
        options.now = now
        return options
    }

    // MARK: - Each option prunes exactly what it says

    @Test(arguments: Ledger.Engine.allCases) func olderThanTakesAnAgePerCanonicalTypeAndKeepsTypesItDoesNotName(
        _ engine: Ledger.Engine
    ) throws {
        try withRuns(engine) { ledger, _ in
            let days = Int(day)
            let report = try ledger.prune(options(RetentionPolicy(maxAge: [.failed: 90 * days, .completed: 7 * days])))
            // FAILED past 90 days, COMPLETED past 7; CANCELLED has no age: kept; web's newest kept.
            #expect(report.runs == 4 && report.changes == 8)
            #expect(try left(ledger) == ["c3", "f20", "w100", "x50"])
            #expect(try ledger.verify().isClean)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aStarAgeCoversTheOtherTypes(_ engine: Ledger.Engine) throws {
        try withRuns(engine) { ledger, _ in
            let days = Int(day)
            _ = try ledger.prune(options(RetentionPolicy(maxAge: [.failed: 90 * days], otherwise: 30 * days)))
            #expect(try left(ledger) == ["c10", "c3", "f20", "w100"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func keepLastKeepsEachJobsNewestRuns(_ engine: Ledger.Engine) throws {
        try withRuns(engine) { ledger, _ in
            let report = try ledger.prune(options(RetentionPolicy(keepLast: 2)))
            #expect(report.runs == 4)
            #expect(try left(ledger) == ["c10", "c3", "w100", "w200"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func keepLastAndAnAgeBothHaveToLetARunGo(_ engine: Ledger.Engine) throws {
        try withRuns(engine) { ledger, _ in
            // Older than 15 days, and not among the newest 4: f100 and c60 (x50 is fourth); web
            // has only 2.
            _ = try ledger.prune(options(RetentionPolicy(otherwise: 15 * Int(day), keepLast: 4)))
            #expect(try left(ledger) == ["c10", "c3", "f20", "w100", "w200", "x50"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func jobSelectsOnlyItsRuns(_ engine: Ledger.Engine) throws {
        try withRuns(engine) { ledger, _ in
            _ = try ledger.prune(options(RetentionPolicy(otherwise: 0), jobs: ["web"]))
            #expect(try left(ledger) == ["c10", "c3", "c60", "f100", "f20", "w100", "x50"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aJobsNewestRunAlwaysStays(_ engine: Ledger.Engine) throws {
        try withRuns(engine) { ledger, _ in
            var everything = options(RetentionPolicy(otherwise: 0, keepLast: 0))
            everything.terminalBefore = now.adding(seconds: day)
            _ = try ledger.prune(everything)
            #expect(try left(ledger) == ["c3", "w100"])
            #expect(try ledger.verify().isClean)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aPinnedRunStaysUntilUnpinned(_ engine: Ledger.Engine) throws {
        try withRuns(engine) { ledger, _ in
            let pin = try ledger.pin("f100", reason: "incident")
            #expect(pin.runID == "f100" && pin.reason == "incident")
            #expect(try ledger.pin("f100", reason: "again").reason == "incident")
            let report = try ledger.prune(options(RetentionPolicy(keepLast: 1)))
            #expect(report.pinned == 1 && report.runs == 5)
            #expect(try left(ledger) == ["c3", "f100", "w100"])
            #expect(try ledger.pins().map(\.runID) == ["f100"])
            #expect(try ledger.unpin("f100") && !ledger.unpin("f100"))
            _ = try ledger.prune(options(RetentionPolicy(keepLast: 1)))
            #expect(try left(ledger) == ["c3", "w100"])
            #expect(throws: LedgerError.noSuchRun(runID: "nope")) { try ledger.pin("nope") }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aRunLinkedToARunThatStaysStays(_ engine: Ledger.Engine) throws {
        try withRuns(engine) { ledger, _ in
            let end = now.adding(seconds: -30 * day)
            try ledger.start(
                job: "etl", lifecycle: "canonical", id: "retry", state: "RUNNING", at: end, parent: "f100")
            try ledger.transition("retry", to: "COMPLETED", at: end.adding(seconds: 1))
            try ledger.pin("retry")
            let report = try ledger.prune(options(RetentionPolicy(keepLast: 1)))
            #expect(report.kept == 1 && report.pinned == 1)
            #expect(try left(ledger) == ["c3", "f100", "retry", "w100"])
        }
    }

    // MARK: - The triggers, through a foreign client

    @Test(arguments: Ledger.Engine.allCases) func aForeignClientCannotDeleteAPinnedRunOrAJobsNewest(
        _ engine: Ledger.Engine
    ) throws {
        try withRuns(engine) { ledger, database in
            try ledger.pin("f100")
            // A prune whose cutoff lets every run that ended before tomorrow go.
            var everything = options()
            everything.terminalBefore = now.adding(seconds: day)
            everything.jobs = ["nothing-of-this-name"]
            _ = try ledger.prune(everything)
            for (sql, tag) in [
                ("DELETE FROM runs WHERE id = 'f100';", "runledger:pinned_run"),
                ("DELETE FROM runs WHERE id = 'c3';", "runledger:append_only"),
                ("UPDATE run_pins SET run_id = 'c60';", "runledger:bad_value"),
                ("INSERT INTO run_pins (run_id, pinned_at) VALUES ('nope', 0);", "runledger:no_such_run"),
            ] {
                let result = try database.run(sql)
                #expect(result.status != 0 && result.stderr.contains(tag), "\(sql): \(result.stderr)")
            }
            #expect(try left(ledger).count == 8)
            // What the rules allow: a run neither pinned nor newest, and unpinning.
            #expect(try database.run("DELETE FROM runs WHERE id = 'c60';").status == 0)
            #expect(try database.run("DELETE FROM run_pins WHERE run_id = 'f100';").status == 0)
            #expect(try database.run("DELETE FROM runs WHERE id = 'f100';").status == 0)
            #expect(try ledger.verify().isClean)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aForeignClientCannotStoreABadPolicy(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { _, database in
            for ages in [#"{"RUNNING": 60}"#, #"{"FAILED": -1}"#, #"{"FAILED": "90d"}"#, "[1]"] {
                let result = try database.run(
                    "INSERT INTO retention_policies (job, max_age_seconds, set_at) VALUES ('j', '\(ages)', 0);")
                #expect(result.status != 0 && result.stderr.contains("runledger:bad_value"), "\(ages): \(result)")
            }
            let good = try database.run(
                #"INSERT INTO retention_policies (job, max_age_seconds, set_at) VALUES ('j', '{"FAILED": 60, "*": 0}', 0);"#
            )
            #expect(good.status == 0, "\(good)")
        }
    }

    // MARK: - Stored policies

    @Test(arguments: Ledger.Engine.allCases) func policyPruneAppliesEachJobsPolicyAndLeavesOthersAlone(
        _ engine: Ledger.Engine
    ) throws {
        try withRuns(engine) { ledger, _ in
            let days = Int(day)
            let etl = RetentionPolicy(maxAge: [.completed: 7 * days], keepLast: 3)
            try ledger.setRetentionPolicy(etl, for: "etl")
            #expect(try ledger.retentionPolicies().map(\.policy) == [etl])
            #expect(try ledger.retentionPolicies().map(\.job) == ["etl"])
            var options = PruneOptions()
            options.usePolicies = true
            options.now = now
            let preview = try ledger.prune(options, dryRun: true)
            // etl: completed past 7 days and beyond the newest 3 (c3, c10, f20): c60 only.
            #expect(preview.runs == 1)
            _ = try ledger.prune(options)
            #expect(try left(ledger) == ["c10", "c3", "f100", "f20", "w100", "w200", "x50"])
            try ledger.setRetentionPolicy(RetentionPolicy(otherwise: 0), for: "web")
            _ = try ledger.prune(options)
            #expect(try left(ledger) == ["c10", "c3", "f100", "f20", "w100", "x50"])
            #expect(try ledger.clearRetentionPolicy(for: "web") && !ledger.clearRetentionPolicy(for: "web"))
            #expect(throws: LedgerError.self) { try ledger.setRetentionPolicy(RetentionPolicy(), for: "etl") }
            #expect(throws: LedgerError.self) {
                try ledger.setRetentionPolicy(RetentionPolicy(maxAge: [.running: 1]), for: "etl")
            }
            #expect(throws: LedgerError.self) {
                try ledger.setRetentionPolicy(RetentionPolicy(keepLast: -1), for: "etl")
            }
        }
    }

    // MARK: - Dry run and space

    @Test(arguments: Ledger.Engine.allCases) func aDryRunCountsExactlyWhatThePruneThenRemoves(
        _ engine: Ledger.Engine
    ) throws {
        try withRuns(engine) { ledger, database in
            try ledger.annotate("c60", kind: "OTHER", reason: "note")
            try ledger.annotate("f100", kind: "OTHER", reason: "note")
            try ledger.start(job: "down", lifecycle: "canonical", id: "d1", state: "PENDING", upstream: ["c10"])
            let counts = """
                SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM state_changes),
                       (SELECT count(*) FROM run_annotations), (SELECT count(*) FROM run_dependencies);
                """
            let days = Int(day)
            let options = options(RetentionPolicy(maxAge: [.completed: 7 * days], otherwise: 40 * days))
            let preview = try ledger.prune(options, dryRun: true)
            let before = try database.query(counts)
            #expect(preview.isDryRun && preview.runs == 4 && preview.annotations == 2 && preview.kept == 1)
            #expect(preview.bytes > 0 && !preview.bytesMethod.isEmpty)
            let report = try ledger.prune(options)
            let after = try database.query(counts)
            #expect(report.runs == preview.runs && report.changes == preview.changes)
            #expect(report.annotations == preview.annotations && report.dependencies == preview.dependencies)
            let delta = zip(
                before[0].split(separator: "|").compactMap { Int($0) },
                after[0].split(separator: "|").compactMap { Int($0) }
            ).map { $0 - $1 }
            #expect(delta == [preview.runs, preview.changes, preview.annotations, preview.dependencies])
        }
    }

    @Test func vacuumShrinksTheFile() throws {
        try withTemporaryLedger { ledger, path in
            let start = now.adding(seconds: -300 * day)
            try ledger.batch { batch in
                for index in 0..<3000 {
                    let at = start.adding(seconds: Double(index))
                    let run = try batch.start(
                        job: "bulk", lifecycle: "canonical", state: "RUNNING", at: at,
                        reason: String(repeating: "r", count: 200))
                    try batch.transition(run.id, to: "COMPLETED", at: at.adding(seconds: 0.5))
                }
            }
            // The file and its WAL: what the ledger takes on disk.
            let size = {
                try [path, path + "-wal"].reduce(0) { total, file in
                    guard FileManager.default.fileExists(atPath: file) else { return total }
                    return total + ((try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
                }
            }
            let before = try size()
            let report = try ledger.prune(options(RetentionPolicy(keepLast: 100)))
            #expect(report.runs == 2900)
            let space = try ledger.vacuum()
            let after = try size()
            #expect(space.bytesAfter < space.bytesBefore / 4, "\(space)")
            #expect(after < before / 4, "file \(before) -> \(after) bytes")
            #expect(try ledger.verify().isClean)
        }
    }

    @Test func vacuumOnPostgreSQLLeavesTheLedgerSound() throws {
        try withRuns(.postgres) { ledger, _ in
            _ = try ledger.prune(options(RetentionPolicy(keepLast: 1)))
            let space = try ledger.vacuum()
            #expect(space.bytesBefore > 0 && space.bytesAfter > 0)
            #expect(try ledger.verify().isClean)
        }
    }
}
