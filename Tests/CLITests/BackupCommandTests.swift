import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `runledger backup`, `restore` and `doctor`, run as a user would, with a writer process
/// going on beside them.
struct BackupCommandTests {
    /// The acknowledged changes in a `LedgerWorkload crash-writer` log ("seq run from to").
    static func acknowledged(_ log: URL) throws -> [String] {
        guard FileManager.default.fileExists(atPath: log.path) else { return [] }
        return try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// Every history row of a ledger file, as the ack log writes them, read by the sqlite3 shell.
    static func historyRows(_ path: String, in directory: URL) throws -> Set<String> {
        let result = try sqlite3(
            "SELECT seq || ' ' || run_id || ' ' || coalesce(from_state, '-') || ' ' || to_state FROM state_history;",
            on: path, in: directory)
        try #require(result.status == 0, "\(result)")
        return Set(result.stdout.split(separator: "\n").map(String.init))
    }

    /// Starts a crash-writer on `path` and waits (at most 60 s) until it has acknowledged `count` changes.
    static func startWriter(on path: String, log: URL, count: Int, in directory: URL) throws -> RunningProcess {
        let writer = try RunningProcess(
            Binaries.workload, ["crash-writer", "--db", path, "--log", log.path, "--seed", "17"], directory: directory)
        var waits = 0
        while try acknowledged(log).count < count && writer.process.isRunning && waits < 3000 {
            usleep(20_000)
            waits += 1
        }
        if !writer.process.isRunning {
            let result = try writer.wait()
            Issue.record("the writer stopped: \(result)")
            throw CancellationError()
        }
        try #require(try acknowledged(log).count >= count, "the writer acknowledged too little")
        return writer
    }

    static func stop(_ writer: RunningProcess) throws {
        kill(writer.process.processIdentifier, SIGKILL)
        _ = try writer.wait()
    }

    @Test func backupUnderAWriterHoldsEveryChangeAcknowledgedBeforeItBegan() throws {
        try withInitializedLedger { directory, path in
            let log = directory.appendingPathComponent("acks")
            let writer = try Self.startWriter(on: path, log: log, count: 300, in: directory)
            let before = try Self.acknowledged(log)
            let result = try runledger(["--db", path, "backup", "copy.db", "--verify"], in: directory)
            let after = try Self.acknowledged(log)
            let stillRunning = writer.process.isRunning
            try Self.stop(writer)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("Backup copy.db is sound"), "\(result)")
            #expect(stillRunning)
            let copy = directory.appendingPathComponent("copy.db").path
            let rows = try Self.historyRows(copy, in: directory)
            let missing = before.filter { !rows.contains($0) }
            #expect(missing.isEmpty, "acknowledged before the backup but not in it: \(missing.prefix(5))")
            // Nothing in the copy that the writer did not acknowledge (or was about to).
            #expect(rows.count <= Set(try Self.acknowledged(log)).count + 3)
            #expect(!FileManager.default.fileExists(atPath: copy + "-wal"))
            #expect(try runledger(["--db", copy, "verify"], in: directory).status == 0)
            print(
                "backup under a writer: \(before.count) changes acknowledged before it began, all in the copy (\(rows.count) rows); the writer acknowledged \(after.count - before.count) more while it ran"
            )
        }
    }

    @Test func backupRefusesAnExistingDestinationUnlessForced() throws {
        try withInitializedLedger { directory, path in
            #expect(try runledger(["--db", path, "backup", "b.db"], in: directory).status == 0)
            expectFailure(
                try runledger(["--db", path, "backup", "b.db"], in: directory), code: 65, mentioning: "exists already")
            let forced = try runledger(["--db", path, "backup", "b.db", "--force", "--verify"], in: directory)
            #expect(forced.status == 0, "\(forced)")
            expectFailure(
                try runledger(["--db", path, "backup", path, "--force"], in: directory), code: 65,
                mentioning: "the ledger itself")
            expectFailure(
                try runledger(["--db", "missing.db", "backup", "b2.db"], in: directory), code: 66,
                mentioning: "No ledger file")
            // PostgreSQL: refused before connecting, with the tools to use instead.
            expectFailure(
                try runledger(["--db", "postgresql://ops@127.0.0.1:1/runs", "backup", "b3.db"], in: directory),
                code: 65, mentioning: "pg_dump")
            expectFailure(
                try runledger(["--db", "postgresql://ops@127.0.0.1:1/runs", "restore", "b.db"], in: directory),
                code: 65, mentioning: "pg_restore")
        }
    }

    @Test func restoreRefusesALedgerInUseThenRestoresOnceItIsClosed() throws {
        try withInitializedLedger { directory, path in
            for _ in 0..<3 { #expect(try runledger(["--db", path, "start", "etl"], in: directory).status == 0) }
            #expect(try runledger(["--db", path, "backup", "b.db"], in: directory).status == 0)
            let backupRows = try Self.historyRows(directory.appendingPathComponent("b.db").path, in: directory)
            let log = directory.appendingPathComponent("acks")
            let writer = try Self.startWriter(on: path, log: log, count: 20, in: directory)
            let refused = try runledger(
                ["--db", path, "restore", "b.db", "--lock-timeout", "0.3"], in: directory)
            let stillRunning = writer.process.isRunning
            try Self.stop(writer)
            expectFailure(refused, code: 75, mentioning: "has the ledger \(path) open")
            #expect(stillRunning)
            // Nothing was changed: every change the writer acknowledged is there.
            let rows = try Self.historyRows(path, in: directory)
            #expect(try Self.acknowledged(log).allSatisfy(rows.contains))

            let restored = try runledger(["--db", path, "restore", "b.db"], in: directory)
            #expect(restored.status == 0, "\(restored)")
            #expect(restored.stdout.contains("3 runs"), "\(restored)")
            #expect(try Self.historyRows(path, in: directory) == backupRows)
            #expect(try runledger(["--db", path, "verify"], in: directory).status == 0)
            // The restored ledger takes writes again.
            #expect(try runledger(["--db", path, "start", "etl"], in: directory).status == 0)
        }
    }

    @Test func restoreChecksTheBackupFirst() throws {
        try withInitializedLedger { directory, path in
            #expect(try runledger(["--db", path, "start", "etl"], in: directory).status == 0)
            let rows = try Self.historyRows(path, in: directory)
            // Some other SQLite database, a text file, a missing file.
            #expect(try sqlite3("CREATE TABLE t (x);", on: "other.db", in: directory).status == 0)
            expectFailure(
                try runledger(["--db", path, "restore", "other.db"], in: directory), code: 65,
                mentioning: "not a runledger ledger")
            try Data("not a database".utf8).write(to: directory.appendingPathComponent("text.db"))
            expectFailure(
                try runledger(["--db", path, "restore", "text.db"], in: directory), code: 74,
                mentioning: "not a database")
            expectFailure(
                try runledger(["--db", path, "restore", "missing.db"], in: directory), code: 66,
                mentioning: "missing.db")
            // A backup whose rules were tampered with.
            #expect(try runledger(["--db", path, "backup", "b.db"], in: directory).status == 0)
            #expect(try sqlite3("DROP TRIGGER runs_before_delete;", on: "b.db", in: directory).status == 0)
            expectFailure(
                try runledger(["--db", path, "restore", "b.db"], in: directory), code: 65, mentioning: "not sound")
            #expect(try Self.historyRows(path, in: directory) == rows)
            // Into a missing ledger: created.
            #expect(try runledger(["--db", path, "backup", "good.db"], in: directory).status == 0)
            let fresh = try runledger(["--db", "fresh.db", "restore", "good.db"], in: directory)
            #expect(fresh.status == 0, "\(fresh)")
            #expect(try Self.historyRows(directory.appendingPathComponent("fresh.db").path, in: directory) == rows)
        }
    }

    @Test func doctorOnAHealthyLedgerSaysOkForEachCheck() throws {
        try withInitializedLedger { directory, path in
            #expect(try runledger(["--db", path, "start", "etl"], in: directory).status == 0)
            let result = try runledger(["--db", path, "doctor"], in: directory)
            #expect(result.status == 0, "\(result)")
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.count >= 4, "\(result)")
            #expect(!result.stdout.contains("problem:"), "\(result)")
            #expect(lines.first?.hasPrefix("ok: The ledger is on a local") == true, "\(result)")
            #expect(lines.last?.hasPrefix("ok: verify is clean: 1 runs") == true, "\(result)")
            let json = try jsonObjects(
                try runledger(["--db", path, "doctor", "--format", "json"], in: directory).stdout)
            #expect(json.map { $0["check"] as? String }.prefix(3) == ["file_system", "wal", "freelist"])
            expectFailure(
                try runledger(["--db", "missing.db", "doctor"], in: directory), code: 66, mentioning: "No ledger file")
        }
    }

    @Test func doctorWarnsOfALedgerOnTmpfs() throws {
        // /dev/shm is a tmpfs on Linux: a real one, no mount needed.
        let shm = URL(fileURLWithPath: "/dev/shm/runledger-doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: shm, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: shm) }
        let path = shm.appendingPathComponent("l.db").path
        #expect(try runledger(["--db", path, "init"], in: shm).status == 0)
        let result = try runledger(["--db", path, "doctor", "--skip-verify"], in: shm)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("warning: The ledger is on tmpfs, which lives in memory"), "\(result)")
        #expect(result.stdout.contains("ok: verify was not run"), "\(result)")
    }

    @Test func doctorFailsOnABrokenRule() throws {
        try withInitializedLedger { directory, path in
            #expect(try sqlite3("DROP TRIGGER runs_before_delete;", on: path, in: directory).status == 0)
            let result = try runledger(["--db", path, "doctor"], in: directory)
            #expect(result.status == 65, "\(result)")
            #expect(result.stdout.contains("problem: verify finds the ledger breaking its rules"), "\(result)")
            #expect(result.stderr.hasPrefix("Error: "), "\(result)")
        }
    }
}
