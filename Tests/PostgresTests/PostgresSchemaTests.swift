import Foundation
import RunLedger
import RunLedgerPostgres
import TestSupport
import Testing

/// The PostgreSQL schema against the SQLite one: the same tables, columns in the same order,
/// the same NOT NULLs, types that mean the same, the same indexes and fixed data. A reader's
/// SQL reads the same on both engines.
struct PostgresSchemaTests {
    /// The rows of `sql` on the SQLite ledger at `path`: one line per row, columns joined by `|`.
    func rows(_ sql: String, on path: String) throws -> [String] {
        let result = try sqlite3(sql, on: path)
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    static let bookkeeping: Set<String> = ["schema_migrations", "schema_rules"]

    @Test func theTablesColumnsAndIndexesAreTheSQLiteLedgers() throws {
        let (sqliteColumns, indexes) = try withSQLiteLedger { path in
            let tables = try rows("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", on: path)
                .filter { !Self.bookkeeping.contains($0) }
            var columns: [String] = []
            for table in tables {
                for line in try rows(
                    "SELECT name, type, \"notnull\" OR pk FROM pragma_table_info('\(table)') ORDER BY cid", on: path)
                {
                    let parts = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                    let type = parts[1] == "INTEGER" ? "integer" : parts[1].lowercased()
                    columns.append("\(table).\(parts[0]) \(type) \(parts[2] == "1" ? "NOT NULL" : "NULL")")
                }
            }
            let indexes = try rows(
                "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name", on: path)
            return (columns, indexes)
        }
        try withPostgresLedger { connection, schema in
            let columns = try connection.query(
                """
                SELECT table_name || '.' || column_name || ' '
                       || CASE WHEN data_type IN ('bigint', 'integer', 'smallint') THEN 'integer'
                               WHEN data_type = 'double precision' THEN 'real' ELSE data_type END
                       || ' ' || CASE is_nullable WHEN 'NO' THEN 'NOT NULL' ELSE 'NULL' END
                FROM information_schema.columns
                WHERE table_schema = $1 AND table_name IN (
                    SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE')
                  AND table_name NOT IN ('schema_migrations', 'schema_rules')
                  -- SQLite's implicit rowid, which PostgreSQL's lifecycle_transitions and
                  -- lifecycle_outcomes spell out
                  AND column_name <> 'rowid'
                ORDER BY table_name, ordinal_position
                """, [schema]
            ).rows.map { $0[0] ?? "" }
            #expect(columns == sqliteColumns)
            let pgIndexes = try connection.query(
                """
                SELECT indexname FROM pg_indexes WHERE schemaname = $1
                  AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = $1::regnamespace)
                ORDER BY indexname
                """, [schema]
            ).rows.map { $0[0] ?? "" }
            #expect(pgIndexes == indexes)
            #expect(columns.count > 90)
        }
    }

    @Test func theCanonicalTypesAreTheSame() throws {
        let want = try withSQLiteLedger { path in
            try rows("SELECT name, position, is_terminal, description FROM canonical_types ORDER BY position", on: path)
        }
        try withPostgresLedger { connection, _ in
            let have = try connection.query(
                "SELECT name || '|' || position || '|' || is_terminal || '|' || description FROM canonical_types ORDER BY position"
            ).rows.map { $0[0] ?? "" }
            #expect(have == want)
            #expect(have.count == 8)
        }
    }

    @Test func jsonValidAndTheDefaultTimeBehaveAsInSQLite() throws {
        try withPostgresLedger { connection, _ in
            #expect(try connection.query("SELECT json_valid('{\"a\": 1}'), json_valid('{nope')").rows == [["t", "f"]])
            let refused = try #require(throws: PostgresError.self) {
                try connection.query(
                    "INSERT INTO runs (id, job, lifecycle, meta) VALUES ('r', 'j', 'canonical', $1)", ["{nope"])
            }
            #expect(refused.sqlState == "23514", "\(refused)")
            let now = try #require(Int64(try connection.query("SELECT now_us()").scalar ?? ""))
            let wall = Int64(Date().timeIntervalSince1970 * 1_000_000)
            #expect(abs(now - wall) < 60_000_000)
            #expect(now % 1000 == 0)
        }
    }
}
