import Foundation
import RunLedger
import Testing

/// The commands that record and show a run (init, start, transition, act, history), run as a
/// user would, on both engines; where the ledger and the actor come from; every command's help.
struct CommandTests {
    @Test(arguments: Ledger.Engine.allCases) func initCreatesTheLedgerAndIsSafeToRepeat(_ engine: Ledger.Engine) throws
    {
        try withInitializedLedger(engine) { directory, database in
            // On PostgreSQL the ledger is its schema's tables, counted below.
            if engine == .sqlite { #expect(FileManager.default.fileExists(atPath: database.location)) }
            let again = try runledger(["--db", database.location, "init"], in: directory)
            #expect(again.status == 0)
            #expect(again.stdout.contains("6 lifecycles"))
            #expect(try database.query("SELECT count(*) FROM lifecycles;") == ["6"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func startTransitionAndHistoryDriveARun(_ engine: Ledger.Engine) throws {
        try withInitializedLedger(engine) { directory, database in
            let start = try runledger(
                ["--db", database.location, "start", "nightly", "--lifecycle", "prefect", "--reason", "cron"],
                in: directory)
            #expect(start.status == 0, "\(start)")
            let id = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(id.count == 36)
            let move = try runledger(["transition", id, "Pending", "--db", database.location], in: directory)
            #expect(move.status == 0, "\(move)")
            #expect(move.stdout == "\(id): Scheduled -> Pending (seq 2)\n")
            let json = try runledger(
                [
                    "--db", database.location, "transition", id, "Running", "--expect", "Pending", "--format", "json",
                    "--meta",
                    #"{"host": "w1"}"#,
                ],
                in: directory)
            let object = try #require(try jsonObjects(json.stdout).first)
            #expect(object["from_state"] as? String == "Pending")
            #expect(object["to_state"] as? String == "Running")
            #expect(object["run_id"] as? String == id)
            #expect((object["meta"] as? [String: Any])?["host"] as? String == "w1")

            let history = try runledger(["--db", database.location, "history", id], in: directory)
            #expect(history.status == 0)
            let lines = history.stdout.split(separator: "\n")
            #expect(lines.count == 6)  // two summary lines, heading, three changes
            #expect(lines[0].contains("lifecycle prefect") && lines[0].contains("state Running (active)"))
            #expect(lines[1] == "attempt 1")
            #expect(lines[2].hasPrefix("SEQ") && lines[2].contains("TYPE"))
            #expect(lines[5].contains("Pending") && lines[5].contains("Running") && lines[5].contains("RUNNING"))
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func historyAsJSONAndCSVCarriesTheTimeline(_ engine: Ledger.Engine) throws
    {
        try withInitializedLedger(engine) { directory, database in
            _ = try runledger(
                [
                    "--db", database.location, "start", "etl", "--id", "r1", "--lifecycle", "domino", "--at",
                    "2026-01-01T00:00:00Z",
                ],
                in: directory)
            _ = try runledger(
                ["--db", database.location, "transition", "r1", "Scheduled", "--at", "2026-01-01T00:00:30Z"],
                in: directory)
            _ = try runledger(
                [
                    "--db", database.location, "transition", "r1", "StopRequested", "--at", "2026-01-01T00:02:00Z",
                    "--reason",
                    "user, \"stop\"",
                ], in: directory)
            let json = try runledger(["--db", database.location, "history", "r1", "--format", "json"], in: directory)
            let rows = try jsonObjects(json.stdout)
            #expect(rows.map { $0["to_state"] as? String } == ["Queued", "Scheduled", "StopRequested"])
            #expect(rows.map { $0["canonical_type"] as? String } == ["PENDING", "PENDING", "RUNNING"])
            #expect(rows[0]["previous_state_seconds"] is NSNull)
            #expect(rows[1]["previous_state_seconds"] as? Double == 30)
            #expect(rows[2]["previous_state_seconds"] as? Double == 90)
            #expect(rows[2]["at"] as? String == "2026-01-01T00:02:00.000000Z")
            #expect(rows[2]["reason"] as? String == "user, \"stop\"")
            #expect(rows.map { $0["seq"] as? Int } == [1, 2, 3])

            let csv = try runledger(["--db", database.location, "history", "r1", "--format", "csv"], in: directory)
            let table = csvRows(csv.stdout)
            #expect(table.count == 4)
            let header = table[0]
            #expect(
                header.starts(with: ["seq", "at", "from_state", "to_state", "canonical_type", "previous_state_seconds"])
            )
            let reason = try #require(header.firstIndex(of: "reason"))
            let previous = try #require(header.firstIndex(of: "previous_state_seconds"))
            let from = try #require(header.firstIndex(of: "from_state"))
            #expect(table[3][reason] == "user, \"stop\"")
            #expect(table[3][previous] == "90")
            #expect(table[1][from] == "")
        }
    }

    // SQLite only: files, and the default ledger in the working directory (a PostgreSQL
    // ledger from RUNLEDGER_DB is the next test).
    @Test func theLedgerComesFromDbThenTheEnvironmentThenTheWorkingDirectory() throws {
        try withTemporaryDirectory { directory in
            let fromEnvironment = directory.appendingPathComponent("env.db").path
            let first = try runledger(["init"], environment: ["RUNLEDGER_DB": fromEnvironment], in: directory)
            #expect(first.status == 0)
            #expect(FileManager.default.fileExists(atPath: fromEnvironment))
            let second = try runledger(["init"], in: directory)
            #expect(second.status == 0)
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("runledger.db").path))
            let explicit = directory.appendingPathComponent("x.db").path
            let third = try runledger(
                ["init", "--db", explicit], environment: ["RUNLEDGER_DB": fromEnvironment], in: directory)
            #expect(third.status == 0)
            #expect(FileManager.default.fileExists(atPath: explicit))
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func theActorComesFromTheOptionOrTheEnvironment(_ engine: Ledger.Engine)
        throws
    {
        try withInitializedLedger(engine) { directory, database in
            _ = try runledger(
                ["--db", database.location, "start", "etl", "--id", "r1"], environment: ["RUNLEDGER_ACTOR": "ci-bot"],
                in: directory)
            _ = try runledger(
                ["--db", database.location, "transition", "r1", "PENDING", "--actor", "alice"], in: directory)
            let rows = try jsonObjects(
                try runledger(["--db", database.location, "history", "r1", "--format", "json"], in: directory).stdout)
            #expect(rows.map { $0["actor"] as? String } == ["ci-bot", "alice"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func actPerformsANamedActionAndRefusesOthers(_ engine: Ledger.Engine)
        throws
    {
        try withInitializedLedger(engine) { directory, database in
            _ = try runledger(
                ["--db", database.location, "start", "render", "--id", "j1", "--lifecycle", "opencue"], in: directory)
            _ = try runledger(["--db", database.location, "transition", "j1", "running"], in: directory)
            let plain = try runledger(["--db", database.location, "transition", "j1", "pending"], in: directory)
            expectFailure(plain, code: 65, mentioning: "only by the action interrupt or suspend")
            let kill = try runledger(
                ["--db", database.location, "act", "j1", "kill", "--reason", "wrong frames"], in: directory)
            #expect(kill.status == 0, "\(kill)")
            // PostgreSQL's sequence may skip the seq a refused change took; SQLite's rowid does not.
            if engine == .sqlite {
                #expect(kill.stdout == "j1: running -> killed by kill (seq 3)\n")
            } else {
                #expect(kill.stdout.hasPrefix("j1: running -> killed by kill (seq "), "\(kill)")
            }
            expectFailure(
                try runledger(["--db", database.location, "act", "j1", "suspend"], in: directory), code: 65,
                mentioning: "cannot suspend from killed; actions from killed: retry")
            expectFailure(
                try runledger(["--db", database.location, "act", "j1", "explode"], in: directory), code: 65,
                mentioning: "has no action explode")
            expectFailure(
                try runledger(["--db", database.location, "act", "j1", "retry", "--expect", "failed"], in: directory),
                code: 75,
                mentioning: "not the expected failed")
            let retry = try runledger(
                ["--db", database.location, "act", "j1", "retry", "--expect", "killed", "--format", "json"],
                in: directory)
            let row = try #require(try jsonObjects(retry.stdout).first)
            #expect(row["action"] as? String == "retry" && row["to_state"] as? String == "pending")
        }
    }

    @Test func aPostgreSQLLedgerComesFromTheEnvironmentToo() throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(.postgres, in: directory) { database in
                let environment = ["RUNLEDGER_DB": database.location]
                let first = try runledger(["init"], environment: environment, in: directory)
                #expect(first.status == 0, "\(first)")
                let start = try runledger(["start", "etl", "--id", "e1"], environment: environment, in: directory)
                #expect(start.status == 0, "\(start)")
                #expect(try database.query("SELECT id, state FROM runs;") == ["e1|SCHEDULED"])
                #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("runledger.db").path))
            }
        }
    }

    @Test func everyCommandsHelpHasAnExample() throws {
        try withTemporaryDirectory { directory in
            for command in [
                "init", "start", "transition", "act", "history", "runs", "stats", "sql", "lifecycles", "verify",
            ] {
                let help = try runledger([command, "--help"], in: directory)
                #expect(help.status == 0)
                #expect(help.stdout.contains("Example"), "\(command)")
                #expect(help.stdout.contains("runledger"), "\(command)")
            }
            let root = try runledger(["--help"], in: directory)
            #expect(root.stdout.contains("Exit codes"))
        }
    }
}
