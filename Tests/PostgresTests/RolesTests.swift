import Foundation
import RunLedgerPostgres
import TestSupport
import Testing

/// The rights runledger_grant gives (Migrations/postgres/rules/roles.sql): logged in as the
/// writer, what the library does works and every way around the rules is refused; logged
/// in as the reader, every write is refused. Roles are cluster-wide: each test names its
/// own, with a random suffix, and drops them after.
struct RolesTests {
    /// A ledger with rows, roles of its own for it; `body` gets the schema and the writer's
    /// and reader's names.
    func withRoles(_ body: (PGConnection, String, String, String) throws -> Void) throws {
        try withPostgresLedger { connection, schema in
            let suffix = UInt32.random(in: 0...UInt32.max)
            let (owner, writer, reader) = ("rl_owner_\(suffix)", "rl_writer_\(suffix)", "rl_reader_\(suffix)")
            defer {
                try? connection.execute(
                    "DROP OWNED BY \(owner), \(writer), \(reader) CASCADE; DROP ROLE IF EXISTS \(owner), \(writer), \(reader)"
                )
            }
            try connection.execute(HistoryRulesTests.setup)
            try connection.query("SELECT runledger_grant($1, $2, $3)", [owner, writer, reader])
            try connection.execute("ALTER ROLE \(writer) LOGIN; ALTER ROLE \(reader) LOGIN")
            try body(connection, schema, writer, reader)
        }
    }

    /// Ways around the rules, each with what its refusal says.
    static let tampering: [(sql: String, refusal: String)] = [
        ("UPDATE state_changes SET reason = 'rewritten'", "permission denied for table state_changes"),
        ("DELETE FROM state_changes", "permission denied for table state_changes"),
        ("TRUNCATE state_changes", "permission denied for table state_changes"),
        ("UPDATE state_history SET reason = 'rewritten'", "permission denied for view state_history"),
        ("ALTER TABLE state_changes DISABLE TRIGGER USER", "must be owner of table state_changes"),
        ("ALTER TABLE runs DISABLE TRIGGER ALL", "must be owner of table runs"),
        ("DROP TRIGGER state_changes_before_insert ON state_changes", "must be owner of relation state_changes"),
        ("SET session_replication_role = replica", "permission denied to set parameter \"session_replication_role\""),
        (
            "COPY state_changes (run_num, from_state, to_state, at) FROM PROGRAM 'echo 1'",
            "to COPY to or from an external program"
        ),
        (
            "COPY state_changes (run_num, from_state, to_state, at) FROM '/etc/hostname'",
            "role to COPY from a file"
        ),
        (
            "WITH moved AS (UPDATE runs SET state = 'Completed' WHERE id = 'r1' RETURNING id) SELECT * FROM moved",
            "permission denied for table runs"
        ),
        ("UPDATE runs SET state = 'Completed' FROM jobs WHERE runs.id = 'r1'", "permission denied for table runs"),
        ("UPDATE runs SET ended_at = 5, outcome = 'x'", "permission denied for table runs"),
        ("UPDATE lifecycles SET skip_state = NULL WHERE name = 'prefect'", "RL000: runledger:lifecycle_in_use:"),
        (
            "DELETE FROM lifecycle_transitions WHERE lifecycle = 'prefect'",
            "permission denied for table lifecycle_transitions"
        ),
        ("UPDATE lifecycle_states SET is_terminal = 0", "permission denied for table lifecycle_states"),
        (
            "INSERT INTO stats_run_durations VALUES ('etl', 'prefect', 'Completed', '', 1, 1, 1, 1, 1)",
            "permission denied for table stats_run_durations"
        ),
        ("SELECT setval('state_changes_seq_seq', 1)", "permission denied for sequence state_changes_seq_seq"),
        ("CREATE TABLE decoy (x int)", "permission denied for schema"),
        ("SELECT runledger_grant('a', 'b', 'c')", "permission denied for function runledger_grant"),
        (
            "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'Scheduled', 'Completed', 1700000009000000)",
            "RL000: runledger:wrong_from_state:"
        ),
    ]

    @Test func theWriterCannotGetAroundTheRules() throws {
        try withRoles { connection, schema, writer, _ in
            let before = try HistoryRulesTests.snapshot.map { try connection.query($0).rows }
            for (sql, refusal) in Self.tampering {
                let result = try psql(sql, in: schema, as: writer)
                #expect(result.status != 0, "the writer could: \(sql)")
                #expect(result.stderr.contains(refusal), "\(sql): \(result.stderr)")
            }
            // COPY from the client goes through the rules, as INSERT does.
            let copied = try psql(
                "COPY state_changes (run_num, from_state, to_state, at) FROM STDIN", in: schema, as: writer,
                input: "1\t\\N\tCompleted\t1700000009000000\n\\.\n")
            #expect(copied.status != 0)
            #expect(copied.stderr.contains("RL000: runledger:wrong_from_state:"), "\(copied.stderr)")
            #expect(try HistoryRulesTests.snapshot.map { try connection.query($0).rows } == before)
        }
    }

    @Test func theWriterDoesWhatTheLibraryDoes() throws {
        try withRoles { connection, schema, writer, _ in
            let result = try psql(
                """
                BEGIN;
                INSERT INTO runs (id, job, lifecycle, state, created_at, created_by, created_reason, attempt, parent_id, meta, max_retries, scheduled_at)
                VALUES ('w1', 'wjob', 'databricks', NULL, 1700000010000000, 'me', NULL, 1, NULL, '{}', 1, NULL) RETURNING num;
                INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('w2', 'wjob', 'databricks', 1700000010000001);
                INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('w3', 'wload', 'databricks', 'BLOCKED', 1700000010000002);
                INSERT INTO run_dependencies (run_id, upstream_id) VALUES ('w3', 'w1');
                INSERT INTO state_changes (run_num, from_state, to_state, at, action, actor, reason, meta, outcome, request_key)
                SELECT num, 'PENDING', 'RUNNING', 1700000011000000, NULL, 'me', NULL, NULL, NULL, 'k1' FROM runs WHERE id = 'w1'
                RETURNING seq;
                UPDATE runs SET heartbeat_at = 1700000011500000 WHERE id = 'w1';
                INSERT INTO state_history (run_id, from_state, to_state, at, outcome) VALUES ('w1', 'RUNNING', 'TERMINATED', 1700000012000000, 'SUCCESS');
                INSERT INTO run_annotations (run_id, at, kind, actor, reason, meta) VALUES ('w1', 1700000013000000, 'OTHER', 'me', 'late', NULL) RETURNING id;
                INSERT INTO jobs (job, max_active) VALUES ('wjob', 2) ON CONFLICT (job) DO UPDATE SET max_active = excluded.max_active;
                INSERT INTO jobs (job, max_active) VALUES ('wjob', 3) ON CONFLICT (job) DO UPDATE SET max_active = excluded.max_active;
                DELETE FROM jobs WHERE job = 'wjob';
                INSERT INTO lifecycles (name, description) VALUES ('deploy', 'mine');
                INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position, description)
                VALUES ('deploy', 'queued', 'PENDING', 0, 1, 1, ''), ('deploy', 'done', 'COMPLETED', 1, 0, 2, '');
                INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state, action, description) VALUES ('deploy', 'queued', 'done', NULL, '');
                INSERT INTO lifecycle_outcomes (lifecycle, outcome, canonical_type, description) VALUES ('deploy', 'ok', 'COMPLETED', '');
                UPDATE lifecycles SET skip_state = NULL, skip_outcome = NULL, late_state = NULL, crash_state = NULL, retry_state = NULL,
                    blocked_state = NULL, release_state = NULL, upstream_failed_state = NULL, upstream_failed_outcome = NULL,
                    default_max_active = NULL WHERE name = 'deploy';
                -- A newer run of wjob: a job's newest run (w2 until now) is never deleted.
                INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('w4', 'wjob', 'databricks', 1700000010000003);
                INSERT INTO run_pins (run_id, pinned_at, actor, reason) VALUES ('w1', 1700000013500000, 'me', 'keep');
                DELETE FROM run_pins WHERE run_id = 'w1';
                INSERT INTO retention_policies (job, max_age_seconds, keep_last, set_at) VALUES ('wjob', '{"FAILED": 60}', 2, 1);
                UPDATE retention_policies SET keep_last = 3 WHERE job = 'wjob';
                DELETE FROM retention_policies WHERE job = 'wjob';
                INSERT INTO prunes (before_at, at, actor, archive, runs, changes) VALUES (1700000012500000, 1700000014000000, 'me', NULL, 1, 2);
                DELETE FROM runs WHERE id = 'w2';
                SELECT history_high_water();
                SELECT count(*) FROM run_timeline;
                COMMIT
                """, in: schema, as: writer)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try connection.query("SELECT state FROM runs WHERE id = 'w3'").scalar == "PENDING")
            #expect(try connection.query("SELECT count(*) FROM runs WHERE id = 'w2'").scalar == "0")
            #expect(
                try connection.query("SELECT count(*) FROM stats_run_durations WHERE job = 'wjob'").scalar == "1")
        }
    }

    @Test func theReaderOnlyReads() throws {
        try withRoles { _, schema, _, reader in
            let reads = try psql(
                "SELECT count(*) FROM runs; SELECT count(*) FROM run_timeline; SELECT count(*) FROM run_summary; SELECT history_high_water()",
                in: schema, as: reader)
            #expect(reads.status == 0, "\(reads.stderr)")
            for sql in [
                "INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('x', 'etl', 'prefect', 1700000010000000)",
                "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'Pending', 'Running', 1700000010000000)",
                "INSERT INTO state_changes (run_num, from_state, to_state, at) VALUES (1, 'Pending', 'Running', 1700000010000000)",
                "UPDATE runs SET heartbeat_at = 1700000010000000 WHERE id = 'r1'",
                "INSERT INTO jobs (job, max_active) VALUES ('etl', 1)",
                "INSERT INTO run_annotations (run_id, at, kind) VALUES ('r1', 1700000010000000, 'note')",
                "INSERT INTO run_dependencies (run_id, upstream_id) VALUES ('r2', 'r1')",
                "INSERT INTO prunes (before_at, at) VALUES (1, 2)",
                "DELETE FROM runs",
                "INSERT INTO lifecycles (name) VALUES ('mine')",
                "TRUNCATE jobs",
            ] {
                let refused = try psql(sql, in: schema, as: reader)
                #expect(refused.status != 0, "the reader could: \(sql)")
                #expect(refused.stderr.contains("permission denied"), "\(sql): \(refused.stderr)")
            }
        }
    }
}
