import Foundation
import Testing

/// The exit codes, as the README's table lists them (sysexits: 64 usage, 65 rejected data,
/// 66 no such ledger or run, 74 I/O or a corrupt file, 75 try again), each with nothing on
/// stdout and one sentence on stderr.
struct ExitCodeTests {
    @Test func usageErrorsExit64() throws {
        try withInitializedLedger { directory, path in
            expectFailure(
                try runledger(["--db", path, "transition", "only-one-argument"], in: directory), code: 64,
                mentioning: "Missing expected argument")
            expectFailure(
                try runledger(["--db", path, "history", "r", "--format", "xml"], in: directory), code: 64,
                mentioning: "xml")
            expectFailure(
                try runledger(["--db", path, "frobnicate"], in: directory), code: 64, mentioning: "frobnicate")
            expectFailure(
                try runledger(["--db", path, "--busy-timeout", "-1", "init"], in: directory), code: 64,
                mentioning: "busy-timeout")
        }
    }

    @Test func rejectedDataExits65() throws {
        try withInitializedLedger { directory, path in
            _ = try runledger(["--db", path, "start", "etl", "--id", "r1", "--lifecycle", "databricks"], in: directory)
            expectFailure(
                try runledger(
                    ["--db", path, "transition", "r1", "TERMINATED", "--expect", "PENDING", "--at", "1d"], in: directory
                ), code: 65, mentioning: "earlier than its last change")
            expectFailure(
                try runledger(["--db", path, "transition", "r1", "TERMINATING"], in: directory), code: 65,
                mentioning: "legal next states: RUNNING, SKIPPED, TERMINATED, INTERNAL_ERROR")
            expectFailure(
                try runledger(["--db", path, "transition", "r1", "DONE"], in: directory), code: 65,
                mentioning: "no state DONE")
            expectFailure(
                try runledger(["--db", path, "start", "etl", "--lifecycle", "airflow"], in: directory), code: 65,
                mentioning: "No lifecycle is named airflow")
            expectFailure(
                try runledger(["--db", path, "start", "etl", "--meta", "{oops"], in: directory), code: 65,
                mentioning: "not valid JSON")
            expectFailure(
                try runledger(["--db", path, "start", "etl", "--at", "yesterday"], in: directory), code: 65,
                mentioning: "--at 'yesterday'")
            expectFailure(
                try runledger(["--db", path, "start", "etl", "--id", "r1"], in: directory), code: 65,
                mentioning: "already exists")
            expectFailure(
                try runledger(["--db", path, "start", ""], in: directory), code: 65, mentioning: "Invalid job")
            #expect(try sqlite3("SELECT count(*) FROM runs;", on: path, in: directory).stdout == "1\n")
        }
    }

    @Test func aMissingLedgerOrRunExits66AndCreatesNothing() throws {
        try withInitializedLedger { directory, path in
            let missing = directory.appendingPathComponent("missing.db").path
            expectFailure(
                try runledger(["--db", missing, "history", "r1"], in: directory), code: 66,
                mentioning: "No ledger file at")
            expectFailure(
                try runledger(["--db", missing, "transition", "r1", "RUNNING"], in: directory), code: 66,
                mentioning: "No ledger file at")
            #expect(!FileManager.default.fileExists(atPath: missing))
            expectFailure(
                try runledger(["--db", path, "history", "nope"], in: directory), code: 66,
                mentioning: "No run has id nope")
            expectFailure(
                try runledger(["--db", path, "transition", "nope", "RUNNING"], in: directory), code: 66,
                mentioning: "No run has id nope")
        }
    }

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

    @Test func anExpectedStateConflictExits75() throws {
        try withInitializedLedger { directory, path in
            _ = try runledger(["--db", path, "start", "etl", "--id", "r1", "--state", "PENDING"], in: directory)
            expectFailure(
                try runledger(["--db", path, "transition", "r1", "RUNNING", "--expect", "SCHEDULED"], in: directory),
                code: 75, mentioning: "is in PENDING, not the expected SCHEDULED")
        }
    }

    @Test func aLockHeldPastTheBusyTimeoutExits75() throws {
        try withInitializedLedger { directory, path in
            _ = try runledger(["--db", path, "start", "etl", "--id", "r1"], in: directory)
            // Another client takes the write lock and keeps it for a few seconds.
            let holder = try RunningProcess(
                "/usr/bin/env",
                [
                    "python3", "-c",
                    """
                    import sqlite3, sys, time
                    db = sqlite3.connect(sys.argv[1], isolation_level=None)
                    db.execute('BEGIN IMMEDIATE')
                    print('locked', flush=True)
                    time.sleep(4)
                    db.execute('ROLLBACK')
                    """,
                    path,
                ], directory: directory)
            let marker = try #require(holder.outputPath)
            let deadline = Date().addingTimeInterval(10)
            while (try? String(contentsOfFile: marker, encoding: .utf8))?.contains("locked") != true, Date() < deadline
            {
                Thread.sleep(forTimeInterval: 0.02)
            }
            let result = try runledger(
                ["--db", path, "--busy-timeout", "0.3", "transition", "r1", "PENDING"], in: directory)
            expectFailure(result, code: 75, mentioning: "stayed locked by another process")
            #expect(try holder.wait().status == 0)
            // Once the lock is gone, the same command goes through.
            let retry = try runledger(["--db", path, "transition", "r1", "PENDING"], in: directory)
            #expect(retry.status == 0, "\(retry)")
        }
    }
}
