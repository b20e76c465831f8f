import Foundation
import Testing

@testable import RunLedger

/// Pruning old terminal runs: whole runs only, linked ones kept, an archive that reads like the
/// original (a SQLite file, also for a PostgreSQL ledger), and partial deletes still refused;
/// on both engines.
struct PruneTests {
    let cutoff = Timestamp(rawValue: 1_767_225_600_000_000)  // 2026-01-01T00:00:00Z

    /// Old terminal runs a1 (prefect, completed) and its retry a2, and a newer active run of
    /// their job; old terminal b1 whose dependant c1 is still active; an old active run; a
    /// recent terminal run.
    func withAgedLedger(_ engine: Ledger.Engine, _ body: (Ledger, TestDatabase, URL) throws -> Void) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory, name: "aged.db") { database in
                let ledger = try database.open()
                let old = try #require(Timestamp(iso8601: "2025-01-01T00:00:00Z"))
                try ledger.start(job: "etl", lifecycle: "prefect", id: "a1", state: "Running", at: old)
                try ledger.transition("a1", to: "Failed", at: old.adding(seconds: 60))
                try ledger.start(
                    job: "etl", lifecycle: "prefect", id: "a2", state: "Running", at: old.adding(seconds: 120),
                    parent: "a1"
                )
                try ledger.transition("a2", to: "Completed", at: old.adding(seconds: 180))
                try ledger.annotate("a2", kind: "OTHER", at: old.adding(seconds: 170), reason: "note")
                try ledger.start(job: "up", lifecycle: "canonical", id: "b1", state: "RUNNING", at: old)
                try ledger.transition("b1", to: "COMPLETED", at: old.adding(seconds: 10))
                try ledger.start(
                    job: "down", lifecycle: "canonical", id: "c1", state: "PENDING", at: old.adding(seconds: 20),
                    upstream: ["b1"])
                try ledger.start(job: "stuck", lifecycle: "canonical", id: "old-active", at: old)
                // etl's newest run, which every prune keeps.
                try ledger.start(job: "etl", lifecycle: "prefect", id: "etl-now", state: "Running")
                try ledger.start(job: "new", lifecycle: "canonical", id: "recent", state: "RUNNING")
                try ledger.transition("recent", to: "COMPLETED")
                try body(ledger, database, directory)
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func pruneRemovesOldTerminalRunsWholeAndKeepsLinkedOnes(
        _ engine: Ledger.Engine
    ) throws {
        try withAgedLedger(engine) { ledger, database, _ in
            let report = try ledger.prune(terminalBefore: cutoff)
            // b1 stays as its job's newest run (and linked to c1, which is active).
            #expect(report.runs == 2 && report.changes == 4 && report.kept == 0)
            #expect(try ledger.run(id: "a1") == nil && ledger.run(id: "a2") == nil)
            #expect(try ledger.annotations(of: "a2").isEmpty)
            for id in ["b1", "c1", "old-active", "etl-now", "recent"] {
                #expect(try ledger.run(id: id) != nil, "\(id)")
            }
            #expect(try ledger.verify().isClean)
            #expect(try database.query("SELECT runs, changes FROM prunes;") == ["2|4"])
            #expect(try ledger.prune(terminalBefore: cutoff).runs == 0)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func pruneArchivesIntoALedgerThatReadsLikeTheOriginal(
        _ engine: Ledger.Engine
    ) throws {
        try withAgedLedger(engine) { ledger, _, directory in
            let before = try ledger.history(of: "a2")
            let archive = directory.appendingPathComponent("archive.db").path
            let report = try ledger.prune(terminalBefore: cutoff, archive: archive)
            #expect(report.archive == archive && report.runs == 2)
            let archived = try Ledger(path: archive, configuration: .init(mode: .readOnly))
            let after = try archived.history(of: "a2")
            #expect(after.map(\.to) == before.map(\.to) && after.map(\.at) == before.map(\.at))
            #expect(try archived.run(id: "a2")?.parentID == "a1" && archived.run(id: "a2")?.attempt == 2)
            #expect(try archived.annotations(of: "a2").map(\.reason) == ["note"])
            #expect(try archived.verify().isClean)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func theRunHoldingTheNewestChangeStaysSoSeqOnlyGrows(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let now = Timestamp.now
            func ago(_ seconds: Double) -> Timestamp { now.adding(seconds: -seconds) }
            // "old" ends last (the newest history row) though its end time is the earliest.
            try ledger.start(job: "gone", id: "old", state: "RUNNING", at: ago(7200))
            try ledger.start(job: "gone", id: "new", state: "RUNNING", at: ago(3000))
            try ledger.transition("new", to: "COMPLETED", at: ago(2400))
            try ledger.start(job: "other", id: "mid", state: "RUNNING", at: ago(7000))
            try ledger.transition("mid", to: "COMPLETED", at: ago(6000))
            let newest = try ledger.transition("old", to: "COMPLETED", at: ago(3600))
            _ = try ledger.seal()
            let report = try ledger.prune(PruneOptions(terminalBefore: ago(1800)))
            // "new" and "mid" are their jobs' newest runs; "old" holds the newest change.
            #expect(report.runs == 0)
            #expect(try ledger.run(id: "old") != nil)
            try ledger.start(job: "other", id: "mid2", state: "RUNNING", at: ago(1000))
            try ledger.transition("mid2", to: "COMPLETED", at: ago(900))
            try ledger.start(job: "other", id: "last", state: "RUNNING")
            let pruned = try ledger.prune(PruneOptions(terminalBefore: ago(800)))
            #expect(pruned.runs == 3)  // "old" no longer holds the newest change; "mid", "mid2" go too
            let next = try ledger.transition("last", to: "COMPLETED")
            #expect(next.seq > newest.seq)
            #expect(try ledger.verify(seals: []).isClean)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func partialDeletesStayRefusedAfterAPrune(_ engine: Ledger.Engine) throws {
        try withAgedLedger(engine) { ledger, database, _ in
            _ = try ledger.prune(terminalBefore: cutoff)
            for sql in [
                "DELETE FROM state_changes WHERE run_num = (SELECT num FROM runs WHERE id = 'recent');",
                "DELETE FROM runs WHERE id = 'old-active';",
                "DELETE FROM runs WHERE id = 'recent';",
                "DELETE FROM runs WHERE id = 'b1';",
                "DELETE FROM prunes;",
            ] {
                let result = try database.run(sql)
                #expect(
                    result.status != 0 && result.stderr.contains("runledger:append_only"), "\(sql): \(result.stderr)")
            }
        }
    }
}
