import Foundation
import RunLedgerPostgres
import TestSupport
import Testing

/// The append-only rules of the history and its companions, and a run's identity and
/// heartbeat, on both engines, over the same rows written through the rules: the same
/// attacks by a foreign client (`sqlite3`, `psql`), refused with the same tag, the rows left
/// as they were. On PostgreSQL also TRUNCATE, which skips row triggers.
struct HistoryRulesTests {
    /// Run r1 (prefect, two history rows, an annotation) and run r2 waiting for it, written
    /// through the rules, the same SQL on both engines.
    static let setup = """
        INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('r1', 'etl', 'prefect', 1700000000000000);
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'Scheduled', 'Pending', 1700000001000000);
        INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('r2', 'load', 'prefect', 1700000002000000);
        INSERT INTO run_dependencies (run_id, upstream_id) VALUES ('r2', 'r1');
        INSERT INTO run_annotations (run_id, at, kind, reason) VALUES ('r1', 1700000003000000, 'note', 'kept');
        INSERT INTO prunes (before_at, at) VALUES (1, 1700000004000000)
        """
    /// What the attacks must leave as it was.
    static let snapshot = [
        "SELECT id || '|' || job || '|' || lifecycle || '|' || state || '|' || updated_at || '|' || attempt || '|' || created_at || '|' || coalesce(heartbeat_at, -1) FROM runs ORDER BY id",
        "SELECT run_num || '|' || coalesce(from_state, '') || '|' || to_state || '|' || at FROM state_changes ORDER BY seq",
        "SELECT run_id || '|' || upstream_id FROM run_dependencies ORDER BY 1",
        "SELECT run_id || '|' || kind || '|' || reason FROM run_annotations ORDER BY id",
        "SELECT before_at || '|' || runs FROM prunes ORDER BY id",
    ]

    static let attacks: [(sql: String, tag: String)] = [
        ("UPDATE state_changes SET reason = 'rewritten'", "append_only"),
        ("UPDATE state_changes SET to_state = 'Running' WHERE from_state = 'Scheduled'", "append_only"),
        ("DELETE FROM state_changes", "append_only"),
        ("DELETE FROM state_changes WHERE from_state IS NULL", "append_only"),
        ("UPDATE run_annotations SET reason = 'rewritten'", "append_only"),
        ("DELETE FROM run_annotations", "append_only"),
        ("UPDATE run_dependencies SET upstream_id = 'r2'", "append_only"),
        ("DELETE FROM run_dependencies", "append_only"),
        ("UPDATE prunes SET runs = 5", "append_only"),
        ("DELETE FROM prunes", "append_only"),
        ("DELETE FROM runs WHERE id = 'r2'", "append_only"),
        ("DELETE FROM runs", "append_only"),
        ("UPDATE runs SET lifecycle = 'canonical' WHERE id = 'r1'", "immutable_run"),
        ("UPDATE runs SET id = 'r9' WHERE id = 'r1'", "immutable_run"),
        ("UPDATE runs SET job = 'other'", "immutable_run"),
        ("UPDATE runs SET created_at = 5 WHERE id = 'r2'", "immutable_run"),
        ("UPDATE runs SET attempt = 2 WHERE id = 'r1'", "immutable_run"),
        (
            "UPDATE runs SET heartbeat_at = 1700000005000000 WHERE id = 'r1'; UPDATE runs SET heartbeat_at = 1700000004000000 WHERE id = 'r1'",
            "time_backwards"
        ),
    ]

    @Test(arguments: attacks.indices)
    func anAttackOnTheHistoryIsRefusedWithTheSameTagOnBothEngines(_ index: Int) throws {
        let (sql, tag) = Self.attacks[index]
        try withSQLiteLedger { path in
            let setup = try sqlite3(Self.setup, on: path)
            try #require(setup.status == 0, "\(setup.stderr)")
            let before = try Self.snapshot.map { try sqlite3($0, on: path).stdout }
            let refused = try sqlite3(sql, on: path)
            #expect(refused.status != 0, "SQLite accepted: \(sql)")
            #expect(refused.stderr.contains("runledger:\(tag):"), "SQLite: \(refused.stderr)")
            #expect(try Self.snapshot.map { try sqlite3($0, on: path).stdout } == before)
        }
        try withPostgresLedger { connection, schema in
            try connection.execute(Self.setup)
            let before = try Self.snapshot.map { try connection.query($0).rows }
            let refused = try psql(sql, in: schema)
            #expect(refused.status != 0, "PostgreSQL accepted: \(sql)")
            #expect(refused.stderr.contains("RL000: runledger:\(tag):"), "PostgreSQL: \(refused.stderr)")
            #expect(try Self.snapshot.map { try connection.query($0).rows } == before)
        }
    }

    @Test func truncateCannotEmptyTheHistory() throws {
        try withPostgresLedger { connection, _ in
            try connection.execute(Self.setup)
            for table in ["state_changes", "run_dependencies", "run_annotations", "prunes", "runs"] {
                let error = try #require(throws: PostgresError.self) {
                    try connection.execute("TRUNCATE \(table) CASCADE")
                }
                #expect(error.sqlState == "RL000")
                #expect(error.message.hasPrefix("runledger:append_only:"), "\(error.message)")
            }
            #expect(try connection.query("SELECT count(*) FROM state_changes").scalar == "3")
        }
    }

    @Test func aPrunedRunLeavesWithItsHistoryAnnotationsAndDependencies() throws {
        try withPostgresLedger { connection, _ in
            try connection.execute(
                """
                INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('old', 'etl', 'prefect', 1000);
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('old', 'Scheduled', 'Running', 2000);
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('old', 'Running', 'Completed', 3000);
                INSERT INTO run_annotations (run_id, at, kind) VALUES ('old', 3000, 'note');
                INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('new', 'etl', 'prefect', 4000);
                INSERT INTO prunes (before_at, at) VALUES (5000, 6000);
                DELETE FROM runs WHERE id = 'old';
                """)
            // What stays is the job's newest run (which no prune removes), in its first state.
            for (table, count) in [
                ("state_changes", "1"), ("run_annotations", "0"), ("runs", "1"), ("stats_run_durations", "0"),
                ("stats_state_durations", "0"),
            ] {
                #expect(try connection.query("SELECT count(*) FROM \(table)").scalar == count, "\(table)")
            }
        }
    }
}
