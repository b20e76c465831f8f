import Foundation
import RunLedgerPostgres
import TestSupport
import Testing

/// The readers' views on both engines, over the same rows: `state_history`, `run_timeline`
/// and `run_summary` give the same values, times in microseconds and as ISO-8601 text.
struct ViewParityTests {
    /// Each view's columns, as one text line per row, in SQL both engines take (seconds as
    /// whole microseconds: the engines print doubles differently).
    static let views = [
        """
        SELECT seq || '|' || run_id || '|' || coalesce(from_state, '') || '|' || to_state || '|' || at || '|'
               || coalesce(action, '') || '|' || coalesce(reason, '') || '|' || coalesce(outcome, '')
        FROM state_history ORDER BY seq
        """,
        """
        SELECT seq || '|' || run_id || '|' || job || '|' || lifecycle || '|' || coalesce(from_state, '') || '|' || to_state
               || '|' || canonical_type || '|' || is_terminal || '|' || at || '|' || at_iso || '|'
               || coalesce(left_at, -1) || '|' || coalesce(CAST(seconds_in_state * 1000000 AS INTEGER), -1)
        FROM run_timeline ORDER BY seq
        """,
        """
        SELECT run_id || '|' || job || '|' || state || '|' || coalesce(outcome, '') || '|' || canonical_type || '|'
               || is_terminal || '|' || attempt || '|' || started_at || '|' || started_at_iso || '|'
               || coalesce(ended_at, -1) || '|' || coalesce(ended_at_iso, '') || '|'
               || coalesce(CAST(duration_seconds * 1000000 AS INTEGER), -1) || '|' || updated_at
        FROM run_summary ORDER BY run_id
        """,
    ]

    @Test func theViewsReadTheSameOnBothEngines() throws {
        // A run that ended (with an outcome refining its type), one still in its first state,
        // written through the rules, the same SQL on both engines.
        let rows = """
            INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('d1', 'etl', 'databricks', 1700000000000000);
            INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('d1', 'PENDING', 'RUNNING', 1700000001500000);
            INSERT INTO state_history (run_id, from_state, to_state, at, outcome, reason)
            VALUES ('d1', 'RUNNING', 'TERMINATED', 1700000004250001, 'FAILED', 'exit 1');
            INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('p1', 'flow', 'prefect', 1700000005000000)
            """
        let sqlite = try withSQLiteLedger { path in
            let written = try sqlite3(rows, on: path)
            try #require(written.status == 0, "\(written.stderr)")
            return try Self.views.map { sql in
                try sqlite3(sql, on: path).stdout.split(separator: "\n").map(String.init)
            }
        }
        let postgres = try withPostgresLedger { connection, _ in
            try connection.execute(rows)
            return try Self.views.map { try connection.query($0).rows.map { $0[0] ?? "" } }
        }
        #expect(sqlite[1].contains { $0.contains("2023-11-14T22:13:24.250001Z") && $0.contains("|FAILED|") })
        #expect(sqlite[2].count == 2)
        for (have, want) in zip(postgres, sqlite) { #expect(have == want) }
    }
}
