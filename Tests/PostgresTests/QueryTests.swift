import Foundation
import RunLedger
import RunLedgerPostgres
import TestSupport
import Testing

/// `Ledger.query` (`runledger sql`) on PostgreSQL: one statement that reads, in a READ ONLY
/// transaction; everything else refused before or by the server, the ledger unchanged.
struct QueryTests {
    func withLedger(_ body: (Ledger) throws -> Void) throws {
        try withPostgresSchema { database in
            let ledger = try database.open(.init())
            try ledger.start(job: "etl", lifecycle: "prefect", id: "r1", at: Timestamp(rawValue: 1_000_000))
            try body(ledger)
        }
    }

    @Test func aReadingQueryReturnsTypedValues() throws {
        try withLedger { (ledger: Ledger) throws -> Void in
            let result = try ledger.query(
                "-- the run\nSELECT id, attempt, created_at, ended_at, 0.5::float8 AS half, attempt = 1 AS first FROM runs"
            )
            #expect(result.columns == ["id", "attempt", "created_at", "ended_at", "half", "first"])
            #expect(result.rows == [[.text("r1"), .integer(1), .integer(1_000_000), .null, .real(0.5), .integer(1)]])
            #expect(try ledger.query("SHOW transaction_read_only").rows == [[.text("on")]])
        }
    }

    @Test(arguments: [
        "DELETE FROM runs", "UPDATE runs SET job = 'x'", "INSERT INTO jobs (job) VALUES ('x')",
        "SET search_path TO public", "TRUNCATE state_changes", "DO $$ BEGIN DELETE FROM runs; END $$",
        "COPY runs FROM STDIN", "BEGIN", "LISTEN x", "/* hidden */ DROP TABLE runs",
    ])
    func aStatementThatIsNotAQueryIsRefusedBeforeItRuns(_ sql: String) throws {
        try withLedger { (ledger: Ledger) throws -> Void in
            let error = #expect(throws: LedgerError.self) { try ledger.query(sql) }
            guard case .queryRefused(let reason)? = error else {
                Issue.record("not refused as a write: \(String(describing: error))")
                return
            }
            #expect(reason.hasPrefix("it would change the ledger"), "\(reason)")
            #expect(try ledger.query("SELECT count(*) FROM runs").rows == [[.integer(1)]])
        }
    }

    @Test(arguments: [
        "WITH gone AS (DELETE FROM runs RETURNING id) SELECT id FROM gone",
        "SELECT nextval('state_changes_seq_seq')",
    ])
    func aQueryThatWouldWriteIsRefusedByTheReadOnlyTransaction(_ sql: String) throws {
        try withLedger { (ledger: Ledger) throws -> Void in
            let error = #expect(throws: LedgerError.self) { try ledger.query(sql) }
            guard case .queryRefused(let reason)? = error else {
                Issue.record("not refused as a write: \(String(describing: error))")
                return
            }
            #expect(reason.hasPrefix("it would change the ledger"), "\(reason)")
            #expect(try ledger.query("SELECT count(*) FROM runs").rows == [[.integer(1)]])
        }
    }

    @Test func severalStatementsEmptyAndBadSQLAreRefused() throws {
        try withLedger { (ledger: Ledger) throws -> Void in
            #expect(throws: LedgerError.queryRefused(reason: "it holds more than one statement")) {
                try ledger.query("SELECT 1; SELECT 2")
            }
            #expect(throws: LedgerError.queryRefused(reason: "it holds no statement")) { try ledger.query("  -- none") }
            let misspelt = #expect(throws: LedgerError.self) { try ledger.query("SELEC 1") }
            guard case .invalidQuery? = misspelt else {
                Issue.record("not an invalid query: \(String(describing: misspelt))")
                return
            }
            let unknown = #expect(throws: LedgerError.self) { try ledger.query("SELECT nothing FROM runs") }
            guard case .invalidQuery(let message)? = unknown else {
                Issue.record("not an invalid query: \(String(describing: unknown))")
                return
            }
            #expect(message.contains("nothing"), "\(message)")
        }
    }
}
