import Foundation
import RunLedger
import Testing

/// The exit codes, as the README's table lists them (sysexits: 64 usage, 65 rejected data,
/// 66 no such ledger or run, 74 I/O or a corrupt file, 75 try again), each with nothing on
/// stdout and one sentence on stderr; on both engines but for a corrupt file.
struct ExitCodeTests {
    @Test(arguments: Ledger.Engine.allCases) func usageErrorsExit64(_ engine: Ledger.Engine) throws {
        try withInitializedLedger(engine) { directory, database in
            expectFailure(
                try runledger(["--db", database.location, "transition", "only-one-argument"], in: directory), code: 64,
                mentioning: "Missing expected argument")
            expectFailure(
                try runledger(["--db", database.location, "history", "r", "--format", "xml"], in: directory), code: 64,
                mentioning: "xml")
            expectFailure(
                try runledger(["--db", database.location, "frobnicate"], in: directory), code: 64,
                mentioning: "frobnicate")
            expectFailure(
                try runledger(["--db", database.location, "--busy-timeout", "-1", "init"], in: directory), code: 64,
                mentioning: "busy-timeout")
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func rejectedDataExits65(_ engine: Ledger.Engine) throws {
        try withInitializedLedger(engine) { directory, database in
            _ = try runledger(
                ["--db", database.location, "start", "etl", "--id", "r1", "--lifecycle", "databricks"], in: directory)
            expectFailure(
                try runledger(
                    ["--db", database.location, "transition", "r1", "TERMINATED", "--expect", "PENDING", "--at", "1d"],
                    in: directory
                ), code: 65, mentioning: "earlier than its last change")
            expectFailure(
                try runledger(["--db", database.location, "transition", "r1", "TERMINATING"], in: directory), code: 65,
                mentioning: "legal next states: RUNNING, SKIPPED, TERMINATED, INTERNAL_ERROR")
            expectFailure(
                try runledger(["--db", database.location, "transition", "r1", "DONE"], in: directory), code: 65,
                mentioning: "no state DONE")
            expectFailure(
                try runledger(["--db", database.location, "start", "etl", "--lifecycle", "airflow"], in: directory),
                code: 65,
                mentioning: "No lifecycle is named airflow")
            expectFailure(
                try runledger(["--db", database.location, "start", "etl", "--meta", "{oops"], in: directory), code: 65,
                mentioning: "not valid JSON")
            expectFailure(
                try runledger(["--db", database.location, "start", "etl", "--at", "yesterday"], in: directory),
                code: 65,
                mentioning: "--at 'yesterday'")
            expectFailure(
                try runledger(["--db", database.location, "start", "etl", "--id", "r1"], in: directory), code: 65,
                mentioning: "already exists")
            expectFailure(
                try runledger(["--db", database.location, "start", ""], in: directory), code: 65,
                mentioning: "Invalid job")
            #expect(try database.query("SELECT count(*) FROM runs;") == ["1"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aMissingLedgerOrRunExits66AndCreatesNothing(_ engine: Ledger.Engine)
        throws
    {
        try withInitializedLedger(engine) { directory, database in
            // A file that is not there; on PostgreSQL, a schema with no ledger in it.
            try withTestDatabase(engine, in: directory, name: "missing.db") { missing in
                let message = engine == .sqlite ? "No ledger file at" : "No ledger"
                expectFailure(
                    try runledger(["--db", missing.location, "history", "r1"], in: directory), code: 66,
                    mentioning: message)
                expectFailure(
                    try runledger(["--db", missing.location, "transition", "r1", "RUNNING"], in: directory), code: 66,
                    mentioning: message)
                switch engine {
                case .sqlite: #expect(!FileManager.default.fileExists(atPath: missing.location))
                case .postgres:
                    #expect(
                        try missing.query("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema();")
                            == ["0"])
                }
            }
            expectFailure(
                try runledger(["--db", database.location, "history", "nope"], in: directory), code: 66,
                mentioning: "No run has id nope")
            expectFailure(
                try runledger(["--db", database.location, "transition", "nope", "RUNNING"], in: directory), code: 66,
                mentioning: "No run has id nope")
        }
    }

    // SQLite only: a corrupt file.
    @Test func aCorruptFileExits74() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("junk.db").path
            try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            expectFailure(
                try runledger(["--db", path, "history", "r1"], in: directory), code: 74,
                mentioning: "not a database or is corrupt")
            expectFailure(
                try runledger(["--db", path, "init"], in: directory), code: 74,
                mentioning: "not a database or is corrupt")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func anExpectedStateConflictExits75(_ engine: Ledger.Engine) throws {
        try withInitializedLedger(engine) { directory, database in
            _ = try runledger(
                ["--db", database.location, "start", "etl", "--id", "r1", "--state", "PENDING"], in: directory)
            expectFailure(
                try runledger(
                    ["--db", database.location, "transition", "r1", "RUNNING", "--expect", "SCHEDULED"], in: directory),
                code: 75, mentioning: "is in PENDING, not the expected SCHEDULED")
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aLockHeldPastTheBusyTimeoutExits75(_ engine: Ledger.Engine) throws {
        try withInitializedLedger(engine) { directory, database in
            _ = try runledger(["--db", database.location, "start", "etl", "--id", "r1"], in: directory)
            // Another client takes the write lock and keeps it for a few seconds.
            // SQLite: the file's write lock; PostgreSQL: a lock on runs that a change waits for.
            let lock = engine == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN; LOCK TABLE runs IN EXCLUSIVE MODE"
            let holder = try database.startPython(
                """
                import time
                for statement in '\(lock)'.split('; '):
                    db.execute(statement)
                print('locked', flush=True)
                time.sleep(4)
                db.execute('ROLLBACK')
                """, in: directory)
            let marker = try #require(holder.outputPath)
            let deadline = Date().addingTimeInterval(10)
            while (try? String(contentsOfFile: marker, encoding: .utf8))?.contains("locked") != true, Date() < deadline
            {
                Thread.sleep(forTimeInterval: 0.02)
            }
            let result = try runledger(
                ["--db", database.location, "--busy-timeout", "0.3", "transition", "r1", "PENDING"], in: directory)
            expectFailure(
                result, code: 75,
                mentioning: engine == .sqlite ? "stayed locked by another process" : "past the lock timeout; try again")
            #expect(try holder.wait().status == 0)
            // Once the lock is gone, the same command goes through.
            let retry = try runledger(["--db", database.location, "transition", "r1", "PENDING"], in: directory)
            #expect(retry.status == 0, "\(retry)")
        }
    }
}
