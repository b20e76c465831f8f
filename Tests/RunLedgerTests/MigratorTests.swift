import Foundation
import Testing

@testable import RunLedger

/// SQLite only: the migrations of SQLite files (PostgreSQL's are PostgresSchemaTests').
struct MigratorTests {
    @Test func aFreshFileGetsEveryMigrationRecordedWithItsChecksum() throws {
        try withTemporaryLedger { _, path in
            let rows = try SQLiteShell.query(
                "SELECT version, name, checksum FROM schema_migrations ORDER BY version;", on: path)
            #expect(rows.count == Migration.all.count)
            for (row, migration) in zip(rows, Migration.all) {
                #expect(row == "\(migration.version)|\(migration.name)|\(migration.checksum)")
            }
            #expect(try SQLiteShell.query("PRAGMA user_version;", on: path) == ["\(Migration.all.count)"])
            #expect(try SQLiteShell.query("PRAGMA application_id;", on: path) == ["\(Migrator.applicationID)"])
            #expect(try SQLiteShell.query("PRAGMA journal_mode;", on: path) == ["wal"])
        }
    }

    @Test func migrationsAreNumberedWithoutGapsAndTheLedgerMigrationComesFirst() {
        #expect(Migration.all.map(\.version) == Array(1...Migration.all.count))
        #expect(Migration.all.first?.name == "ledger")
    }

    @Test func reopeningIsANoOp() throws {
        try withTemporaryLedger { _, path in
            let before = try SQLiteShell.query("SELECT version, checksum, applied_at FROM schema_migrations;", on: path)
            let schemaBefore = try SQLiteShell.query("SELECT sql FROM sqlite_schema ORDER BY name;", on: path)
            _ = try Ledger(path: path)
            _ = try Ledger(path: path, configuration: .init(mode: .readOnly))
            #expect(
                try SQLiteShell.query("SELECT version, checksum, applied_at FROM schema_migrations;", on: path)
                    == before)
            #expect(try SQLiteShell.query("SELECT sql FROM sqlite_schema ORDER BY name;", on: path) == schemaBefore)
        }
    }

    @Test func anOlderLedgerIsMigratedStepByStep() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("old.db").path
            do {
                let connection = try Connection(path: path, mode: .readWrite(create: true))
                try Migrator(migrations: Array(Migration.all.prefix(2))).migrate(connection)
            }
            #expect(try SQLiteShell.query("SELECT count(*) FROM lifecycles;", on: path) == ["1"])
            let error = try #require(throws: LedgerError.self) {
                try Ledger(path: path, configuration: .init(mode: .readOnly))
            }
            #expect(error == .schemaTooOld(path: path, version: 2, required: Migration.all.count))
            let ledger = try Ledger(path: path)
            #expect(try ledger.lifecycles().count == 6)
            #expect(
                try SQLiteShell.query("SELECT count(*) FROM schema_migrations;", on: path) == ["\(Migration.all.count)"]
            )
        }
    }

    @Test func aLedgerOfVersion7GetsStatsTablesThatHoldItsHistory() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("v7.db").path
            do {
                let connection = try Connection(path: path, mode: .readWrite(create: true))
                try Migrator(migrations: Array(Migration.all.prefix(7))).migrate(connection)
            }
            // Runs written by version 7's triggers, which keep no stats.
            _ = try SQLiteShell.query(
                """
                INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES
                    ('a', 'etl', 'canonical', 'PENDING', 1000000), ('b', 'etl', 'canonical', 'PENDING', 2000000);
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES
                    ('a', 'PENDING', 'RUNNING', 4000000), ('a', 'RUNNING', 'COMPLETED', 9000000),
                    ('b', 'PENDING', 'RUNNING', 2500000);
                """, on: path)
            let ledger = try Ledger(path: path)
            #expect(try ledger.verify().isClean)
            let stats = try #require(try ledger.stats().first)
            #expect(stats.runs == 2 && stats.active == 1)
            #expect(stats.duration?.max == 8)
            #expect(stats.states.first { $0.state == "PENDING" }?.time?.count == 2)
            #expect(stats.states.first { $0.state == "PENDING" }?.time?.mean == 1.75)
            #expect(stats.states.first { $0.state == "RUNNING" }?.time?.mean == 5)
        }
    }

    @Test func aLedgerFromANewerSchemaIsRefused() throws {
        try withTemporaryLedger { _, path in
            _ = try SQLiteShell.query(
                "INSERT INTO schema_migrations VALUES (99, 'future', 'x', 0); PRAGMA user_version = 99;", on: path)
            let error = try #require(throws: LedgerError.self) { try Ledger(path: path) }
            #expect(error == .schemaTooNew(path: path, version: 99, supported: Migration.all.count))
            #expect(error.description.contains("newer"))
        }
    }

    @Test func anAppliedMigrationWhoseChecksumDiffersIsRefused() throws {
        try withTemporaryLedger { _, path in
            _ = try SQLiteShell.query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 3;", on: path)
            let error = try #require(throws: LedgerError.self) { try Ledger(path: path) }
            #expect(error == .migrationChanged(path: path, version: 3, name: Migration.all[2].name))
            let readOnly = try #require(throws: LedgerError.self) {
                try Ledger(path: path, configuration: .init(mode: .readOnly))
            }
            #expect(readOnly == error)
        }
    }

    @Test func anSQLiteFileOfAnotherToolIsRefusedAndLeftUnchanged() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("other.db").path
            _ = try SQLiteShell.query("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');", on: path)
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let error = try #require(throws: LedgerError.self) { try Ledger(path: path) }
            #expect(error == .notALedger(path: path))
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        }
    }

    @Test func aMissingFileIsCreatedOnlyInCreateMode() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("missing.db").path
            for mode in [Ledger.Configuration.Mode.readOnly, .readWrite] {
                let error = try #require(throws: LedgerError.self) {
                    try Ledger(path: path, configuration: .init(mode: mode))
                }
                #expect(error == .noSuchLedger(path: path))
                #expect(!FileManager.default.fileExists(atPath: path))
            }
            _ = try Ledger(path: path)
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func aDirectoryIsNotALedgerPath() throws {
        try withTemporaryDirectory { directory in
            let error = try #require(throws: LedgerError.self) { try Ledger(path: directory.path) }
            #expect(error == .cannotOpen(path: directory.path, reason: "it is a directory"))
        }
    }
}
