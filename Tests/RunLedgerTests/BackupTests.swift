import Foundation
import Testing

@testable import RunLedger

/// Backups, restores, the copy made before a migration, the file-system check on opening for
/// writing, and the doctor, through the library (the CLI's own tests run the binary).
struct BackupTests {
    /// An old-version ledger (migrations up to `version` only) with one run, at `path`.
    private func makeOldLedger(at path: String, version: Int) throws {
        let connection = try Connection(path: path, mode: .readWrite(create: true))
        try Migrator(migrations: Array(Migration.all.prefix(version))).migrate(connection)
    }

    @Test func openingALedgerThatNeedsAMigrationCopiesItAsideFirst() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("runs.db").path
            let old = 7
            try makeOldLedger(at: path, version: old)
            _ = try SQLiteShell.query(
                "INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('a', 'etl', 'canonical', 'PENDING', 1000000);",
                on: path)
            let ledger = try Ledger(path: path)
            let copy = path + ".pre-v\(old)"
            #expect(FileManager.default.fileExists(atPath: copy))
            // The copy is the ledger as it was: its schema_migrations stop at the old version,
            // it holds the run, and SQLite finds it sound. The ledger itself moved on.
            #expect(try SQLiteShell.query("SELECT max(version) FROM schema_migrations;", on: copy) == ["\(old)"])
            #expect(try SQLiteShell.query("SELECT id, state FROM runs;", on: copy) == ["a|PENDING"])
            #expect(try SQLiteShell.query("PRAGMA integrity_check;", on: copy) == ["ok"])
            #expect(
                try SQLiteShell.query("SELECT max(version) FROM schema_migrations;", on: path)
                    == ["\(Migrator().latestVersion)"])
            // The library reads it as the old version it is (a read-only open refuses to
            // migrate it), and opening the migrated ledger again copies nothing more.
            let error = try #require(throws: LedgerError.self) {
                try Ledger(path: copy, configuration: .init(mode: .readOnly))
            }
            #expect(error == .schemaTooOld(path: copy, version: old, required: Migrator().latestVersion))
            _ = ledger
            _ = try Ledger(path: path)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
                $0.contains(".pre-v")
            }
            #expect(names == ["runs.db.pre-v\(old)"])
        }
    }

    @Test func restoringThePreMigrationCopyUndoesTheUpgrade() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("runs.db").path
            try makeOldLedger(at: path, version: 8)
            _ = try SQLiteShell.query(
                "INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('a', 'etl', 'canonical', 'PENDING', 1000000);",
                on: path)
            do { _ = try Ledger(path: path).start(job: "after-the-upgrade") }
            let report = try Ledger.restore(from: path + ".pre-v8", to: path)
            #expect(report.version == 8 && report.verification == nil)
            #expect(try SQLiteShell.query("SELECT max(version) FROM schema_migrations;", on: path) == ["8"])
            #expect(try SQLiteShell.query("SELECT id FROM runs;", on: path) == ["a"])
            #expect(try SQLiteShell.query("PRAGMA integrity_check;", on: path) == ["ok"])
        }
    }

    @Test func thePreMigrationCopyCanBeTurnedOffAndIsNeverReplaced() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("runs.db").path
            try makeOldLedger(at: path, version: 9)
            var configuration = Ledger.Configuration()
            configuration.copiesBeforeMigrating = false
            _ = try Ledger(path: path, configuration: configuration)
            #expect(!FileManager.default.fileExists(atPath: path + ".pre-v9"))

            // A copy of that name, from an earlier upgrade, is kept as it is.
            let other = directory.appendingPathComponent("other.db").path
            try makeOldLedger(at: other, version: 9)
            try Data("kept".utf8).write(to: URL(fileURLWithPath: other + ".pre-v9"))
            _ = try Ledger(path: other)
            #expect(try String(contentsOfFile: other + ".pre-v9", encoding: .utf8) == "kept")
        }
    }

    @Test func aNewLedgerAndAnUpToDateOneGetNoCopy() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("runs.db").path
            _ = try Ledger(path: path)
            _ = try Ledger(path: path)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(!names.contains { $0.contains(".pre-v") }, "\(names)")
        }
    }

    @Test(arguments: [(Int64(0x6969), "nfs"), (0x6573_5546, "fuse"), (0xFF53_4D42, "cifs"), (0x517B, "smb")])
    func aLedgerOnANetworkOrFUSEFileSystemIsRefusedForWriting(magic: Int64, name: String) throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("runs.db").path
            _ = try Ledger(path: path)
            FileSystemKind.fake(magic, under: directory.path)
            defer { FileSystemKind.fake(nil, under: directory.path) }
            #expect(FileSystemKind.of(path: path)?.name == name)
            let error = try #require(throws: LedgerError.self) { try Ledger(path: path) }
            #expect(error == .unsafeFileSystem(path: path, fileSystem: name))
            // Creating one there is refused too; reading is not, nor writing when allowed.
            let fresh = directory.appendingPathComponent("new.db").path
            #expect(throws: LedgerError.unsafeFileSystem(path: fresh, fileSystem: name)) { try Ledger(path: fresh) }
            #expect(!FileManager.default.fileExists(atPath: fresh))
            let reader = try Ledger(path: path, configuration: .init(mode: .readOnly))
            let finding = try #require(try reader.doctor().first { $0.check == "file_system" })
            #expect(finding.severity == .problem)
            #expect(finding.detail.contains("\(name) file system"))
            var configuration = Ledger.Configuration()
            configuration.allowsUnsafeFileSystem = true
            _ = try Ledger(path: path, configuration: configuration).start(job: "etl")
        }
    }

    @Test func theDoctorFindsNothingWrongWithAHealthyLedger() throws {
        try withTemporaryLedger { ledger, _ in
            _ = try ledger.start(job: "etl")
            let findings = try ledger.doctor()
            #expect(findings.map(\.check).starts(with: ["file_system", "wal", "freelist"]))
            #expect(findings.last?.check == "verify")
            // A ledger with seals (once they exist) may warn that none was made yet; nothing
            // else may be more than ok.
            for finding in findings where finding.check != "seals" {
                #expect(finding.severity == .ok, "\(finding)")
            }
            #expect(findings.allSatisfy { $0.detail.hasSuffix(".") && !$0.detail.contains("\n") })
        }
    }

    @Test func theDoctorReportsALargeWALAFreelistOldSealsAndABrokenRule() throws {
        try withTemporaryLedger { ledger, path in
            let run = try ledger.start(job: "etl")
            // Free pages: a foreign client fills a table and drops it.
            _ = try SQLiteShell.query(
                """
                CREATE TABLE junk (x BLOB);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
                INSERT INTO junk SELECT randomblob(4000) FROM n;
                DROP TABLE junk;
                """, on: path)
            // A seal 30 days old, the newest: sealed, then its time moved back behind the rules.
            _ = try ledger.seal()
            let old = Timestamp.now.adding(seconds: -30 * 86_400).rawValue
            _ = try SQLiteShell.query(
                "DROP TRIGGER seals_before_update; UPDATE seals SET at = \(old);", on: path)
            // A rule broken behind the triggers' back: a trigger dropped, a run deleted.
            _ = try SQLiteShell.query(
                "DROP TRIGGER runs_before_delete; DELETE FROM runs WHERE id = '\(run.id)';", on: path)
            let policy = DoctorPolicy(walLimit: 0, freelistShare: 0.1, freelistMinimum: 0)
            let findings = Dictionary(try ledger.doctor(policy).map { ($0.check, $0) }) { first, _ in first }
            #expect(findings["wal"]?.severity == .warning, "\(findings)")
            #expect(findings["freelist"]?.severity == .warning, "\(findings)")
            #expect(findings["freelist"]?.detail.contains("VACUUM") == true)
            #expect(findings["seals"]?.severity == .warning, "\(findings)")
            #expect(findings["seals"]?.detail.contains("30.0 days old") == true, "\(findings)")
            #expect(findings["verify"]?.severity == .problem, "\(findings)")
            #expect(try ledger.doctor(DoctorPolicy(verifies: false)).last?.severity == .ok)
        }
    }

    @Test func restoreRefusesALedgerAnotherConnectionHasOpen() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("runs.db").path
            let backup = directory.appendingPathComponent("backup.db").path
            let ledger = try Ledger(path: path)
            _ = try ledger.start(job: "etl")
            #expect(try ledger.backup(to: backup, verify: true).verification?.isClean == true)
            _ = try ledger.start(job: "etl")
            #expect(throws: LedgerError.ledgerInUse(path: path)) {
                try Ledger.restore(from: backup, to: path, lockTimeout: .milliseconds(200))
            }
            #expect(try ledger.runs(matching: RunQuery()).count == 2)
        }
        // Closed, it is restored: the backup's one run, verified.
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("runs.db").path
            let backup = directory.appendingPathComponent("backup.db").path
            var id = ""
            do {
                let ledger = try Ledger(path: path)
                id = try ledger.start(job: "etl").id
                _ = try ledger.backup(to: backup)
                _ = try ledger.start(job: "etl")
            }
            let report = try Ledger.restore(from: backup, to: path)
            #expect(report.verification?.runs == 1)
            let ledger = try Ledger(path: path)
            #expect(try ledger.runs(matching: RunQuery()).map(\.id) == [id])
            #expect(try ledger.verify().isClean)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func backupCopiesASQLiteLedgerAndRefusesAPostgreSQLOne(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let run = try ledger.start(job: "etl")
            let destination = FileManager.default.temporaryDirectory.appendingPathComponent(
                "runledger-backup-\(UUID().uuidString).db"
            ).path
            defer { try? FileManager.default.removeItem(atPath: destination) }
            switch engine {
            case .sqlite:
                let report = try ledger.backup(to: destination, verify: true)
                #expect(report.verification?.isClean == true && report.verification?.runs == 1)
                #expect(try Ledger(path: destination, configuration: .init(mode: .readOnly)).run(id: run.id) != nil)
                _ = database
            case .postgres:
                let error = try #require(throws: LedgerError.self) { try ledger.backup(to: destination) }
                guard case .unsupported(_, let reason) = error else {
                    Issue.record("\(error)")
                    return
                }
                #expect(reason.contains("pg_dump"))
                #expect(!FileManager.default.fileExists(atPath: destination))
            }
        }
    }

    @Test func backupRefusesAnExistingFileAndTheLedgerItself() throws {
        try withTemporaryLedger { ledger, path in
            let destination = path + ".backup"
            _ = try ledger.backup(to: destination)
            #expect(throws: LedgerError.fileExists(path: destination)) { try ledger.backup(to: destination) }
            _ = try ledger.start(job: "etl")
            #expect(try ledger.backup(to: destination, verify: true, overwrite: true).verification?.runs == 1)
            #expect(throws: LedgerError.self) { try ledger.backup(to: path, overwrite: true) }
            // One self-contained file: rollback journal, nothing beside it.
            #expect(try SQLiteShell.query("PRAGMA journal_mode;", on: destination) == ["delete"])
        }
    }
}
