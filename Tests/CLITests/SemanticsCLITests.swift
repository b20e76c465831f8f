import Foundation
import RunLedger
import Testing

/// The commands of the run semantics, run as a user would, on both engines.
struct SemanticsCLITests {
    /// An initialized ledger on `engine`; `body` gets the directory and what `--db` takes.
    func withLedger(_ engine: Ledger.Engine, _ body: (URL, String) throws -> Void) throws {
        try withInitializedLedger(engine, name: "s.db") { directory, database in try body(directory, database.location)
        }
    }

    func ok(_ arguments: [String], _ directory: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> String
    {
        let result = try runledger(arguments, in: directory)
        #expect(result.status == 0, "\(arguments): \(result)", sourceLocation: sourceLocation)
        return result.stdout
    }

    @Test(arguments: Ledger.Engine.allCases) func twoProcessesStartingRunsOfALimitOneJobLetExactlyOneIn(
        _ engine: Ledger.Engine
    ) throws {
        try withLedger(engine) { directory, path in
            let starters = try (0..<4).map { index in
                try RunningProcess(
                    Binaries.runledger,
                    [
                        "--db", path, "start", "nightly", "--lifecycle", "databricks", "--id", "n\(index)", "--format",
                        "json",
                    ],
                    directory: directory)
            }
            let results = try starters.map { try $0.wait() }
            #expect(results.allSatisfy { $0.status == 0 }, "\(results)")
            let states = try results.map { try jsonObjects($0.stdout).first?["state"] as? String }
            #expect(states.filter { $0 == "PENDING" }.count == 1, "\(states)")
            #expect(states.filter { $0 == "SKIPPED" }.count == 3, "\(states)")
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func jobsSetAndListLimits(_ engine: Ledger.Engine) throws {
        try withLedger(engine) { directory, path in
            _ = try ok(["--db", path, "jobs", "etl", "--max-active", "2"], directory)
            _ = try ok(["--db", path, "jobs", "warehouse", "--unlimited"], directory)
            _ = try ok(["--db", path, "start", "etl", "--id", "e1"], directory)
            let rows = try jsonObjects(try ok(["--db", path, "jobs", "--format", "json"], directory))
            #expect(rows.map { $0["job"] as? String } == ["etl", "warehouse"])
            #expect(rows[0]["max_active"] as? Int == 2 && rows[0]["active"] as? Int == 1)
            #expect(rows[1]["max_active"] as? String == "unlimited")
            _ = try ok(["--db", path, "jobs", "warehouse", "--clear"], directory)
            #expect(try jsonObjects(try ok(["--db", path, "jobs", "--format", "json"], directory)).count == 1)
            let both = try runledger(["--db", path, "jobs", "etl", "--max-active", "1", "--clear"], in: directory)
            #expect(both.status == 64)
            let skipped = try runledger(
                ["--db", path, "start", "warehouse", "--lifecycle", "databricks", "--id", "w1"], in: directory)
            let second = try runledger(
                ["--db", path, "start", "warehouse", "--lifecycle", "databricks", "--id", "w2"], in: directory)
            #expect(skipped.stdout == "w1\n" && second.stdout == "w2\n")
            #expect(second.stderr.contains("moved at once to SKIPPED") && second.stderr.contains("run w1 is active"))
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func upstreamsBlockReleaseAndShowInHistory(_ engine: Ledger.Engine) throws
    {
        try withLedger(engine) { directory, path in
            _ = try ok(["--db", path, "start", "extract", "--id", "u1", "--lifecycle", "databricks"], directory)
            _ = try ok(
                ["--db", path, "start", "load", "--id", "d1", "--lifecycle", "databricks", "--upstream", "u1"],
                directory)
            let history = try ok(["--db", path, "history", "d1"], directory)
            #expect(history.contains("waits for u1 (not completed)") && history.contains("BLOCKED"))
            let early = try runledger(["--db", path, "release", "d1"], in: directory)
            #expect(early.status == 65 && early.stderr.contains("waits for upstream runs that have not completed: u1"))
            _ = try ok(["--db", path, "transition", "u1", "RUNNING"], directory)
            _ = try ok(["--db", path, "transition", "u1", "TERMINATED", "--outcome", "SUCCESS"], directory)
            let rows = try jsonObjects(try ok(["--db", path, "history", "d1", "--format", "json"], directory))
            #expect(rows.map { $0["to_state"] as? String } == ["BLOCKED", "PENDING"])
            let notBlocked = try runledger(["--db", path, "release", "d1"], in: directory)
            #expect(notBlocked.status == 65 && notBlocked.stderr.contains("not waiting"))
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func outcomesRequestKeysAndChains(_ engine: Ledger.Engine) throws {
        try withLedger(engine) { directory, path in
            _ = try ok(
                ["--db", path, "start", "etl", "--id", "r1", "--lifecycle", "databricks", "--max-retries", "1"],
                directory)
            _ = try ok(["--db", path, "transition", "r1", "RUNNING", "--request-key", "k1"], directory)
            let repeated = try ok(["--db", path, "transition", "r1", "RUNNING", "--request-key", "k1"], directory)
            #expect(repeated == "r1: PENDING -> RUNNING (seq 2)\n")
            let failed = try ok(["--db", path, "transition", "r1", "TERMINATED", "--outcome", "FAILED"], directory)
            #expect(failed.contains("[FAILED]"))
            let bad = try runledger(
                [
                    "--db", path, "start", "etl", "--id", "r0", "--lifecycle", "databricks", "--parent", "r1",
                    "--max-retries", "-1",
                ], in: directory)
            #expect(bad.status == 65 || bad.status == 64)
            _ = try ok(
                ["--db", path, "start", "etl", "--id", "r2", "--lifecycle", "databricks", "--parent", "r1"], directory)
            let third = try runledger(
                ["--db", path, "start", "etl", "--id", "r3", "--lifecycle", "databricks", "--parent", "r2"],
                in: directory)
            #expect(third.status == 65 && third.stderr.contains("has used its 1 retry"), "\(third)")
            let chain = try jsonObjects(try ok(["--db", path, "runs", "--chain", "r2", "--format", "json"], directory))
            #expect(chain.map { $0["id"] as? String } == ["r1", "r2"])
            #expect(chain.map { $0["attempt"] as? Int } == [1, 2])
            #expect(chain[0]["canonical_type"] as? String == "FAILED" && chain[0]["outcome"] as? String == "FAILED")
            let history = try ok(["--db", path, "history", "r1"], directory)
            #expect(history.contains("retried by r2") && history.contains("[FAILED]"))
            let stats = try jsonObjects(try ok(["--db", path, "stats", "--format", "json"], directory))
            #expect(stats.first?["failed"] as? Int == 1)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func heartbeatsTheSweepAndAnnotations(_ engine: Ledger.Engine) throws {
        try withLedger(engine) { directory, path in
            _ = try ok(
                [
                    "--db", path, "start", "flow", "--id", "p1", "--lifecycle", "prefect", "--state", "Running", "--at",
                    "1h",
                ], directory)
            _ = try ok(["--db", path, "heartbeat", "p1", "--at", "10m"], directory)
            _ = try ok(
                [
                    "--db", path, "start", "flow2", "--id", "p2", "--lifecycle", "prefect", "--scheduled-at",
                    "2020-01-01T00:00:00Z", "--at", "2020-01-01T00:00:00Z",
                ], directory)
            _ = try ok(
                ["--db", path, "start", "flow3", "--id", "p3", "--lifecycle", "prefect", "--scheduled-at", "+1h"],
                directory)
            let sweep = try jsonObjects(
                try ok(["--db", path, "sweep", "--heartbeat-timeout", "5m", "--format", "json"], directory))
            #expect(Set(sweep.compactMap { $0["run_id"] as? String }) == ["p1", "p2"])
            #expect(sweep.first { $0["run_id"] as? String == "p1" }?["to_state"] as? String == "Crashed")
            #expect(sweep.first { $0["run_id"] as? String == "p2" }?["to_state"] as? String == "Late")
            let late = try runledger(["--db", path, "heartbeat", "p1"], in: directory)
            #expect(late.status == 65 && late.stderr.contains("has ended"))
            let table = try ok(["--db", path, "sweep"], directory)
            #expect(table.hasPrefix("Swept: 0 late, 0 crashed, 0 timed out, 0 past a deadline (annotated)."))
            let badDuration = try runledger(["--db", path, "sweep", "--late-after", "soon"], in: directory)
            #expect(badDuration.status == 65)
            _ = try ok(
                ["--db", path, "annotate", "p3", "--kind", "OTHER", "--reason", "facet", "--meta", #"{"a": 1}"#],
                directory)
            let history = try ok(["--db", path, "history", "p3"], directory)
            #expect(history.contains("OTHER") && history.contains("facet"))
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func defineALifecycleFromJSON(_ engine: Ledger.Engine) throws {
        try withLedger(engine) { directory, path in
            let file = directory.appendingPathComponent("deploy.json")
            try """
            {"name": "deploy", "description": "Blue-green deploys",
             "states": [
               {"name": "queued", "canonical_type": "PENDING", "initial": true},
               {"name": "rolling", "canonical_type": "RUNNING"},
               {"name": "live", "canonical_type": "COMPLETED", "terminal": true},
               {"name": "lost", "canonical_type": "CRASHED", "terminal": true}],
             "transitions": [
               {"from": "queued", "to": "rolling"}, {"from": "rolling", "to": "live"}, {"from": "rolling", "to": "lost"}],
             "roles": {"crash_state": "lost"}}
            """.write(to: file, atomically: true, encoding: .utf8)
            #expect(try ok(["--db", path, "lifecycles", "define", file.path], directory).contains("deploy is defined"))
            _ = try ok(["--db", path, "lifecycles", "define", file.path], directory)
            _ = try ok(["--db", path, "start", "web", "--lifecycle", "deploy", "--id", "w1"], directory)
            let lifecycles = try jsonObjects(try ok(["--db", path, "lifecycles", "--format", "json"], directory))
            #expect(lifecycles.contains { $0["name"] as? String == "deploy" && $0["is_builtin"] as? Bool == false })
            for (json, message) in [
                (
                    #"{"name": "x", "states": [{"name": "a", "canonical_type": "DONE", "initial": true}]}"#,
                    "unknown canonical type DONE"
                ),
                (#"{"name": "x", "states": [{"name": "a", "canonical_type": "PENDING"}]}"#, "no state is initial"),
                (#"{"name": "x"}"#, "states is missing"),
                (#"{"name": "x", "states": "many"}"#, "states has the wrong type"),
                ("not json", "is not valid JSON"),
            ] {
                let bad = directory.appendingPathComponent("bad.json")
                try json.write(to: bad, atomically: true, encoding: .utf8)
                let result = try runledger(["--db", path, "lifecycles", "define", bad.path], in: directory)
                #expect(result.status == 65, "\(json): \(result)")
                #expect(result.stderr.contains(message), "\(json): \(result)")
            }
            let missing = try runledger(["--db", path, "lifecycles", "define", "/nonexistent.json"], in: directory)
            #expect(missing.status == 66)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func theREADMEsLifecycleExampleIsValid(_ engine: Ledger.Engine) throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let afterIntro = try #require(text.range(of: "A lifecycle definition in JSON")).upperBound
        let start = try #require(text.range(of: "```json\n", range: afterIntro..<text.endIndex)).upperBound
        let end = try #require(text.range(of: "```", range: start..<text.endIndex)).lowerBound
        try withLedger(engine) { directory, path in
            let file = directory.appendingPathComponent("example.json")
            try String(text[start..<end]).write(to: file, atomically: true, encoding: .utf8)
            #expect(try ok(["--db", path, "lifecycles", "define", file.path], directory).contains("deploy is defined"))
            _ = try ok(["--db", path, "start", "web", "--lifecycle", "deploy", "--id", "w1"], directory)
            let second = try ok(
                ["--db", path, "start", "web", "--lifecycle", "deploy", "--id", "w2", "--format", "json"], directory)
            #expect(try jsonObjects(second).first?["state"] as? String == "skipped")
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func pruneWithAnArchiveThatHistoryReads(_ engine: Ledger.Engine) throws {
        try withLedger(engine) { directory, path in
            _ = try ok(
                ["--db", path, "start", "etl", "--id", "old", "--state", "RUNNING", "--at", "2024-01-01T00:00:00Z"],
                directory)
            _ = try ok(["--db", path, "transition", "old", "COMPLETED", "--at", "2024-01-01T00:10:00Z"], directory)
            _ = try ok(["--db", path, "start", "etl", "--id", "new"], directory)
            let archive = directory.appendingPathComponent("archive.db").path
            let pruned = try ok(
                ["--db", path, "prune", "--terminal-before", "2025-01-01", "--archive", archive], directory)
            #expect(pruned.hasPrefix("Pruned 1 runs, 2 changes"), "\(pruned)")
            let gone = try runledger(["--db", path, "history", "old"], in: directory)
            #expect(gone.status == 66)
            let archived = try jsonObjects(try ok(["--db", archive, "history", "old", "--format", "json"], directory))
            #expect(archived.map { $0["to_state"] as? String } == ["RUNNING", "COMPLETED"])
            #expect(try ok(["--db", archive, "verify"], directory).contains("is sound"))
            #expect(try ok(["--db", path, "verify"], directory).contains("is sound"))
        }
    }
}
