import Foundation
import Testing

/// A catalogue of attempts by foreign clients to break the rules the file enforces for every
/// client (append-only history, legal transitions, derived state, ...): each is refused by the
/// file's triggers, or, where SQLite cannot refuse it (dropping a trigger, editing the
/// schema, switching checks off), caught by `runledger verify`.
///
/// SQLite only: tampering with the file through `sqlite3` (PostgreSQL's tampering is
/// ReportingTests' verify test and PostgresTests').
struct TamperTests {
    enum Client: String, Sendable {
        case sqlite3, python
    }

    struct Attempt: Sendable, CustomTestStringConvertible {
        let name: String
        let client: Client
        let sql: String
        /// nil: refused by the triggers; else: accepted by SQLite, then found by verify
        /// under this check.
        let caughtBy: String?

        var testDescription: String { name }

        init(_ name: String, _ sql: String, caughtBy: String? = nil) {
            self.init(name, .sqlite3, sql, caughtBy: caughtBy)
        }

        init(_ name: String, _ client: Client, _ sql: String, caughtBy: String? = nil) {
            self.name = name
            self.client = client
            self.sql = sql
            self.caughtBy = caughtBy
        }
    }

    static let catalogue: [Attempt] = [
        Attempt("update a history row", "UPDATE state_history SET to_state = 'Completed' WHERE seq = 3"),
        Attempt("update the stored history", "UPDATE state_changes SET at = 0 WHERE seq = 2"),
        Attempt("delete a history row", "DELETE FROM state_history WHERE seq = 2"),
        Attempt("delete the stored history", .python, "DELETE FROM state_changes"),
        Attempt("set a run's state", "UPDATE runs SET state = 'Completed' WHERE id = 'r1'"),
        Attempt("set a run's end", .python, "UPDATE runs SET ended_at = 1 WHERE id = 'r1'"),
        Attempt("change a run's lifecycle", "UPDATE runs SET lifecycle = 'canonical' WHERE id = 'r1'"),
        Attempt("delete a run with history", "DELETE FROM runs WHERE id = 'r1'"),
        Attempt("delete a finished run without a prune record", "DELETE FROM runs WHERE id = 'done'"),
        Attempt(
            "an illegal transition",
            "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('r1', 'Running', 'Late')"),
        Attempt(
            "a transition from another state",
            .python, "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('r1', 'Scheduled', 'Pending')"),
        Attempt(
            "a second first row",
            "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('r1', NULL, 'Scheduled')"),
        Attempt(
            "a backwards time",
            "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'Running', 'Completed', 1000)"),
        Attempt(
            "a run starting in a terminal state",
            "INSERT INTO runs (id, job, lifecycle, state) VALUES ('x', 'j', 'prefect', 'Completed')"),
        Attempt("a run of no lifecycle", .python, "INSERT INTO runs (id, job, lifecycle) VALUES ('x', 'j', 'airflow')"),
        Attempt(
            "alter a state of a lifecycle in use",
            "UPDATE lifecycle_states SET is_terminal = 0 WHERE lifecycle = 'prefect' AND state = 'Completed'"),
        Attempt(
            "add an edge to a lifecycle in use",
            "INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state) VALUES ('prefect', 'Completed', 'Running')"
        ),
        Attempt("delete a lifecycle in use", .python, "DELETE FROM lifecycles WHERE name = 'prefect'"),
        Attempt(
            "replace a history row",
            "INSERT OR REPLACE INTO state_changes (seq, run_num, from_state, to_state) VALUES (2, 1, 'Running', 'Failed')"
        ),
        Attempt(
            "replace a history row through its request_key",
            "INSERT OR REPLACE INTO state_changes (run_num, from_state, to_state, request_key) VALUES (1, 'Running', 'Failed', 'k-pending')"
        ),
        Attempt("replace a run", "REPLACE INTO runs (id, job, lifecycle) VALUES ('r1', 'etl', 'prefect')"),
        Attempt("replace a lifecycle", "INSERT OR REPLACE INTO lifecycles (name) VALUES ('prefect')"),
        Attempt(
            "replace with recursive triggers on",
            "PRAGMA recursive_triggers = ON; REPLACE INTO runs (id, job, lifecycle) VALUES ('r1', 'etl', 'prefect')"),
        Attempt("update or replace a run's id", "UPDATE OR REPLACE runs SET id = 'done' WHERE id = 'r1'"),
        Attempt(
            "a negative seq",
            "INSERT INTO state_changes (seq, run_num, from_state, to_state) VALUES (-5, 1, 'Running', 'Completed')"),
        Attempt("edit canonical types", .python, "UPDATE canonical_types SET is_terminal = 0 WHERE name = 'FAILED'"),
        Attempt("rewrite an annotation", "UPDATE run_annotations SET reason = 'rewritten'"),
        Attempt("delete an annotation", "DELETE FROM run_annotations"),
        Attempt(
            "drop the append-only trigger, then delete history",
            "DROP TRIGGER state_changes_before_delete; DELETE FROM state_changes WHERE seq = 2",
            caughtBy: "schema"),
        Attempt(
            "drop the transition check, then record an illegal edge",
            "DROP TRIGGER state_changes_after_insert; INSERT INTO state_changes (run_num, from_state, to_state, at) VALUES (1, 'Running', 'Late', 9999999999999999)",
            caughtBy: "illegal_transition"),
        Attempt(
            "drop the derived-state trigger, then set a state",
            .python, "DROP TRIGGER runs_after_update; UPDATE runs SET state = 'Completed' WHERE id = 'r1'",
            caughtBy: "derived_state"),
        Attempt(
            "writable_schema: empty a trigger's body",
            "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = replace(sql, 'RAISE(ABORT', 'ifnull(NULL') WHERE name = 'runs_before_update'",
            caughtBy: "schema"),
        Attempt(
            "ignore_check_constraints: invalid JSON metadata",
            "PRAGMA ignore_check_constraints = ON; INSERT INTO runs (id, job, lifecycle, meta) VALUES ('bad-json', 'j', 'canonical', '{nope')",
            caughtBy: "bad_value"),
    ]

    @Test func theCatalogueIsLarge() {
        #expect(Self.catalogue.count >= 20)
        print(
            "tamper suite: \(Self.catalogue.count) attempts, \(Self.catalogue.filter { $0.caughtBy == nil }.count) refused by the triggers, \(Self.catalogue.filter { $0.caughtBy != nil }.count) caught by verify"
        )
    }

    @Test(arguments: catalogue)
    func eachAttemptIsRefusedOrCaught(_ attempt: Attempt) throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("t.db").path
            for step in [
                ["start", "etl", "--id", "r1", "--lifecycle", "prefect", "--at", "2026-01-01T00:00:00Z"],
                ["transition", "r1", "Pending", "--at", "2026-01-01T00:01:00Z", "--request-key", "k-pending"],
                ["transition", "r1", "Running", "--at", "2026-01-01T00:02:00Z"],
                [
                    "start", "etl2", "--id", "done", "--lifecycle", "prefect", "--state", "Running", "--at",
                    "2026-01-01T00:00:00Z",
                ],
                ["transition", "done", "Completed", "--at", "2026-01-01T00:05:00Z"],
                ["annotate", "r1", "--reason", "note"],
            ] {
                try #require(try runledger(["--db", path] + step, in: directory).status == 0)
            }
            _ = try sqlite3("PRAGMA wal_checkpoint(TRUNCATE);", on: path, in: directory)
            let snapshot =
                "SELECT * FROM runs; SELECT * FROM state_changes; SELECT * FROM lifecycle_states; SELECT * FROM run_annotations; SELECT sql FROM sqlite_schema;"
            let before = try sqlite3(snapshot, on: path, in: directory).stdout
            let result: ProcessResult
            switch attempt.client {
            case .sqlite3:
                result = try RunningProcess(
                    "/usr/bin/sqlite3", ["-bail", "-batch", path, attempt.sql + ";"], directory: directory
                ).wait()
            case .python:
                let script = """
                    import sqlite3, sys
                    db = sqlite3.connect(sys.argv[1], isolation_level=None)
                    try:
                        db.executescript(sys.argv[2])
                    except sqlite3.Error as e:
                        print(e, file=sys.stderr)
                        sys.exit(1)
                    """
                result = try RunningProcess(
                    "/usr/bin/env", ["python3", "-c", script, path, attempt.sql], directory: directory
                ).wait()
            }
            if let check = attempt.caughtBy {
                let verify = try runledger(["--db", path, "verify", "--format", "json"], in: directory)
                #expect(verify.status == 65, "\(attempt.name): verify passed a tampered file: \(verify)")
                let checks = try jsonObjects(verify.stdout).compactMap { $0["check"] as? String }
                #expect(checks.contains(check), "\(attempt.name): \(checks)")
            } else {
                #expect(result.status != 0, "\(attempt.name) was accepted")
                #expect(result.stderr.contains("runledger:"), "\(attempt.name): \(result.stderr)")
                #expect(
                    try sqlite3(snapshot, on: path, in: directory).stdout == before, "\(attempt.name) changed the file")
                #expect(try runledger(["--db", path, "verify"], in: directory).status == 0)
            }
        }
    }
}

/// The attack that `verify` alone cannot catch, through the CLI: drop every trigger, rewrite a
/// history row and everything derived from it consistently (the run's state, the stats),
/// recreate the triggers exactly from their own SQL. `verify` passes; `verify --seals` with
/// the seal lines saved off the box names the row.
struct ConsistentRewriteTests {
    @Test func theConsistentRewriteWithTheTriggersRestoredIsCaughtByVerifySeals() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("t.db").path
            let log = directory.appendingPathComponent("seals.log")
            var lines = ""
            for step in [
                ["start", "etl", "--id", "r1", "--lifecycle", "prefect", "--at", "2026-01-01T00:00:00Z"],
                ["transition", "r1", "Pending", "--at", "2026-01-01T00:01:00Z"],
                ["seal"],
                [
                    "start", "etl2", "--id", "done", "--lifecycle", "prefect", "--state", "Running", "--at",
                    "2026-01-01T00:00:00Z",
                ],
                ["transition", "done", "Completed", "--at", "2026-01-01T00:05:00Z"],
                ["seal"],
            ] {
                let result = try runledger(["--db", path] + step, in: directory)
                try #require(result.status == 0, "\(result)")
                if step == ["seal"] {
                    #expect(result.stdout.hasPrefix("runledger-seal v1 id="), "\(result)")
                    lines += result.stdout
                }
            }
            try lines.write(to: log, atomically: true, encoding: .utf8)
            #expect(try runledger(["--db", path, "verify", "--seals", log.path], in: directory).status == 0)
            // `done` completed at seq 4; make it a failure everywhere it shows.
            let script = """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1], isolation_level=None)
                triggers = db.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'").fetchall()
                db.execute("BEGIN")
                for name, _ in triggers: db.execute('DROP TRIGGER "%s"' % name)
                db.execute("UPDATE state_changes SET to_state = 'Failed' WHERE seq = 4")
                db.execute("UPDATE runs SET state = 'Failed' WHERE id = 'done'")
                db.execute("UPDATE stats_run_durations SET state = 'Failed' WHERE job = 'etl2'")
                for _, sql in triggers: db.execute(sql)
                db.execute("COMMIT")
                """
            let attack = try RunningProcess("/usr/bin/env", ["python3", "-c", script, path], directory: directory)
                .wait()
            try #require(attack.status == 0, "\(attack)")
            #expect(
                try sqlite3("SELECT state FROM runs WHERE id = 'done';", on: path, in: directory).stdout == "Failed\n")
            let plain = try runledger(["--db", path, "verify"], in: directory)
            #expect(plain.status == 0, "today's verify passes the consistent rewrite: \(plain)")
            let sealed = try runledger(
                ["--db", path, "verify", "--seals", log.path, "--format", "json"], in: directory)
            #expect(sealed.status == 65, "\(sealed)")
            let problems = try jsonObjects(sealed.stdout)
            #expect(problems.contains { $0["check"] as? String == "seal" && $0["seq"] as? Int == 4 }, "\(problems)")
            #expect(sealed.stderr.contains("no longer matches its seals from seq 4"), "\(sealed)")
        }
    }

    @Test func verifySealsRefusesAMissingFileAndAFileWithoutTheFlag() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("t.db").path
            try #require(try runledger(["--db", path, "init"], in: directory).status == 0)
            let missing = try runledger(["--db", path, "verify", "--seals", "nope.log"], in: directory)
            #expect(missing.status == 66 && missing.stdout.isEmpty, "\(missing)")
            let unflagged = try runledger(["--db", path, "verify", "seals.log"], in: directory)
            #expect(unflagged.status == 64, "\(unflagged)")
            let none = try runledger(["--db", path, "verify", "--seals"], in: directory)
            #expect(none.status == 0 && none.stdout.contains("no seals yet"), "\(none)")
        }
    }
}
