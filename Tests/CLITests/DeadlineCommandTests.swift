import Foundation
import RunLedger
import Testing

/// Deadlines from the shell, on both engines: `jobs J --max-runtime/--deadline/--stale-after`
/// set them (and `off` removes them), `jobs --deadlines` lists them, `sweep` enforces them,
/// and `jobs --health` exits 65 while a job is stale; bad values are refused and change
/// nothing.
struct DeadlineCommandTests {
    @Test(arguments: Ledger.Engine.allCases) func deadlinesAreSetListedEnforcedAndRemoved(_ engine: Ledger.Engine)
        throws
    {
        try withInitializedLedger(engine) { directory, database in
            func run(_ arguments: [String]) throws -> ProcessResult {
                try runledger(["--db", database.location] + arguments, in: directory)
            }
            let set = try run([
                "jobs", "etl", "--max-runtime", "2h", "--deadline", "PENDING=10m", "--stale-after", "26h",
            ])
            #expect(set.status == 0, "\(set)")
            #expect(set.stderr.contains("job etl: deadline PENDING 10m"), "\(set)")
            #expect(try run(["jobs", "--lifecycle", "prefect", "--deadline", "Pending=5m"]).status == 0)
            let listed = try jsonObjects(try run(["jobs", "--deadlines", "--format", "json"]).stdout)
            #expect(listed.map { $0["kind"] as? String } == ["max_runtime", "state", "state", "freshness"])
            #expect(listed.map { $0["name"] as? String } == ["etl", "etl", "prefect", "etl"])
            #expect(listed.map { $0["state"] as? String } == [nil, "PENDING", "Pending", nil])
            #expect(listed.map { $0["limit_seconds"] as? Double } == [7200, 600, 300, 93600])

            // A run 20 minutes in PENDING is past its 10: sweep fails it, saying why.
            let stuck = try run(["start", "etl", "--state", "PENDING", "--at", "20m"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let fine = try run(["start", "etl", "--state", "PENDING"]).stdout.trimmingCharacters(
                in: .whitespacesAndNewlines)
            let swept = try run(["sweep"])
            #expect(swept.status == 0, "\(swept)")
            #expect(swept.stdout.contains("1 timed out"), "\(swept)")
            let history = try jsonObjects(try run(["history", stuck, "--format", "json"]).stdout)
            #expect(history.last?["to_state"] as? String == "FAILED")
            #expect((history.last?["reason"] as? String)?.hasPrefix("deadline: ") == true, "\(history)")
            let other = try jsonObjects(try run(["runs", "--job", "etl", "--format", "json"]).stdout)
            #expect(other.first { $0["id"] as? String == fine }?["state"] as? String == "PENDING")

            // Off removes; what is not set says so.
            let off = try run(["jobs", "etl", "--deadline", "PENDING=off", "--max-runtime", "off"])
            #expect(off.status == 0, "\(off)")
            #expect(off.stderr.contains("deadline PENDING removed"), "\(off)")
            #expect(try run(["jobs", "etl", "--max-runtime", "off"]).stderr.contains("was not set"))
            #expect(try jsonObjects(try run(["jobs", "--deadlines", "--format", "json"]).stdout).count == 2)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func healthExits65WhileAJobIsStale(_ engine: Ledger.Engine) throws {
        try withInitializedLedger(engine) { directory, database in
            func run(_ arguments: [String]) throws -> ProcessResult {
                try runledger(["--db", database.location] + arguments, in: directory)
            }
            let id = try run(["start", "nightly", "--state", "RUNNING", "--at", "3d"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try run(["transition", id, "COMPLETED", "--at", "2d"]).status == 0)
            #expect(try run(["jobs", "--health"]).status == 0)  // no freshness limit yet
            #expect(try run(["jobs", "nightly", "--stale-after", "26h"]).status == 0)

            let stale = try run(["jobs", "--health", "--format", "json"])
            #expect(stale.status == 65, "\(stale)")
            #expect(stale.stderr.contains("1 job is past its freshness limit: nightly."), "\(stale)")
            let row = try #require(try jsonObjects(stale.stdout).first)
            #expect(row["stale_after_seconds"] as? Double == 93600)
            #expect(row["stale_since"] is String)
            let sweep = try run(["sweep"])
            #expect(sweep.status == 0)
            #expect(sweep.stderr.contains("nightly is stale since "), "\(sweep)")

            let again = try run(["start", "nightly", "--state", "RUNNING"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try run(["transition", again, "COMPLETED"]).status == 0)
            let fresh = try run(["jobs", "--health", "--format", "json"])
            #expect(fresh.status == 0, "\(fresh)")
            #expect(try jsonObjects(fresh.stdout).first?["stale_since"] is NSNull)
        }
    }

    @Test func badDeadlinesAreRefusedAndChangeNothing() throws {
        try withInitializedLedger { directory, path in
            func run(_ arguments: [String]) throws -> ProcessResult {
                try runledger(["--db", path] + arguments, in: directory)
            }
            expectFailure(try run(["jobs", "etl", "--deadline", "PENDING"]), code: 64, mentioning: "STATE=DURATION")
            expectFailure(try run(["jobs", "--deadline", "PENDING=1m"]), code: 64, mentioning: "Name the job")
            expectFailure(
                try run(["jobs", "--lifecycle", "prefect", "--stale-after", "1h"]), code: 64,
                mentioning: "per job, not per lifecycle")
            expectFailure(try run(["jobs", "etl", "--health"]), code: 64, mentioning: "lists every job")
            expectFailure(
                try run(["jobs", "etl", "--max-runtime", "1h", "--deadline", "PENDING=0s"]), code: 65,
                mentioning: "more than 0")
            expectFailure(try run(["jobs", "etl", "--max-runtime", "soon"]), code: 65, mentioning: "not a duration")
            expectFailure(
                try run(["jobs", "--lifecycle", "nope", "--deadline", "x=1m"]), code: 65, mentioning: "nope")
            expectFailure(
                try run(["jobs", "--lifecycle", "prefect", "--deadline", "Completed=1m"]), code: 65,
                mentioning: "Completed")
            // Nothing was set by the refused commands, not even the valid --max-runtime 1h.
            #expect(try jsonObjects(try run(["jobs", "--deadlines", "--format", "json"]).stdout).isEmpty)
        }
    }
}
