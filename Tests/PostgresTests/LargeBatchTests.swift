import Foundation
import RunLedger
import RunLedgerPostgres
import TestSupport
import Testing

/// A batch of many writes on PostgreSQL holds its locks until it commits: they must fit in
/// the server's lock table (max_locks_per_transaction, 64 per connection by default).
struct LargeBatchTests {
    @Test func tenThousandNewRunsWithRequestKeysCommitInOneBatch() throws {
        let uri = try PGConnectionTests.serverURI()
        let schema = "batch_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PGConnection(uri)
        try admin.execute("CREATE SCHEMA \(schema)")
        defer { try? admin.execute("DROP SCHEMA \(schema) CASCADE") }
        let ledger = try Ledger(postgres: uri + "?options=-csearch_path%3D\(schema)")
        let count = 10_000
        try ledger.batch { batch in
            for index in 0..<count {
                try batch.start(job: "job-\(index % 50)", id: "run-\(index)")
                try batch.transition("run-\(index)", to: "PENDING", requestKey: "key-\(index)")
            }
        }
        #expect(try ledger.query("SELECT count(*) FROM runs").rows == [[.integer(Int64(count))]])
        #expect(try ledger.query("SELECT count(*) FROM state_changes").rows == [[.integer(Int64(2 * count))]])
        // The server's default, which the batch stayed within.
        #expect(try admin.query("SHOW max_locks_per_transaction").scalar == "64")
    }
}
