import Foundation
import RunLedger
import Testing

/// `prune`'s retention flags, `pin`, `unpin` and `retention`, through the built binary, on
/// both engines; and their bad input, each with its exit code and the ledger unchanged.
struct RetentionCommandTests {
    func ok(_ arguments: [String], _ directory: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> String
    {
        let result = try runledger(arguments, in: directory)
        #expect(result.status == 0, "\(arguments): \(result)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Job etl: o1 failed and o2 completed in 2024, o3 completed in 2025, n1 now (newest);
    /// job web: w1 completed in 2024 (its newest).
    func withRuns(_ engine: Ledger.Engine, _ body: (URL, String) throws -> Void) throws {
        try withInitializedLedger(engine, name: "r.db") { directory, database in
            let db = database.location
            for (id, job, end, state) in [
                ("o1", "etl", "2024-01-01", "FAILED"), ("o2", "etl", "2024-02-01", "COMPLETED"),
                ("o3", "etl", "2025-01-01", "COMPLETED"), ("w1", "web", "2024-01-01", "COMPLETED"),
            ] {
                _ = try ok(["--db", db, "start", job, "--id", id, "--state", "RUNNING", "--at", end], directory)
                _ = try ok(["--db", db, "transition", id, state, "--at", end + "T00:01:00Z"], directory)
            }
            _ = try ok(["--db", db, "start", "etl", "--id", "n1"], directory)
            try body(directory, db)
        }
    }

    func ids(_ db: String, _ directory: URL) throws -> [String] {
        try jsonObjects(try ok(["--db", db, "runs", "--limit", "0", "--format", "json"], directory))
            .compactMap { $0["id"] as? String }.sorted()
    }

    @Test(arguments: Ledger.Engine.allCases) func pruneByTypeAgeJobAndCountWithADryRunFirst(
        _ engine: Ledger.Engine
    ) throws {
        try withRuns(engine) { directory, db in
            let preview = try ok(["--db", db, "prune", "--older-than", "failed=1d,*=3650d", "--dry-run"], directory)
            #expect(preview.hasPrefix("Would prune 1 runs, 2 changes"), "\(preview)")
            #expect(try ids(db, directory) == ["n1", "o1", "o2", "o3", "w1"])
            let pruned = try ok(["--db", db, "prune", "--older-than", "FAILED=1d,*=3650d"], directory)
            #expect(pruned.hasPrefix("Pruned 1 runs, 2 changes"), "\(pruned)")
            #expect(try ids(db, directory) == ["n1", "o2", "o3", "w1"])
            _ = try ok(["--db", db, "prune", "--job", "etl", "--keep-last", "2"], directory)
            #expect(try ids(db, directory) == ["n1", "o3", "w1"])
            _ = try ok(["--db", db, "prune", "--keep-last", "0"], directory)
            #expect(try ids(db, directory) == ["n1", "w1"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aPinnedRunSurvivesPrunesUntilUnpinned(_ engine: Ledger.Engine) throws
    {
        try withRuns(engine) { directory, db in
            #expect(try ok(["--db", db, "pin", "o1", "--reason", "audit"], directory).hasPrefix("Pinned o1"))
            let pins = try jsonObjects(try ok(["--db", db, "pin", "--format", "json"], directory))
            #expect(pins.map { $0["run_id"] as? String } == ["o1"] && pins.first?["reason"] as? String == "audit")
            let pruned = try ok(["--db", db, "prune", "--terminal-before", "1d"], directory)
            #expect(pruned.contains("kept 1 pinned"), "\(pruned)")
            #expect(try ids(db, directory) == ["n1", "o1", "w1"])
            #expect(try ok(["--db", db, "unpin", "o1"], directory) == "Unpinned o1.\n")
            _ = try ok(["--db", db, "prune", "--terminal-before", "1d"], directory)
            #expect(try ids(db, directory) == ["n1", "w1"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func policyPruneAppliesTheStoredPolicies(_ engine: Ledger.Engine) throws {
        try withRuns(engine) { directory, db in
            _ = try ok(
                ["--db", db, "retention", "etl", "--older-than", "COMPLETED=30d", "--keep-last", "2"], directory)
            let shown = try jsonObjects(try ok(["--db", db, "retention", "--format", "json"], directory))
            #expect(shown.map { $0["job"] as? String } == ["etl"])
            #expect(shown.first?["older_than"] as? String == "COMPLETED=30d" && shown.first?["keep_last"] as? Int == 2)
            _ = try ok(["--db", db, "prune", "--policy"], directory)
            // etl: completed older than 30 days beyond the newest two (n1, o3): o2; o1 failed: kept.
            #expect(try ids(db, directory) == ["n1", "o1", "o3", "w1"])
            _ = try ok(["--db", db, "retention", "etl", "--clear"], directory)
            #expect(try jsonObjects(try ok(["--db", db, "retention", "--format", "json"], directory)).isEmpty)
        }
    }

    @Test func vacuumShrinksTheFile() throws {
        try withInitializedLedger { directory, path in
            let empty = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            let script = (0..<1500).map { index in
                "INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('r\(index)', 'bulk', 'canonical', "
                    + "'RUNNING', \(1_700_000_000_000_000 + index * 1000));"
                    + "INSERT INTO state_history (run_id, from_state, to_state, at, reason) VALUES ('r\(index)', "
                    + "'RUNNING', 'COMPLETED', \(1_700_000_000_000_000 + index * 1000 + 1), '\(String(repeating: "x", count: 300))');"
            }.joined()
            let file = directory.appendingPathComponent("fill.sql")
            try ("BEGIN;" + script + "COMMIT;").write(to: file, atomically: true, encoding: .utf8)
            let filled = try sqlite3(".read '\(file.path)'", on: path, in: directory)
            try #require(filled.status == 0, "\(filled)")
            let before = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            let out = try ok(["--db", path, "prune", "--keep-last", "10", "--vacuum"], directory)
            #expect(out.contains("Pruned 1490 runs") && out.contains("Vacuumed:"), "\(out)")
            let after = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            // Of what the runs added to a fresh ledger, at most a quarter stays (the runs kept,
            // the pruned tallies, and the seals of what the prune removed).
            #expect(after - empty < (before - empty) / 4, "\(empty): \(before) -> \(after) bytes")
        }
    }

    @Test func badRetentionInputIsRefusedWithItsCodeAndNothingChanges() throws {
        try withRuns(.sqlite) { directory, db in
            let cases: [([String], Int32, String)] = [
                (["prune", "--older-than", "FAILED=3x"], 65, "is not a duration"),
                (["prune", "--older-than", "RUNNING=3d"], 65, "is not a terminal canonical type"),
                (["prune", "--older-than", "FAILED=1d,FAILED=2d"], 65, "names FAILED twice"),
                (["prune", "--older-than", "FAILED"], 65, "is not a duration"),
                (["prune", "--keep-last=-1"], 64, "--keep-last must be 0 or more"),
                (["prune"], 64, "Say what to prune"),
                (["prune", "--policy", "--keep-last", "3"], 64, "--policy applies the stored policies"),
                (["prune", "--keep-last", "1", "--dry-run", "--vacuum"], 64, "--dry-run changes nothing"),
                (["retention", "etl"], 64, "Give --older-than"),
                (["retention", "etl", "--keep-last=-2"], 64, "--keep-last must be 0 or more"),
                (["retention", "etl", "--older-than", "SKIPPED=soon"], 65, "is not a duration"),
                (["pin", "nope"], 66, "nope"),
                (["unpin", "nope"], 66, "nope"),
                (["pin", "--reason", "why"], 64, "Name the run to pin"),
            ]
            let before = try ok(["--db", db, "sql", "SELECT count(*) FROM runs"], directory)
            for (arguments, code, text) in cases {
                expectFailure(try runledger(["--db", db] + arguments, in: directory), code: code, mentioning: text)
            }
            #expect(try ok(["--db", db, "sql", "SELECT count(*) FROM runs"], directory) == before)
            #expect(
                try ok(["--db", db, "sql", "SELECT count(*) FROM run_pins, retention_policies"], directory)
                    .contains("0"))
        }
    }
}
