import Foundation
import RunLedgerPostgres
import TestSupport
import Testing

/// The PostgreSQL rules under concurrent writers (SQLite has one writer, so these cannot
/// fail there): sessions of their own (libpq connections, one per thread) race on one
/// ledger under READ COMMITTED.
struct ConcurrencyTests {
    static let sessions = 8

    /// What each racing session ended with: nil when it committed, else its error.
    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Int: PostgresError?] = [:]
        func record(_ index: Int, _ error: PostgresError?) { lock.withLock { results[index] = .some(error) } }
        var all: [PostgresError?] { lock.withLock { results.sorted { $0.key < $1.key }.map { $0.value } } }
    }

    /// Runs `body` on `count` sessions at once, each a connection of its own in the ledger's
    /// schema, started together; returns each session's error, or nil.
    static func race(
        _ count: Int, in schema: String, _ body: @escaping @Sendable (PGConnection, Int) throws -> Void
    ) throws -> [PostgresError?] {
        let uri = try PGConnectionTests.serverURI()
        let outcomes = Outcomes()
        let ready = DispatchGroup()
        let done = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for index in 0..<count {
            ready.enter()
            done.enter()
            Thread {
                defer { done.leave() }
                do {
                    let connection = try PGConnection(uri)
                    try connection.execute("SET search_path TO \(schema)")
                    ready.leave()
                    start.wait()
                    do {
                        try body(connection, index)
                        outcomes.record(index, nil)
                    } catch {
                        try? connection.execute("ROLLBACK")
                        outcomes.record(
                            index, error as? PostgresError ?? PostgresError(sqlState: nil, message: "\(error)"))
                    }
                } catch {
                    ready.leave()
                    outcomes.record(index, PostgresError(sqlState: nil, message: "\(error)"))
                }
            }.start()
        }
        ready.wait()
        for _ in 0..<count { start.signal() }
        done.wait()
        return outcomes.all
    }

    @Test func ofSessionsMovingOneRunFromTheSameStateExactlyOneWins() throws {
        try withPostgresLedger { connection, schema in
            try connection.execute(
                "INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('r', 'etl', 'canonical', 1000)")
            let outcomes = try Self.race(Self.sessions, in: schema) { session, index in
                try session.execute("BEGIN")
                try session.execute(
                    "INSERT INTO state_history (run_id, from_state, to_state, at, reason) VALUES ('r', 'SCHEDULED', 'RUNNING', 2000, 'session \(index)')"
                )
                // Hold the run's lock a while, so that the others wait for it.
                try session.execute("SELECT pg_sleep(0.2)")
                try session.execute("COMMIT")
            }
            let winners = outcomes.filter { $0 == nil }
            #expect(winners.count == 1)
            for case let error? in outcomes {
                #expect(error.sqlState == "RL000")
                #expect(error.message.hasPrefix("runledger:wrong_from_state:"), "\(error.message)")
            }
            #expect(
                try connection.query("SELECT count(*) FROM state_changes WHERE to_state = 'RUNNING'").scalar == "1")
            #expect(try connection.query("SELECT state FROM runs WHERE id = 'r'").scalar == "RUNNING")
        }
    }

    @Test func ofSessionsStartingRunsOfAJobAtItsLimitExactlyOneStaysActive() throws {
        try withPostgresLedger { connection, schema in
            // databricks: at most one active run per job, by default; the others are skipped.
            let outcomes = try Self.race(Self.sessions, in: schema) { session, index in
                try session.execute("BEGIN")
                try session.execute(
                    "INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('d\(index)', 'etl', 'databricks', 1000)")
                try session.execute("SELECT pg_sleep(0.1)")
                try session.execute("COMMIT")
            }
            #expect(outcomes.allSatisfy { $0 == nil }, "\(outcomes)")
            #expect(try connection.query("SELECT count(*) FROM runs WHERE ended_at IS NULL").scalar == "1")
            #expect(
                try connection.query(
                    "SELECT count(*) FROM runs WHERE state = 'SKIPPED' AND outcome = 'MAXIMUM_CONCURRENT_RUNS_REACHED'"
                ).scalar == "\(Self.sessions - 1)")

            // A lifecycle without a skip state: the others are refused.
            try connection.execute("INSERT INTO jobs (job, max_active) VALUES ('solo', 1)")
            let refused = try Self.race(Self.sessions, in: schema) { session, index in
                try session.execute("BEGIN")
                try session.execute(
                    "INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('s\(index)', 'solo', 'domino', 1000)")
                try session.execute("SELECT pg_sleep(0.1)")
                try session.execute("COMMIT")
            }
            #expect(refused.filter { $0 == nil }.count == 1)
            for case let error? in refused {
                #expect(error.message.hasPrefix("runledger:concurrency_limit:"), "\(error.message)")
            }
            #expect(
                try connection.query("SELECT count(*) FROM runs WHERE job = 'solo' AND ended_at IS NULL").scalar == "1")
        }
    }

    @Test func aRunOfALimitedJobIsRefusedUnderRepeatableRead() throws {
        try withPostgresLedger { connection, _ in
            try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            let error = try #require(throws: PostgresError.self) {
                try connection.execute(
                    "INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('d', 'etl', 'databricks', 1000)")
            }
            try connection.execute("ROLLBACK")
            #expect(error.sqlState == "0A000")
            #expect(error.message.contains("REPEATABLE READ"), "\(error.message)")
            // Unlimited jobs start at any level.
            try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            try connection.execute(
                "INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('c', 'etl', 'canonical', 1000)")
            try connection.execute("COMMIT")
        }
    }

    @Test func twoUpstreamsCompletingAtOnceReleaseTheirDependantOnce() throws {
        try withPostgresLedger { connection, schema in
            try connection.execute(
                """
                INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('u0', 'u0', 'databricks', 1000), ('u1', 'u1', 'databricks', 1000);
                INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('d', 'd', 'databricks', 'BLOCKED', 1000);
                INSERT INTO run_dependencies (run_id, upstream_id) VALUES ('d', 'u0'), ('d', 'u1');
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('u0', 'PENDING', 'RUNNING', 2000), ('u1', 'PENDING', 'RUNNING', 2000);
                """)
            let outcomes = try Self.race(2, in: schema) { session, index in
                try session.execute("BEGIN")
                try session.execute(
                    "INSERT INTO state_history (run_id, from_state, to_state, at, outcome) VALUES ('u\(index)', 'RUNNING', 'TERMINATED', 3000, 'SUCCESS')"
                )
                try session.execute("SELECT pg_sleep(0.1)")
                try session.execute("COMMIT")
            }
            #expect(outcomes.allSatisfy { $0 == nil }, "\(outcomes)")
            #expect(try connection.query("SELECT state FROM runs WHERE id = 'd'").scalar == "PENDING")
            #expect(
                try connection.query(
                    "SELECT count(*) FROM state_history WHERE run_id = 'd' AND from_state = 'BLOCKED'"
                ).scalar == "1")
        }
    }

    @Test func theHighWaterStaysBelowAnUncommittedRow() throws {
        try withPostgresLedger { connection, schema in
            try connection.execute(
                "INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('a', 'a', 'canonical', 1000), ('b', 'b', 'canonical', 1000)"
            )
            #expect(try connection.query("SELECT history_high_water()").scalar == "2")
            let uri = try PGConnectionTests.serverURI()
            let open = try PGConnection(uri)
            try open.execute("SET search_path TO \(schema)")
            try open.execute("BEGIN")
            let small = try open.query(
                "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('a', 'SCHEDULED', 'RUNNING', 2000) RETURNING seq"
            ).scalar
            #expect(small == "3")
            let large = try connection.query(
                "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('b', 'SCHEDULED', 'RUNNING', 2000) RETURNING seq"
            ).scalar
            #expect(large == "4")
            // Row 4 has committed, row 3 may still: the high water cannot pass 3 yet, so a
            // reader never takes 4 and then misses 3. It waits (here: until its lock timeout).
            try connection.execute("SET lock_timeout = '300ms'")
            let waiting = try #require(throws: PostgresError.self) {
                try connection.query("SELECT history_high_water()")
            }
            #expect(waiting.sqlState == "55P03", "\(waiting)")
            try connection.execute("RESET lock_timeout")
            try open.execute("COMMIT")
            #expect(try connection.query("SELECT history_high_water()").scalar == "4")

            // A transaction that rolls back leaves a gap, below the high water once it ends.
            try open.execute("BEGIN")
            try open.query(
                "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('a', 'RUNNING', 'COMPLETED', 3000)"
            )
            try open.execute("ROLLBACK")
            #expect(try connection.query("SELECT history_high_water()").scalar == "4")
            #expect(
                try connection.query(
                    "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('a', 'RUNNING', 'COMPLETED', 3000) RETURNING seq"
                ).scalar == "6")

            // A REPEATABLE READ snapshot could miss rows committed while it waited.
            try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            #expect(throws: PostgresError.self) { try connection.query("SELECT history_high_water()") }
            try connection.execute("ROLLBACK")
        }
    }
}
