import Foundation
import Testing

@testable import RunLedger

/// Bad files through the library: each open or call fails with a typed error, and the file
/// is left as it was. (The CLI's catalogue, with exit codes, is in CLITests/BadInputTests.)
///
/// SQLite only: bad files (a PostgreSQL ledger has no file; its bad schemas are
/// PostgresTests').
struct BadFileTests {
    func withLedgerBytes(_ body: (URL, Data) throws -> Void) throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("source.db").path
            do {
                let ledger = try Ledger(path: path)
                try ledger.start(job: "etl", id: "r1", state: "RUNNING")
            }
            _ = try SQLiteShell.query("PRAGMA wal_checkpoint(TRUNCATE);", on: path)
            try body(directory, try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }

    @Test func anEmptyFileIsNoLedgerYetForReadingAndBecomesOneOnCreate() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("empty.db").path
            _ = FileManager.default.createFile(atPath: path, contents: Data())
            #expect(throws: LedgerError.noSuchLedger(path: path)) {
                try Ledger(path: path, configuration: .init(mode: .readOnly))
            }
            #expect(FileManager.default.contents(atPath: path)?.isEmpty == true)
            let created = try Ledger(path: path)
            #expect(try created.lifecycles().count == 6)
        }
    }

    @Test func aTruncatedLedgerFailsAsCorruptAndStaysUnchanged() throws {
        try withLedgerBytes { directory, bytes in
            let path = directory.appendingPathComponent("truncated.db").path
            let cut = bytes.prefix(bytes.count / 3)
            try cut.write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: SQLiteError.self) {
                let ledger = try Ledger(path: path, configuration: .init(mode: .readOnly))
                _ = try ledger.history(of: "r1")
            }
            #expect(error.code == .corrupt || error.code == .notADatabase, "\(error)")
            #expect(FileManager.default.contents(atPath: path) == cut)
        }
    }

    @Test func aCorruptedLedgerIsCaughtByVerifyOrFailsAsCorrupt() throws {
        try withLedgerBytes { directory, bytes in
            let path = directory.appendingPathComponent("corrupt.db").path
            var garbled = bytes
            for index in stride(from: 4096, to: garbled.count, by: 3) { garbled[index] = 0xA5 }
            try garbled.write(to: URL(fileURLWithPath: path))
            do {
                let report = try Ledger(path: path, configuration: .init(mode: .readOnly)).verify()
                #expect(!report.isClean)
            } catch let error as SQLiteError {
                #expect(error.code == .corrupt || error.code == .notADatabase, "\(error)")
            }
            #expect(FileManager.default.contents(atPath: path) == garbled)
        }
    }

    @Test func textThatIsNotADatabaseFailsAndStaysUnchanged() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("notes.txt").path
            let text = Data(String(repeating: "not a database\n", count: 500).utf8)
            try text.write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: SQLiteError.self) { try Ledger(path: path) }
            #expect(error.code == .notADatabase)
            #expect(FileManager.default.contents(atPath: path) == text)
        }
    }

    @Test func aReadOnlyLedgerRefusesWritesWithSQLitesReadOnlyCode() throws {
        try withLedgerBytes { directory, _ in
            let path = directory.appendingPathComponent("source.db").path
            let reader = try Ledger(path: path, configuration: .init(mode: .readOnly))
            let error = try #require(throws: SQLiteError.self) { try reader.transition("r1", to: "COMPLETED") }
            #expect(error.code == .readOnly)
            #expect(try reader.run(id: "r1")?.state == "RUNNING")
        }
    }
}
