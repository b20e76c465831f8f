import Foundation
import RunLedgerPostgres
import Testing

/// The libpq client against the throwaway server that Scripts/test.sh starts: parameters,
/// results, errors with their SQLSTATE and fields, prepared statements, transactions.
struct PGConnectionTests {
    /// The test server's connection URI; a test fails, never skips, without it.
    static func serverURI() throws -> String {
        try #require(
            ProcessInfo.processInfo.environment["RUNLEDGER_TEST_POSTGRES"],
            "RUNLEDGER_TEST_POSTGRES is not set: Scripts/test.sh starts a PostgreSQL server and sets it")
    }

    /// A connection whose search_path is a schema of its own, dropped afterwards.
    func withSchema(_ body: (PGConnection) throws -> Void) throws {
        let connection = try PGConnection(try Self.serverURI())
        let schema = "t_\(UInt32.random(in: 0...UInt32.max))"
        try connection.execute("CREATE SCHEMA \(schema); SET search_path TO \(schema)")
        defer { try? connection.execute("DROP SCHEMA \(schema) CASCADE") }
        try body(connection)
    }

    @Test func itConnectsToAPostgreSQL15Server() throws {
        let connection = try PGConnection(try Self.serverURI())
        #expect(connection.serverVersion >= 150_000)
        #expect(try connection.query("SELECT current_setting('listen_addresses')").scalar == "127.0.0.1")
    }

    @Test func parametersBindInOrderAndNullsRoundTrip() throws {
        try withSchema { connection in
            let result = try connection.query(
                "SELECT $1::bigint + 1 AS next, $2::text AS name, $3::text IS NULL AS missing",
                ["9007199254740993", "it's \"quoted\"; DROP TABLE x", nil])
            #expect(result.columns == ["next", "name", "missing"])
            #expect(result.rows == [["9007199254740994", "it's \"quoted\"; DROP TABLE x", "t"]])
            try connection.execute("CREATE TABLE t (a bigint, b text)")
            let inserted = try connection.query("INSERT INTO t VALUES ($1, $2), ($3, $4)", ["1", nil, "2", "x"])
            #expect(inserted.affectedRows == 2)
            #expect(try connection.query("SELECT a, b FROM t ORDER BY a").rows == [["1", nil], ["2", "x"]])
        }
    }

    @Test func anErrorCarriesItsSQLStateFieldsAndSQL() throws {
        try withSchema { connection in
            let syntax = try #require(throws: PostgresError.self) { try connection.execute("SELEC 1") }
            #expect(syntax.sqlState == "42601")
            #expect(syntax.sql == "SELEC 1")
            try connection.execute(
                """
                CREATE FUNCTION refuse() RETURNS void LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'runledger:illegal_transition: run r1 cannot go from A to B'
                        USING ERRCODE = 'RL001', DETAIL = 'legal next states: C, D', HINT = 'try C';
                END $$
                """)
            let refused = try #require(throws: PostgresError.self) { try connection.query("SELECT refuse()") }
            #expect(refused.sqlState == "RL001")
            #expect(refused.message == "runledger:illegal_transition: run r1 cannot go from A to B")
            #expect(refused.detail == "legal next states: C, D")
            #expect(refused.hint == "try C")
            #expect(!refused.isTransient)
            try connection.execute("CREATE TABLE u (k text PRIMARY KEY)")
            try connection.query("INSERT INTO u VALUES ($1)", ["a"])
            let duplicate = try #require(throws: PostgresError.self) {
                try connection.query("INSERT INTO u VALUES ($1)", ["a"])
            }
            #expect(duplicate.sqlState == "23505" && duplicate.constraint == "u_pkey")
            #expect(!duplicate.description.contains("\"a\"") || duplicate.detail != nil)
        }
    }

    @Test func aStatementIsPreparedOnceAndReused() throws {
        try withSchema { connection in
            for value in 1...3 {
                #expect(try connection.query("SELECT $1::int * 2", ["\(value)"]).scalar == "\(value * 2)")
            }
            let prepared = try connection.query(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT $1::int * 2'")
            #expect(prepared.scalar == "1")
        }
    }

    @Test func aFailedTransactionRollsBackAndTheConnectionGoesOn() throws {
        try withSchema { connection in
            try connection.execute("CREATE TABLE t (a int)")
            #expect(throws: PostgresError.self) {
                try connection.transaction {
                    try connection.query("INSERT INTO t VALUES ($1)", ["1"])
                    try connection.query("INSERT INTO t VALUES ($1)", ["not a number"])
                }
            }
            #expect(!connection.isInTransaction)
            #expect(try connection.query("SELECT count(*) FROM t").scalar == "0")
            try connection.transaction { try connection.query("INSERT INTO t VALUES ($1)", ["2"]) }
            #expect(try connection.query("SELECT a FROM t").rows == [["2"]])
        }
    }

    @Test func anUnreachableServerIsAnErrorWithoutSQLState() throws {
        let error = try #require(throws: PostgresError.self) {
            try PGConnection("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
        }
        #expect(error.sqlState == nil)
        #expect(error.message.contains("127.0.0.1") || error.message.contains("connect"), "\(error.message)")
    }
}
