import Foundation
import RunLedger
import Testing

/// The reporting commands: runs, stats, sql, lifecycles, verify, history --follow; on both
/// engines.
struct ReportingTests {
    /// A ledger with known runs at known times (all in 2026-01-01, UTC):
    /// - a1 (etl, prefect): Scheduled 00:00 -> Pending 00:01 -> Running 00:03 -> Completed 00:13
    /// - a2 (etl, prefect): Scheduled 00:00 -> Pending 00:02 -> Running 00:06 -> Failed 00:36
    /// - a3 (etl, prefect): Scheduled 00:00 -> Pending 00:05 (active)
    /// - b1 (render, opencue): pending 01:00 -> running 01:01 -> kill killed 01:11
    func withKnownLedger(_ engine: Ledger.Engine, _ body: (URL, TestDatabase) throws -> Void) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory, name: "known.db") { database in
                let path = database.location
                let steps: [[String]] = [
                    ["start", "etl", "--id", "a1", "--lifecycle", "prefect", "--at", "2026-01-01T00:00:00Z"],
                    ["transition", "a1", "Pending", "--at", "2026-01-01T00:01:00Z"],
                    ["transition", "a1", "Running", "--at", "2026-01-01T00:03:00Z"],
                    ["transition", "a1", "Completed", "--at", "2026-01-01T00:13:00Z"],
                    ["start", "etl", "--id", "a2", "--lifecycle", "prefect", "--at", "2026-01-01T00:00:00Z"],
                    ["transition", "a2", "Pending", "--at", "2026-01-01T00:02:00Z"],
                    ["transition", "a2", "Running", "--at", "2026-01-01T00:06:00Z"],
                    ["transition", "a2", "Failed", "--at", "2026-01-01T00:36:00Z"],
                    ["start", "etl", "--id", "a3", "--lifecycle", "prefect", "--at", "2026-01-01T00:00:00Z"],
                    ["transition", "a3", "Pending", "--at", "2026-01-01T00:05:00Z"],
                    ["start", "render", "--id", "b1", "--lifecycle", "opencue", "--at", "2026-01-01T01:00:00Z"],
                    ["transition", "b1", "running", "--at", "2026-01-01T01:01:00Z"],
                    ["act", "b1", "kill", "--at", "2026-01-01T01:11:00Z"],
                ]
                for step in steps {
                    let result = try runledger(["--db", path] + step, in: directory)
                    try #require(result.status == 0, "\(step): \(result)")
                }
                try body(directory, database)
            }
        }
    }

    // MARK: - runs

    @Test(arguments: Ledger.Engine.allCases) func runsListsAndFilters(_ engine: Ledger.Engine) throws {
        try withKnownLedger(engine) { directory, database in
            let all = try jsonObjects(
                try runledger(["--db", database.location, "runs", "--format", "json"], in: directory).stdout)
            #expect(all.map { $0["id"] as? String } == ["b1", "a3", "a2", "a1"])
            #expect(all[0]["state"] as? String == "killed" && all[0]["is_terminal"] as? Bool == true)
            #expect(all[0]["created_at"] as? String == "2026-01-01T01:00:00.000000Z")
            let active = try jsonObjects(
                try runledger(["--db", database.location, "runs", "--active", "--format", "json"], in: directory).stdout
            )
            #expect(active.map { $0["id"] as? String } == ["a3"])
            let terminalEtl = try runledger(
                ["--db", database.location, "runs", "--terminal", "--job", "etl", "--format", "csv"], in: directory)
            let rows = csvRows(terminalEtl.stdout)
            #expect(rows.first?.first == "id")
            #expect(rows.dropFirst().map { $0[0] } == ["a2", "a1"])
            let byState = try jsonObjects(
                try runledger(
                    ["--db", database.location, "runs", "--state", "Failed", "--format", "json"], in: directory
                ).stdout)
            #expect(byState.map { $0["id"] as? String } == ["a2"])
            let since = try jsonObjects(
                try runledger(
                    [
                        "--db", database.location, "runs", "--since", "2026-01-01T00:30:00Z", "--until", "2026-01-02",
                        "--format",
                        "json",
                    ], in: directory
                ).stdout)
            #expect(since.map { $0["id"] as? String } == ["b1"])
            let limited = try runledger(["--db", database.location, "runs", "--limit", "2"], in: directory)
            #expect(limited.stdout.split(separator: "\n").count == 3)
            #expect(limited.stderr.contains("--limit 0 shows all"))
            let lifecycle = try jsonObjects(
                try runledger(
                    ["--db", database.location, "runs", "--lifecycle", "opencue", "--format", "json"], in: directory
                )
                .stdout)
            #expect(lifecycle.map { $0["id"] as? String } == ["b1"])
        }
    }

    // MARK: - stats

    @Test(arguments: Ledger.Engine.allCases) func statsNumbersMatchTheKnownLedger(_ engine: Ledger.Engine) throws {
        try withKnownLedger(engine) { directory, database in
            let result = try runledger(["--db", database.location, "stats", "--format", "json"], in: directory)
            #expect(result.status == 0, "\(result)")
            let groups = try jsonObjects(result.stdout)
            #expect(groups.map { $0["job"] as? String } == ["etl", "render"])
            let etl = groups[0]
            #expect(etl["runs"] as? Int == 3)
            #expect(etl["active"] as? Int == 1)
            #expect(etl["completed"] as? Int == 1 && etl["failed"] as? Int == 1 && etl["pending"] as? Int == 1)
            #expect(etl["success_rate"] as? Double == 0.5)
            // Terminal durations: a1 13 min, a2 36 min; nearest-rank p50 = 780 s, p95 = max = 2160 s.
            #expect(etl["duration_p50_seconds"] as? Double == 780)
            #expect(etl["duration_p95_seconds"] as? Double == 2160)
            #expect(etl["duration_max_seconds"] as? Double == 2160)
            let states = try #require(etl["states"] as? [[String: Any]])
            func state(_ name: String) -> [String: Any]? { states.first { $0["state"] as? String == name } }
            // Scheduled stays: 60, 120, 300 s. Pending: 120, 240 (a3 still pending). Running: 600, 1800.
            #expect(state("Scheduled")?["stays"] as? Int == 3)
            #expect(state("Scheduled")?["mean_seconds"] as? Double == 160)
            #expect(state("Scheduled")?["p95_seconds"] as? Double == 300)
            #expect(state("Pending")?["stays"] as? Int == 2 && state("Pending")?["current"] as? Int == 1)
            #expect(state("Pending")?["mean_seconds"] as? Double == 180)
            #expect(state("Running")?["mean_seconds"] as? Double == 1200)
            #expect(state("Running")?["p95_seconds"] as? Double == 1800)
            #expect(state("Completed")?["current"] as? Int == 1 && state("Completed")?["is_terminal"] as? Bool == true)
            let render = groups[1]
            #expect(render["cancelled"] as? Int == 1)
            #expect(render["success_rate"] as? Double == 0)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func statsGroupsByLifecycleAndFilters(_ engine: Ledger.Engine) throws {
        try withKnownLedger(engine) { directory, database in
            let byLifecycle = try jsonObjects(
                try runledger(
                    ["--db", database.location, "stats", "--by", "lifecycle", "--format", "json"], in: directory
                ).stdout)
            #expect(byLifecycle.map { $0["lifecycle"] as? String } == ["opencue", "prefect"])
            let since = try jsonObjects(
                try runledger(
                    [
                        "--db", database.location, "stats", "--since", "2026-01-01T00:30:00Z", "--until",
                        "2026-01-02T00:00:00Z",
                        "--format", "json",
                    ], in: directory
                ).stdout)
            #expect(since.map { $0["job"] as? String } == ["render"])
            let csv = csvRows(
                try runledger(["--db", database.location, "stats", "--job", "etl", "--format", "csv"], in: directory)
                    .stdout)
            #expect(
                csv.count == 2 && csv[0].prefix(3) == ["job", "runs", "active"]
                    && csv[1].prefix(3) == ["etl", "3", "1"])
            let perState = csvRows(
                try runledger(
                    ["--db", database.location, "stats", "--job", "etl", "--states", "--format", "csv"], in: directory
                )
                .stdout)
            #expect(perState[0].prefix(4) == ["job", "lifecycle", "state", "canonical_type"])
            #expect(perState.count == 1 + 5)
            let lifecycleStates = csvRows(
                try runledger(
                    ["--db", database.location, "stats", "--by", "lifecycle", "--states", "--format", "csv"],
                    in: directory
                ).stdout)
            #expect(lifecycleStates[0].prefix(3) == ["lifecycle", "state", "canonical_type"])
            #expect(Set(lifecycleStates[0]).count == lifecycleStates[0].count)
            let table = try runledger(["--db", database.location, "stats"], in: directory)
            #expect(table.stdout.contains("SUCCESS") && table.stdout.contains("0.5") && table.stdout.contains("13m00s"))
        }
    }

    // MARK: - sql

    @Test(arguments: Ledger.Engine.allCases) func sqlPrintsAQuerysRowsInEveryFormat(_ engine: Ledger.Engine) throws {
        try withKnownLedger(engine) { directory, database in
            let query =
                "SELECT job, count(*) AS runs, sum(CASE WHEN state = 'Completed' THEN 1 ELSE 0 END) AS completed FROM runs GROUP BY job ORDER BY job"
            let json = try jsonObjects(
                try runledger(["--db", database.location, "sql", query, "--format", "json"], in: directory).stdout)
            #expect(json.count == 2)
            #expect(
                json[0]["job"] as? String == "etl" && json[0]["runs"] as? Int == 3 && json[0]["completed"] as? Int == 1)
            let csv = csvRows(
                try runledger(["--db", database.location, "sql", query, "--format", "csv"], in: directory).stdout)
            #expect(csv == [["job", "runs", "completed"], ["etl", "3", "1"], ["render", "1", "0"]])
            let timeline = try runledger(
                [
                    "--db", database.location, "sql",
                    "SELECT run_id, at_iso, to_state FROM run_timeline WHERE run_id = 'a1' ORDER BY seq",
                ], in: directory)
            #expect(timeline.stdout.contains("2026-01-01T00:13:00.000000Z"))
            // A read of the engine's own catalogue.
            let catalogue =
                engine == .sqlite
                ? "PRAGMA table_info(runs)"
                : "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'runs'"
            let columns = try runledger(
                ["--db", database.location, "sql", catalogue, "--format", "json"], in: directory)
            #expect(columns.status == 0, "\(columns)")
            #expect(try jsonObjects(columns.stdout).count > 10, "\(columns)")
        }
    }

    @Test(arguments: [
        "INSERT INTO runs (id, job, lifecycle) VALUES ('x', 'j', 'canonical')",
        "UPDATE runs SET job = 'x'",
        "DELETE FROM state_history",
        "DROP TABLE runs",
        "DROP TRIGGER state_changes_before_update",
        "CREATE TABLE evil (a)",
        "CREATE TEMP TABLE scratch (a)",
        "ATTACH DATABASE 'other.db' AS other",
        "VACUUM INTO 'copy.db'",
        "VACUUM",
        "PRAGMA user_version = 99",
        "PRAGMA writable_schema = ON",
        "PRAGMA journal_mode = DELETE",
        "SELECT load_extension('/tmp/evil.so')",
        "BEGIN IMMEDIATE",
        "REINDEX",
        "ANALYZE",
        "SELECT 1; DELETE FROM runs",
        "WITH gone AS (DELETE FROM runs RETURNING id) SELECT * FROM gone",
        "INSERT INTO runs (id, job, lifecycle) SELECT 'y', 'j', 'canonical' RETURNING id",
    ])
    func sqlRefusesEveryWriteAndLeavesTheFileByteIdentical(_ query: String) throws {
        // SQLite only: the file's bytes, and SQLite's own statements (the next test is
        // PostgreSQL's).
        try withKnownLedger(.sqlite) { directory, database in
            let path = database.location
            _ = try sqlite3("PRAGMA wal_checkpoint(TRUNCATE);", on: path, in: directory)
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let result = try runledger(["--db", path, "sql", query], in: directory)
            #expect(result.status == 65, "\(result)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("Error: The query"), "\(result)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            let wal = URL(fileURLWithPath: path + "-wal")
            if FileManager.default.fileExists(atPath: wal.path) {
                #expect(try Data(contentsOf: wal).isEmpty)
            }
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("copy.db").path))
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("other.db").path))
        }
    }

    @Test(arguments: [
        "INSERT INTO runs (id, job, lifecycle) VALUES ('x', 'j', 'canonical')",
        "UPDATE runs SET job = 'x'",
        "DELETE FROM state_history",
        "DROP TABLE runs CASCADE",
        "DROP TRIGGER state_changes_after_insert ON state_changes",
        "ALTER TABLE state_changes DISABLE TRIGGER ALL",
        "CREATE TABLE evil (a int)",
        "CREATE TEMP TABLE scratch (a int)",
        "TRUNCATE runs CASCADE",
        "COPY runs TO '/tmp/runledger-copy.csv'",
        "VACUUM",
        "ANALYZE",
        "REINDEX TABLE runs",
        "SELECT nextval('runs_num_seq')",
        "SET search_path TO public",
        "COMMIT",
        "BEGIN",
        "SELECT 1; DELETE FROM runs",
        "WITH gone AS (DELETE FROM runs RETURNING id) SELECT * FROM gone",
        "INSERT INTO runs (id, job, lifecycle) SELECT 'y', 'j', 'canonical' RETURNING id",
    ])
    func sqlRefusesEveryWriteOnPostgreSQLAndChangesNothing(_ query: String) throws {
        try withKnownLedger(.postgres) { directory, database in
            let snapshot = """
                SELECT count(*) FROM runs; SELECT count(*) FROM state_changes;
                SELECT string_agg(id || ':' || job || ':' || state, ',' ORDER BY id) FROM runs;
                SELECT last_value FROM runs_num_seq;
                SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace;
                SELECT string_agg(tgname::text || tgenabled::text, ',' ORDER BY tgname) FROM pg_trigger
                WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = current_schema()::regnamespace);
                """
            let before = try database.query(snapshot)
            let result = try runledger(["--db", database.location, "sql", query], in: directory)
            #expect(result.status == 65, "\(result)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("Error: The query"), "\(result)")
            #expect(try database.query(snapshot) == before)
            #expect(!FileManager.default.fileExists(atPath: "/tmp/runledger-copy.csv"))
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func sqlRefusesBadSQLWith65(_ engine: Ledger.Engine) throws {
        try withKnownLedger(engine) { directory, database in
            let syntax = try runledger(["--db", database.location, "sql", "SELEC job FROM runs"], in: directory)
            // SQLite's parser says so; on PostgreSQL the library refuses a statement that is no
            // query before the server parses it.
            let notSQL = engine == .sqlite ? "syntax error" : "is not valid SQL here"
            #expect(syntax.status == 65 && syntax.stderr.contains(notSQL), "\(syntax)")
            let table = try runledger(["--db", database.location, "sql", "SELECT * FROM nothing_here"], in: directory)
            let noTable = engine == .sqlite ? "no such table" : "relation \"nothing_here\" does not exist"
            #expect(table.status == 65 && table.stderr.contains(noTable), "\(table)")
            let empty = try runledger(["--db", database.location, "sql", "  -- nothing"], in: directory)
            #expect(empty.status == 65 && empty.stderr.contains("no statement"), "\(empty)")
        }
    }

    // MARK: - lifecycles

    @Test(arguments: Ledger.Engine.allCases) func lifecyclesListAndShowInEveryFormat(_ engine: Ledger.Engine) throws {
        try withKnownLedger(engine) { directory, database in
            let list = try jsonObjects(
                try runledger(["--db", database.location, "lifecycles", "--format", "json"], in: directory).stdout)
            #expect(list.count == 6)
            let opencue = try #require(list.first { $0["name"] as? String == "opencue" })
            #expect(opencue["states"] as? Int == 8 && opencue["transitions"] as? Int == 25)
            #expect(opencue["actions"] as? String == "block interrupt suspend kill retry")
            let detail = try jsonObjects(
                try runledger(["--db", database.location, "lifecycles", "prefect", "--format", "json"], in: directory)
                    .stdout)
            let states = try #require(detail.first?["states"] as? [[String: Any]])
            #expect(states.count == 12)
            #expect(states.first { $0["state"] as? String == "Crashed" }?["is_terminal"] as? Bool == true)
            #expect(states.last?["state"] as? String == "TimedOut")
            #expect(states.last?["canonical_type"] as? String == "FAILED")
            let transitions = try #require(detail.first?["transitions"] as? [[String: Any]])
            #expect(transitions.count == 32)  // 26, and one into TimedOut from each of the 6 active states
            let csv = csvRows(
                try runledger(["--db", database.location, "lifecycles", "opencue", "--format", "csv"], in: directory)
                    .stdout)
            #expect(csv[0] == ["lifecycle", "from_state", "to_state", "action", "description"])
            #expect(csv.contains { $0[1] == "killed" && $0[2] == "pending" && $0[3] == "retry" })
            let table = try runledger(["--db", database.location, "lifecycles", "domino"], in: directory)
            #expect(table.stdout.contains("StopRequested") && table.stdout.contains("TERMINAL"))
            let unknown = try runledger(["--db", database.location, "lifecycles", "airflow"], in: directory)
            #expect(unknown.status == 65 && unknown.stdout.isEmpty)
            let noName = try runledger(["--db", database.location, "lifecycles", "--format", "dot"], in: directory)
            #expect(noName.status == 64)
        }
    }

    @Test(
        arguments: Ledger.Engine.allCases, ["canonical", "databricks", "openlineage", "opencue", "domino", "prefect"])
    func dotDiagramsRenderWithGraphviz(_ engine: Ledger.Engine, _ lifecycle: String) throws {
        try withKnownLedger(engine) { directory, database in
            let path = database.location
            let dot = try runledger(["--db", path, "lifecycles", lifecycle, "--format", "dot"], in: directory)
            #expect(dot.status == 0)
            let source = directory.appendingPathComponent("\(lifecycle).dot")
            try dot.stdout.write(to: source, atomically: true, encoding: .utf8)
            let rendered = try RunningProcess("/usr/bin/dot", ["-Tsvg", source.path], directory: directory).wait()
            #expect(rendered.status == 0, "\(rendered.stderr)")
            #expect(rendered.stdout.contains("<svg"))
            // Every state is drawn.
            let states = try jsonObjects(
                try runledger(["--db", path, "lifecycles", lifecycle, "--format", "json"], in: directory).stdout)
            for state in (states.first?["states"] as? [[String: Any]]) ?? [] {
                let name = try #require(state["state"] as? String)
                #expect(rendered.stdout.contains(">\(name)<"), "\(name) is not in the SVG")
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func mermaidDiagramsDeclareEveryStateAndEdge(_ engine: Ledger.Engine)
        throws
    {
        try withKnownLedger(engine) { directory, database in
            let mermaid = try runledger(
                ["--db", database.location, "lifecycles", "prefect", "--format", "mermaid"], in: directory
            )
            .stdout
            #expect(mermaid.contains("stateDiagram-v2"))
            #expect(mermaid.contains("state \"Retrieved Cache\" as s8"))
            let edges = mermaid.split(separator: "\n").filter { $0.contains("-->") && !$0.contains("[*]") }
            #expect(edges.count == 32)
            #expect(
                mermaid.contains("[*] --> s1") && mermaid.contains("s11 --> [*]") && mermaid.contains("s12 --> [*]"))
        }
    }

    // MARK: - verify

    @Test(arguments: Ledger.Engine.allCases) func verifyPassesACleanLedger(_ engine: Ledger.Engine) throws {
        try withKnownLedger(engine) { directory, database in
            let result = try runledger(["--db", database.location, "verify"], in: directory)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("4 runs and 13 changes follow every rule"))
            let json = try runledger(["--db", database.location, "verify", "--format", "json"], in: directory)
            #expect(try jsonObjects(json.stdout).isEmpty)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func verifyCatchesWhatAClientWroteAfterDroppingTheTriggers(
        _ engine: Ledger.Engine
    ) throws {
        try withKnownLedger(engine) { directory, database in
            // A client that may drop triggers breaks each rule once. The trigger names are each
            // engine's own; so is the sneaky trigger's syntax.
            let tamper =
                switch engine {
                case .sqlite:
                    try database.run(
                        """
                        DROP TRIGGER state_changes_before_delete;
                        DROP TRIGGER state_changes_after_insert;
                        DROP TRIGGER runs_after_update;
                        DROP TRIGGER lifecycle_states_before_update;
                        DELETE FROM state_changes WHERE seq = 2;
                        INSERT INTO state_changes (run_num, from_state, to_state, at) VALUES (3, 'Pending', 'Completed', 1);
                        UPDATE runs SET state = 'Running' WHERE id = 'b1';
                        UPDATE lifecycle_states SET is_terminal = 0 WHERE lifecycle = 'domino' AND state = 'Failed';
                        CREATE TRIGGER sneaky AFTER INSERT ON runs BEGIN SELECT 1; END;
                        """)
                case .postgres:
                    try database.run(
                        """
                        DROP TRIGGER state_changes_before_change ON state_changes;
                        DROP TRIGGER state_changes_before_insert ON state_changes;
                        DROP TRIGGER state_changes_after_insert ON state_changes;
                        DROP TRIGGER runs_before_update ON runs;
                        DROP TRIGGER lifecycle_states_before_change ON lifecycle_states;
                        DELETE FROM state_changes WHERE seq = 2;
                        INSERT INTO state_changes (seq, run_num, from_state, to_state, at)
                        SELECT max(seq) + 1, (SELECT num FROM runs WHERE id = 'a3'), 'Pending', 'Completed', 1
                        FROM state_changes;
                        UPDATE runs SET state = 'Running' WHERE id = 'b1';
                        UPDATE lifecycle_states SET is_terminal = 0 WHERE lifecycle = 'domino' AND state = 'Failed';
                        CREATE FUNCTION sneaky() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                        CREATE TRIGGER sneaky AFTER INSERT ON runs FOR EACH ROW EXECUTE FUNCTION sneaky();
                        """)
                }
            #expect(tamper.status == 0, "\(tamper)")
            let result = try runledger(["--db", database.location, "verify", "--format", "json"], in: directory)
            #expect(result.status == 65, "\(result)")
            #expect(result.stderr.contains("breaks the ledger's rules"))
            let problems = try jsonObjects(result.stdout)
            let checks = Set(problems.compactMap { $0["check"] as? String })
            #expect(
                checks.isSuperset(of: [
                    "schema", "wrong_from_state", "illegal_transition", "time_backwards", "derived_state",
                    "builtin_lifecycle",
                ]), "\(checks)")
            let details = problems.compactMap { $0["detail"] as? String }.joined(separator: "\n")
            #expect(details.contains("trigger state_changes_after_insert") && details.contains("is missing"))
            #expect(details.contains("trigger sneaky") && details.contains("is not runledger's"))
            #expect(details.contains("domino.Failed was altered"))
            #expect(details.contains("Run b1 is in Running but its last history row entered killed"))
        }
    }

    // MARK: - history --follow

    @Test(arguments: Ledger.Engine.allCases) func historyFollowSeesChangesWrittenByAnotherProcess(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory, name: "follow.db") { database in
                let path = database.location
                _ = try runledger(
                    ["--db", path, "start", "etl", "--id", "f1", "--lifecycle", "databricks"], in: directory)
                let follower = try RunningProcess(
                    Binaries.runledger,
                    ["--db", path, "history", "f1", "--follow", "--format", "json", "--interval", "0.05"],
                    directory: directory)
                for state in ["RUNNING", "TERMINATING", "TERMINATED"] {
                    Thread.sleep(forTimeInterval: 0.2)
                    let move = try runledger(["--db", path, "transition", "f1", state], in: directory)
                    #expect(move.status == 0, "\(move)")
                }
                // The follower ends by itself once the run is terminal.
                let deadline = Date().addingTimeInterval(20)
                while follower.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
                if follower.process.isRunning { follower.process.terminate() }
                let result = try follower.wait()
                #expect(result.status == 0, "\(result)")
                let lines = result.stdout.split(separator: "\n")
                let states = try lines.map { line -> String? in
                    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    return object?["to_state"] as? String
                }
                #expect(states == ["PENDING", "RUNNING", "TERMINATING", "TERMINATED"])
            }
        }
    }

    // MARK: - shell completion

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsGenerate(_ shell: String) throws {
        try withTemporaryDirectory { directory in
            let result = try runledger(["--generate-completion-script", shell], in: directory)
            #expect(result.status == 0)
            #expect(result.stdout.contains("runledger"))
            #expect(result.stdout.contains("history") && result.stdout.contains("lifecycles"))
        }
    }
}
