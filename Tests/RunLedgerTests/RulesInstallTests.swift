import Foundation
import Testing

@testable import RunLedger

/// How the rules set reaches a file: installed whole on a new ledger and on an upgraded one,
/// again when it changed, never over newer rules.
///
/// SQLite only: the rules set of SQLite files (PostgreSQL's are PostgresSchemaTests').
struct RulesInstallTests {
    static let tables = """
        SELECT * FROM runs ORDER BY num;
        SELECT * FROM state_changes ORDER BY seq;
        SELECT * FROM run_dependencies ORDER BY 1, 2;
        SELECT * FROM run_annotations ORDER BY id;
        SELECT * FROM jobs ORDER BY job;
        SELECT * FROM stats_run_durations ORDER BY 1, 2, 3, 4, 5;
        SELECT * FROM stats_state_durations ORDER BY 1, 2, 3, 4;
        """

    @Test func aNewLedgerRecordsTheRulesItWasGiven() throws {
        try withTemporaryLedger { _, path in
            let row = try SQLiteShell.query("SELECT id, version, checksum, views FROM schema_rules;", on: path)
            let rules = RulesSet.current
            let views = rules.views.map { "\"\($0)\"" }.joined(separator: ",")
            #expect(row == ["1|\(rules.version)|\(rules.checksum)|[\(views)]"])
            #expect(
                rules.views.sorted() == [
                    "call_check_upstreams", "call_enforce_job_limit", "call_job_limit",
                    "call_notify_dependants", "run_summary", "run_timeline", "state_history",
                ])
        }
    }

    @Test func aVersion9LedgerWithDataUpgradesWithItsHistoryAndStatsIntact() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("v9.db").path
            do {
                let connection = try Connection(path: path, mode: .readWrite(create: true))
                try Migrator(migrations: Array(Migration.all.prefix(9))).migrate(connection)
            }
            // What version 9's triggers made of a day's work: runs in four lifecycles, a retry
            // chain, a dependency released, one skipped by its upstream's failure, a job limit,
            // annotations.
            let written = try SQLiteShell.run(
                """
                INSERT INTO jobs (job, max_active) VALUES ('nightly', 1);
                INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('u1', 'extract', 'databricks', 1700000000000000);
                INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES
                    ('load', 'load', 'databricks', 'BLOCKED', 1700000001000000);
                INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('u2', 'clean', 'databricks', 1700000001500000);
                INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES
                    ('down', 'report', 'databricks', 'BLOCKED', 1700000001600000);
                INSERT INTO run_dependencies VALUES ('load', 'u1'), ('down', 'u2');
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES
                    ('u1', 'PENDING', 'RUNNING', 1700000002000000);
                INSERT INTO state_history (run_id, from_state, to_state, at, outcome) VALUES
                    ('u1', 'RUNNING', 'TERMINATED', 1700000003000000, 'SUCCESS');
                INSERT INTO state_history (run_id, from_state, to_state, at, outcome) VALUES
                    ('u2', 'PENDING', 'INTERNAL_ERROR', 1700000003500000, NULL);
                INSERT INTO runs (id, job, lifecycle, created_at, max_retries) VALUES ('f1', 'flow', 'prefect', 1700000004000000, 2);
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES
                    ('f1', 'Scheduled', 'Pending', 1700000005000000), ('f1', 'Pending', 'Running', 1700000006000000),
                    ('f1', 'Running', 'Failed', 1700000007000000);
                INSERT INTO runs (id, job, lifecycle, created_at, parent_id, attempt) VALUES ('f2', 'flow', 'prefect', 1700000008000000, 'f1', 2);
                INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('n1', 'nightly', 'canonical', 1700000009000000);
                INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('n2', 'nightly', 'canonical', 1700000009500000);
                INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('c1', 'render', 'opencue', 1700000010000000);
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('c1', 'pending', 'running', 1700000011000000);
                INSERT INTO state_history (run_id, from_state, to_state, at, action) VALUES
                    ('c1', 'running', 'killed', 1700000012000000, 'kill'), ('c1', 'killed', 'pending', 1700000013000000, 'retry');
                INSERT INTO run_annotations (run_id, at, kind, reason) VALUES ('f1', 1700000014000000, 'OTHER', 'a late event');
                """, on: path)
            try #require(written.status == 0, "\(written.stderr)")
            let before = try SQLiteShell.query(Self.tables, on: path)
            #expect(before.contains { $0.hasPrefix("2|") && $0.contains("|load|") })
            #expect(
                try SQLiteShell.query("SELECT state, outcome FROM runs WHERE id = 'down';", on: path) == [
                    "SKIPPED|UPSTREAM_FAILED"
                ])
            #expect(try SQLiteShell.query("SELECT state FROM runs WHERE id = 'n2';", on: path) == ["SKIPPED"])

            let ledger = try Ledger(path: path)
            #expect(try SQLiteShell.query(Self.tables, on: path) == before)
            #expect(
                try SQLiteShell.query("SELECT max(version) FROM schema_migrations;", on: path) == [
                    "\(Migration.all.count)"
                ])
            #expect(
                try SQLiteShell.query("SELECT version, checksum FROM schema_rules;", on: path)
                    == ["\(RulesSet.current.version)|\(RulesSet.current.checksum)"])
            let report = try ledger.verify()
            #expect(report.isClean, "\(report.problems)")
            #expect(report.runs == 9)

            // The current rules hold on the upgraded file, for the library and a plain client.
            let illegal = try SQLiteShell.run(
                "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('f2', 'Scheduled', 'Completed');",
                on: path)
            #expect(illegal.stderr.contains("runledger:illegal_transition:"), "\(illegal.stderr)")
            let rewrite = try SQLiteShell.run(
                "UPDATE state_changes SET to_state = 'Completed' WHERE seq = 1;", on: path)
            #expect(rewrite.stderr.contains("runledger:append_only:"), "\(rewrite.stderr)")
            #expect(throws: LedgerError.blockedByUpstream(runID: "later", upstreams: ["f2"])) {
                try ledger.start(job: "after", lifecycle: "canonical", id: "later", state: "PENDING", upstream: ["f2"])
                try ledger.transition("later", to: "RUNNING")
            }
            try ledger.transition("f2", to: "Running")
            try ledger.transition("f2", to: "Completed")
            try ledger.transition("later", to: "RUNNING")
            let skipped = try ledger.start(job: "nightly", lifecycle: "canonical", id: "n3")
            #expect(skipped.state == "SKIPPED")
            #expect(try ledger.verify().isClean)
        }
    }

    @Test func aLedgerWhoseRulesAreNewerIsRefusedAndLeftByteForByteUnchanged() throws {
        try withTemporaryLedger { _, path in
            _ = try SQLiteShell.query(
                "UPDATE schema_rules SET version = version + 1, checksum = 'future'; PRAGMA wal_checkpoint(TRUNCATE);",
                on: path)
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let schema = try SQLiteShell.query("SELECT sql FROM sqlite_schema ORDER BY name;", on: path)
            for mode in [Ledger.Configuration.Mode.create, .readWrite, .readOnly] {
                let error = try #require(throws: LedgerError.self) {
                    try Ledger(path: path, configuration: .init(mode: mode))
                }
                #expect(
                    error
                        == .rulesTooNew(
                            path: path, version: RulesSet.current.version + 1, supported: RulesSet.current.version))
                #expect(error.description.contains("newer"))
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            #expect(try SQLiteShell.query("SELECT sql FROM sqlite_schema ORDER BY name;", on: path) == schema)
        }
    }

    @Test func changedRulesAreInstalledAgainWholeOnTheNextWritableOpen() throws {
        try withTemporaryLedger { _, path in
            let schema = try SQLiteShell.query(
                "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('trigger', 'view') ORDER BY name;", on: path)
            // What a library with other rules of the same version would have left: a changed
            // checksum, a trigger of its own, one of ours missing, a view it created.
            let older = try SQLiteShell.run(
                """
                UPDATE schema_rules SET checksum = 'other', views = '["old_view"]';
                DROP TRIGGER runs_before_update;
                CREATE TRIGGER runs_old_rule AFTER INSERT ON runs BEGIN SELECT 1; END;
                CREATE VIEW old_view AS SELECT 1;
                CREATE VIEW my_report AS SELECT count(*) FROM runs;
                """, on: path)
            try #require(older.status == 0, "\(older.stderr)")
            // Reading does not need the rules: a read-only open works and changes nothing.
            _ = try Ledger(path: path, configuration: .init(mode: .readOnly))
            #expect(try SQLiteShell.query("SELECT checksum FROM schema_rules;", on: path) == ["other"])
            let ledger = try Ledger(path: path)
            #expect(
                try SQLiteShell.query("SELECT checksum FROM schema_rules;", on: path) == [RulesSet.current.checksum])
            let now = try SQLiteShell.query(
                "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('trigger', 'view') ORDER BY name;", on: path)
            // Every trigger is ours again, the recorded view is gone, a reader's own view stays.
            #expect(now.filter { !$0.contains("my_report") } == schema)
            #expect(now.contains { $0.hasPrefix("view|my_report|") })
            #expect(try ledger.verify().isClean)
        }
    }

    @Test func theBuiltinLifecyclesDataIsWhatTheMigrationsLoad() throws {
        try withTemporaryLedger { ledger, _ in
            let data = try BuiltinLifecycles.all()
            #expect(data.map(\.name) == ["canonical", "databricks", "domino", "opencue", "openlineage", "prefect"])
            for lifecycle in data {
                #expect(try ledger.lifecycle(named: lifecycle.name) == lifecycle, "\(lifecycle.name)")
            }
        }
    }
}
