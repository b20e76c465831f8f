import Foundation
import RunLedgerPostgres
import TestSupport
import Testing

/// The rules of new rows (history rows, runs, dependencies, annotations, prune records) and
/// of a run's derived state columns, on both engines: from the same ledger, written through
/// the rules, the same attack or mistake by a foreign client (`sqlite3`, `psql`) is refused
/// with the same tag and sentence, and leaves the rows as they were.
struct NewRowRulesTests {
    /// r1 (databricks, no retries: max_retries 0), running then terminating;
    /// r2 blocked, waiting for r1; r4 of a job limited to one active run, whose lifecycle
    /// (domino) has no skip state; an annotation and a prune record.
    static let setup = """
        INSERT INTO runs (id, job, lifecycle, created_at, max_retries) VALUES ('r1', 'etl', 'databricks', 1700000000000000, 0);
        INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'PENDING', 'RUNNING', 1700000001000000);
        INSERT INTO state_history (run_id, from_state, to_state, at, request_key)
        VALUES ('r1', 'RUNNING', 'TERMINATING', 1700000003000000, 'req-1');
        INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('r2', 'load', 'databricks', 'BLOCKED', 1700000002000000);
        INSERT INTO run_dependencies (run_id, upstream_id) VALUES ('r2', 'r1');
        INSERT INTO jobs (job, max_active) VALUES ('solo', 1);
        INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('r4', 'solo', 'domino', 1700000004000000);
        INSERT INTO run_annotations (run_id, at, kind, reason) VALUES ('r1', 1700000003000000, 'note', 'kept');
        INSERT INTO prunes (before_at, at) VALUES (1, 1700000004000000)
        """

    /// What a refused statement must leave as it was.
    static let snapshot = [
        "SELECT id || '|' || state || '|' || updated_at || '|' || coalesce(ended_at, -1) || '|' || coalesce(outcome, '') || '|' || attempt FROM runs ORDER BY num",
        "SELECT seq || '|' || run_num || '|' || coalesce(from_state, '') || '|' || to_state || '|' || at FROM state_changes ORDER BY seq",
        "SELECT run_id || '|' || upstream_id FROM run_dependencies ORDER BY 1",
        "SELECT id || '|' || run_id || '|' || kind FROM run_annotations ORDER BY id",
        "SELECT id || '|' || before_at FROM prunes ORDER BY id",
        "SELECT job || '|' || state || '|' || bucket || '|' || stays FROM stats_state_durations ORDER BY 1",
        "SELECT job || '|' || state || '|' || bucket || '|' || runs FROM stats_run_durations ORDER BY 1",
    ]

    static func change(
        _ run: String, _ from: String?, _ to: String, at: Int = 1_700_000_009_000_000, _ extra: String = ""
    )
        -> String
    {
        let columns = extra.isEmpty ? "" : ", " + extra.split(separator: "=")[0]
        let values = extra.isEmpty ? "" : ", " + extra.split(separator: "=", maxSplits: 1)[1]
        return "INSERT INTO state_history (run_id, from_state, to_state, at\(columns)) VALUES ('\(run)', "
            + (from.map { "'\($0)'" } ?? "NULL") + ", '\(to)', \(at)\(values))"
    }

    /// Each attack, in SQL both engines take, with the tag and sentence it is refused with.
    static let attacks: [(sql: String, tag: String, sentence: String)] = [
        (change("r1", "PENDING", "RUNNING"), "wrong_from_state", "from_state must be the run's current state"),
        (change("r1", nil, "PENDING"), "wrong_from_state", "from_state must be the run's current state"),
        (change("r1", "TERMINATING", "PENDING"), "illegal_transition", "the lifecycle has no such transition"),
        (
            change("r1", "TERMINATING", "TERMINATED", "action='stop'"), "illegal_transition",
            "the lifecycle has no such transition"
        ),
        (
            change("r1", "TERMINATING", "TERMINATED", at: 1_700_000_002_000_000), "time_backwards",
            "a change cannot be earlier than the run's last change"
        ),
        (
            change("r1", "TERMINATING", "TERMINATED", at: -5), "bad_value",
            "at must be integer microseconds since the Unix epoch"
        ),
        (
            change("r1", "TERMINATING", "TERMINATED", "outcome='NOPE'"), "bad_outcome",
            "an outcome goes only with a terminal state, and must be one the lifecycle defines"
        ),
        (
            change("r2", "BLOCKED", "PENDING", "outcome='SUCCESS'"), "bad_outcome",
            "an outcome goes only with a terminal state, and must be one the lifecycle defines"
        ),
        (
            change("r1", "TERMINATING", "WAITING_FOR_RETRY"), "retries_exhausted",
            "the run has used all its retries"
        ),
        (change("nope", "PENDING", "RUNNING"), "no_such_run", "the run does not exist"),
        (
            "INSERT INTO state_changes (run_num, from_state, to_state, at) VALUES (999, 'PENDING', 'RUNNING', 1700000009000000)",
            "no_such_run", "the run does not exist"
        ),
        (
            "INSERT INTO state_history (seq, run_id, from_state, to_state, at) VALUES (2, 'r1', 'TERMINATING', 'TERMINATED', 1700000009000000)",
            "history_order", "a new state_history row must come after every other"
        ),
        (
            change("r1", "TERMINATING", "TERMINATED", "request_key='req-1'"), "duplicate_request",
            "a change with this request_key is already recorded"
        ),
        (
            change("r2", "BLOCKED", "PENDING") + "; " + change("r2", "PENDING", "RUNNING", at: 1_700_000_009_500_000),
            "blocked_by_upstream", "an upstream run has not completed successfully"
        ),
        (
            "INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('r3', 'x', 'databricks', 'RUNNING', 1700000009000000)",
            "not_initial", "a run's first state must be an initial state of its lifecycle"
        ),
        (
            "INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('r3', 'x', 'databricks', 'NOPE', 1700000009000000)",
            "no_such_state", "the lifecycle has no such state"
        ),
        (
            "INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('r1', 'x', 'databricks', 1700000009000000)",
            "duplicate_run", "a run with this id already exists"
        ),
        (
            "INSERT INTO runs (num, id, job, lifecycle, created_at) VALUES (1, 'r3', 'x', 'databricks', 1700000009000000)",
            "duplicate_run", "a run with this num already exists"
        ),
        (
            "INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('r3', 'x', 'nope', 1700000009000000)",
            "no_such_lifecycle", "the lifecycle does not exist"
        ),
        (
            "INSERT INTO runs (id, job, lifecycle, created_at, updated_at) VALUES ('r3', 'x', 'databricks', 1700000009000000, 1700000009000001)",
            "derived_state", "runs.updated_at, ended_at and outcome follow state_history; leave them out"
        ),
        (
            "INSERT INTO runs (id, job, lifecycle, created_at, ended_at) VALUES ('r3', 'x', 'databricks', 1700000009000000, 1700000009000000)",
            "derived_state", "runs.updated_at, ended_at and outcome follow state_history; leave them out"
        ),
        (
            "INSERT INTO runs (id, job, lifecycle, created_at, outcome) VALUES ('r3', 'x', 'databricks', 1700000009000000, 'SUCCESS')",
            "derived_state", "runs.updated_at, ended_at and outcome follow state_history; leave them out"
        ),
        (
            "INSERT INTO runs (id, job, lifecycle, created_at, parent_id, attempt) VALUES ('r3', 'x', 'databricks', 1700000009000000, 'nope', 2)",
            "no_such_run", "the parent run does not exist"
        ),
        (
            "INSERT INTO runs (id, job, lifecycle, created_at, parent_id, attempt) VALUES ('r3', 'x', 'databricks', 1700000009000000, 'r1', 3)",
            "bad_value", "a run's attempt must be one more than its parent's"
        ),
        (
            "INSERT INTO runs (id, job, lifecycle, created_at, parent_id, attempt, max_retries) VALUES ('r3', 'x', 'databricks', 1700000009000000, 'r1', 2, 0); INSERT INTO runs (id, job, lifecycle, created_at, parent_id, attempt) VALUES ('r5', 'x', 'databricks', 1700000009000000, 'r3', 3)",
            "retries_exhausted", "the parent run has used all its retries"
        ),
        (
            "INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('r3', 'solo', 'domino', 1700000009000000)",
            "concurrency_limit", "the job is at its limit of active runs and the run cannot be skipped"
        ),
        (
            "UPDATE runs SET state = 'TERMINATED' WHERE id = 'r1'", "derived_state",
            "runs.state, updated_at, ended_at and outcome follow state_history; insert a state_history row instead"
        ),
        (
            "UPDATE runs SET updated_at = updated_at + 1", "derived_state",
            "runs.state, updated_at, ended_at and outcome follow state_history; insert a state_history row instead"
        ),
        (
            "UPDATE runs SET ended_at = 1700000009000000, outcome = 'SUCCESS' WHERE id = 'r1'", "derived_state",
            "runs.state, updated_at, ended_at and outcome follow state_history; insert a state_history row instead"
        ),
        (
            "INSERT INTO run_dependencies (run_id, upstream_id) VALUES ('r2', 'nope')", "no_such_run",
            "a dependency joins two recorded runs"
        ),
        (
            "INSERT INTO run_dependencies (run_id, upstream_id) VALUES ('r1', 'r2')", "bad_value",
            "an upstream run must be recorded before the run that waits for it"
        ),
        (
            "INSERT INTO run_dependencies (run_id, upstream_id) VALUES ('r2', 'r1')", "bad_value",
            "the dependency is already recorded"
        ),
        (
            "INSERT INTO run_annotations (id, run_id, at, kind) VALUES (1, 'r1', 1700000009000000, 'note')",
            "history_order", "a new annotation must come after every other"
        ),
        (
            "INSERT INTO prunes (id, before_at, at) VALUES (1, 1, 1700000009000000)", "history_order",
            "a new prune record must come after every other"
        ),
        ("UPDATE state_history SET reason = 'rewritten'", "append_only", "state_history rows cannot be changed"),
        ("DELETE FROM state_history", "append_only", "state_history rows cannot be deleted"),
    ]

    @Test(arguments: attacks.indices)
    func aRefusedNewRowIsRefusedWithTheSameTagOnBothEngines(_ index: Int) throws {
        let (sql, tag, sentence) = Self.attacks[index]
        let message = "runledger:\(tag): \(sentence)"
        try withSQLiteLedger { path in
            let setup = try sqlite3(Self.setup, on: path)
            try #require(setup.status == 0, "\(setup.stderr)")
            let before = try Self.snapshot.map { try sqlite3($0, on: path).stdout }
            let refused = try sqlite3(sql, on: path)
            #expect(refused.status != 0, "SQLite accepted: \(sql)")
            #expect(refused.stderr.contains(message), "SQLite: \(refused.stderr)")
            #expect(try Self.snapshot.map { try sqlite3($0, on: path).stdout } == before)
        }
        try withPostgresLedger { connection, schema in
            try connection.execute(Self.setup)
            let before = try Self.snapshot.map { try connection.query($0).rows }
            let refused = try psql(sql, in: schema)
            #expect(refused.status != 0, "PostgreSQL accepted: \(sql)")
            #expect(refused.stderr.contains("RL000: \(message)"), "PostgreSQL: \(refused.stderr)")
            #expect(try Self.snapshot.map { try connection.query($0).rows } == before)
        }
    }

    /// The refusals name what was refused in their DETAIL (PostgreSQL only: SQLite's RAISE
    /// takes only a literal).
    @Test func aRefusalNamesTheRunAndTheLegalTargets() throws {
        try withPostgresLedger { connection, _ in
            try connection.execute(Self.setup)
            let illegal = try #require(throws: PostgresError.self) {
                try connection.execute(Self.change("r1", "TERMINATING", "PENDING"))
            }
            #expect(illegal.sqlState == "RL000")
            #expect(illegal.message == "runledger:illegal_transition: the lifecycle has no such transition")
            #expect(
                illegal.detail
                    == "run r1: TERMINATING -> PENDING; legal targets: INTERNAL_ERROR, TERMINATED, WAITING_FOR_RETRY")
            let conflict = try #require(throws: PostgresError.self) {
                try connection.execute(Self.change("r1", "RUNNING", "TERMINATED"))
            }
            #expect(conflict.detail == "run r1 is in TERMINATING, not in RUNNING")
        }
    }

    /// The statements the library sends, with RETURNING, on PostgreSQL.
    @Test func theLibrarysStatementsWorkAsWritten() throws {
        try withPostgresLedger { connection, _ in
            let num = try connection.query(
                """
                INSERT INTO runs (id, job, lifecycle, state, created_at, created_by, created_reason, attempt, parent_id, meta, max_retries, scheduled_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING num
                """,
                ["a", "etl", "canonical", nil, "1000", "me", "why", "1", nil, "{\"k\": 1}", "2", nil]
            ).scalar
            #expect(num == "1")
            #expect(
                try connection.query("SELECT state, updated_at, ended_at, outcome FROM runs WHERE num = 1").rows
                    == [["SCHEDULED", "1000", nil, nil]])
            let seq = try connection.query(
                """
                INSERT INTO state_changes (run_num, from_state, to_state, at, action, actor, reason, meta, outcome, request_key)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq
                """, ["1", "SCHEDULED", "RUNNING", "2000", nil, "me", nil, nil, nil, "k"]
            ).scalar
            #expect(seq == "2")
            let viaView = try connection.query(
                "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('a', 'RUNNING', 'COMPLETED') RETURNING seq, at"
            ).rows
            #expect(viaView.first?[0] == "3")
            #expect(Int64(viaView.first?[1] ?? "").map { $0 % 1000 == 0 && $0 > 1_700_000_000_000_000 } == true)
            try connection.query(
                "INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('b', 'etl', 'canonical', 5000)")
            try connection.query("INSERT INTO run_dependencies (run_id, upstream_id) VALUES ($1, $2)", ["b", "a"])
            #expect(
                try connection.query("UPDATE runs SET heartbeat_at = $1 WHERE id = $2", ["6000", "b"]).affectedRows == 1
            )
            let annotation = try connection.query(
                "INSERT INTO run_annotations (run_id, at, kind, actor, reason, meta) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                ["a", "7000", "OTHER", nil, "late event", nil]
            ).scalar
            #expect(annotation == "1")
            // A copied row with an explicit seq moves the sequence past it.
            try connection.query(
                "INSERT INTO state_history (seq, run_id, from_state, to_state, at) VALUES (10, 'b', 'SCHEDULED', 'RUNNING', 8000)"
            )
            #expect(
                try connection.query(
                    "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('b', 'RUNNING', 'COMPLETED', 9000) RETURNING seq"
                ).scalar == "11")
        }
    }
}
