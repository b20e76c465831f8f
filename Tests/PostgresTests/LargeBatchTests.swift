import Foundation
import RunLedger
import RunLedgerPostgres
import TestSupport
import Testing

/// A batch of many writes on PostgreSQL holds its locks until it commits: they must fit in
/// the server's lock table (max_locks_per_transaction, 64 per connection by default).
struct LargeBatchTests {
    @Test func tenThousandNewRunsWithRequestKeysCommitInOneBatch() throws {
        try withPostgresSchema { database in
            let ledger = try database.open(.init())
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
            #expect(try ledger.query("SHOW max_locks_per_transaction").rows == [[.text("64")]])
        }
    }
}
