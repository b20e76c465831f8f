import Foundation
import RunLedgerPostgres
import TestSupport
import Testing

/// A legal ledger's life, the same SQL on both engines (`sqlite3` on a SQLite ledger, `psql`'s
/// libpq on a PostgreSQL one): a job at its limit skips a run, a run is retried within its
/// retries and a retry run names its parent, two upstreams complete and release the run
/// waiting for both, which then crashes and cancels the runs downstream of it transitively
/// (one, whose lifecycle has no such edge, is annotated), an action reopens an ended run,
/// and a prune deletes a run. The rows the rules make (history, runs, both stats tables,
/// annotations, prunes, dependencies, the pruned tallies) are the same, row by row.
struct ScenarioParityTests {
    static let scenario = """
        INSERT INTO runs (id, job, lifecycle, created_at, max_retries) VALUES ('a1', 'etl', 'databricks', 1000000000, 1);
        INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('a2', 'etl', 'databricks', 1001000000);
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('a1', 'PENDING', 'RUNNING', 1002000000);
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('a1', 'RUNNING', 'WAITING_FOR_RETRY', 1003500000);
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('a1', 'WAITING_FOR_RETRY', 'PENDING', 1004000000);
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('a1', 'PENDING', 'RUNNING', 1004000500);
        INSERT INTO state_history (run_id, from_state, to_state, at, outcome) VALUES ('a1', 'RUNNING', 'TERMINATED', 1010000000, 'SUCCESS');
        INSERT INTO runs (id, job, lifecycle, created_at, parent_id, attempt) VALUES ('a3', 'etl', 'databricks', 1011000000, 'a1', 2);
        INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('u1', 'u1', 'databricks', 2000000000);
        INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('u2', 'u2', 'databricks', 2000000001);
        INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('d1', 'd1', 'databricks', 'BLOCKED', 2000000002);
        INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('e1', 'e1', 'databricks', 'BLOCKED', 2000000003);
        INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('f1', 'f1', 'databricks', 'BLOCKED', 2000000004);
        INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('g1', 'g1', 'opencue', 'blocked', 2000000005);
        INSERT INTO run_dependencies (run_id, upstream_id) VALUES ('d1', 'u1'), ('d1', 'u2'), ('e1', 'd1'), ('f1', 'e1'), ('g1', 'e1');
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('u1', 'PENDING', 'RUNNING', 2001000000);
        INSERT INTO state_history (run_id, from_state, to_state, at, outcome) VALUES ('u1', 'RUNNING', 'TERMINATED', 2002000000, 'SUCCESS');
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('u2', 'PENDING', 'RUNNING', 2003000000);
        INSERT INTO state_history (run_id, from_state, to_state, at, outcome) VALUES ('u2', 'RUNNING', 'TERMINATED', 2004000000, 'SUCCESS');
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('d1', 'PENDING', 'RUNNING', 2005000000);
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('d1', 'RUNNING', 'INTERNAL_ERROR', 2006000000);
        INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('o1', 'cue', 'opencue', 3000000000);
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('o1', 'pending', 'running', 3000000100);
        INSERT INTO state_history (run_id, from_state, to_state, at, action) VALUES ('o1', 'running', 'killed', 3000100000, 'kill');
        INSERT INTO state_history (run_id, from_state, to_state, at, action) VALUES ('o1', 'killed', 'pending', 3001000000, 'retry');
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('o1', 'pending', 'running', 3002000000);
        INSERT INTO state_history (run_id, from_state, to_state, at, request_key) VALUES ('o1', 'running', 'complete', 3012345678, 'k1');
        INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('p1', 'etl2', 'prefect', 4000000000);
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('p1', 'Scheduled', 'Pending', 4000000001);
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('p1', 'Pending', 'Running', 4000000002);
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('p1', 'Running', 'Completed', 4123456789);
        INSERT INTO run_annotations (run_id, at, kind, reason) VALUES ('p1', 4200000000, 'note', 'kept');
        INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('p2', 'etl2', 'prefect', 4100000000);
        INSERT INTO prunes (before_at, at, runs, changes) VALUES (4200000000, 4300000000, 1, 4);
        DELETE FROM runs WHERE id = 'p1'
        """

    /// Every table the rules write, one text line per row, the same SQL on both engines.
    static let dump = [
        "SELECT 'h|' || seq || '|' || run_num || '|' || coalesce(from_state, '') || '|' || to_state || '|' || at || '|' || coalesce(action, '') || '|' || coalesce(actor, '') || '|' || coalesce(reason, '') || '|' || coalesce(outcome, '') || '|' || coalesce(request_key, '') FROM state_changes ORDER BY seq",
        "SELECT 'r|' || num || '|' || id || '|' || job || '|' || lifecycle || '|' || state || '|' || created_at || '|' || updated_at || '|' || coalesce(ended_at, -1) || '|' || coalesce(outcome, '') || '|' || attempt || '|' || coalesce(parent_id, '') FROM runs ORDER BY num",
        "SELECT 's|' || job || '|' || lifecycle || '|' || state || '|' || bucket || '|' || stays || '|' || total_us || '|' || min_us || '|' || max_us FROM stats_state_durations ORDER BY job, lifecycle, state, bucket",
        "SELECT 'd|' || job || '|' || lifecycle || '|' || state || '|' || outcome || '|' || bucket || '|' || runs || '|' || total_us || '|' || min_us || '|' || max_us FROM stats_run_durations ORDER BY job, lifecycle, state, outcome, bucket",
        "SELECT 'a|' || id || '|' || run_id || '|' || at || '|' || kind || '|' || coalesce(actor, '') || '|' || coalesce(reason, '') FROM run_annotations ORDER BY id",
        "SELECT 'p|' || id || '|' || before_at || '|' || runs FROM prunes ORDER BY id",
        "SELECT 'x|' || run_id || '|' || upstream_id FROM run_dependencies ORDER BY run_id, upstream_id",
        "SELECT 't|' || job || '|' || lifecycle || '|' || state || '|' || entries FROM pruned_state_entries ORDER BY job, lifecycle, state",
        "SELECT 'q|' || job || '|' || lifecycle || '|' || state || '|' || outcome || '|' || bucket || '|' || runs || '|' || total_us || '|' || max_us FROM pruned_run_durations ORDER BY job, lifecycle, state, outcome, bucket",
    ]

    @Test func theSameHistoryMakesTheSameRowsOnBothEngines() throws {
        let sqlite = try withSQLiteLedger { path in
            let written = try sqlite3(Self.scenario, on: path)
            try #require(written.status == 0, "\(written.stderr)")
            return try Self.dump.flatMap { sql in
                try sqlite3(sql, on: path).stdout.split(separator: "\n").map(String.init)
            }
        }
        let postgres = try withPostgresLedger { connection, _ in
            try connection.execute(Self.scenario)
            return try Self.dump.flatMap { try connection.query($0).rows.map { $0[0] ?? "" } }
        }
        // 75 rows of the ledger, p2's run and first history row, and p1's pruned tallies: its
        // 4 history rows by state entered and its duration.
        #expect(sqlite.count == 82)
        for state in ["Scheduled", "Pending", "Running", "Completed"] {
            #expect(sqlite.contains("t|etl2|prefect|\(state)|1"))
        }
        #expect(
            sqlite.contains { $0.hasPrefix("q|etl2|prefect|Completed||") && $0.hasSuffix("|1|123456789|123456789") })
        #expect(
            sqlite.contains(
                "h|3|2|PENDING|SKIPPED|1001000000||runledger|job etl is at its limit of 1 active run; run a1 is active|MAXIMUM_CONCURRENT_RUNS_REACHED|"
            ))
        #expect(
            sqlite.contains(
                "h|20|6|BLOCKED|PENDING|2004000000||runledger|upstream u2 completed; every upstream has completed||"))
        #expect(
            sqlite.contains(
                "h|24|8|BLOCKED|SKIPPED|2006000000||runledger|upstream d1 ended in INTERNAL_ERROR|UPSTREAM_FAILED|"))
        #expect(!sqlite.contains { $0.hasPrefix("d|cue|opencue|killed|") })
        #expect(!sqlite.contains { $0.hasPrefix("r|") && $0.contains("|p1|") })
        #expect(postgres.count == sqlite.count)
        for (have, want) in zip(postgres, sqlite) { #expect(have == want) }
    }
}
