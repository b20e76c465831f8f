import Foundation
import Testing

@testable import RunLedger

/// The rules set as code: its vocabulary, the SQLite behaviours it leans on, and that the
/// order SQLite fires triggers in does not change what a write does.
///
/// SQLite only: the SQLite rules set as code and SQLite's trigger order (PostgreSQL's rules
/// are PostgresTests').
struct RulesTests {
    /// Every tag a rule raises, read from the rules set's SQL.
    static var raisedTags: Set<String> {
        var tags: Set<String> = []
        for file in RulesSet.current.files {
            var rest = file.sql[...]
            while let range = rest.range(of: "'runledger:") {
                let tag = rest[range.upperBound...].prefix { $0 != ":" }
                tags.insert(String(tag))
                rest = rest[range.upperBound...]
            }
        }
        return tags
    }

    @Test func everyTagTheRulesRaiseIsARuleAndEveryRuleIsRaised() {
        #expect(Self.raisedTags == Set(Rule.allCases.map(\.rawValue)))
    }

    /// > "The value of NEW.rowid is undefined in a BEFORE INSERT trigger in which the rowid is
    /// > not explicitly set to an integer." The rules rely on this SQLite's -1 there
    /// (state_changes_before_insert, runs_before_insert, run_annotations_before_insert,
    /// prunes_before_insert): were it to change, this test says so first.
    @Test func anUnsetRowidIsMinusOneInABeforeInsertTrigger() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("rowid.db").path
            let rows = try SQLiteShell.query(
                """
                CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
                CREATE TABLE seen (id);
                CREATE TRIGGER t_before BEFORE INSERT ON t BEGIN INSERT INTO seen VALUES (NEW.id); END;
                INSERT INTO t (v) VALUES ('left out');
                INSERT INTO t (id, v) VALUES (NULL, 'null');
                INSERT INTO t (id, v) VALUES (7, 'given');
                SELECT id FROM seen ORDER BY rowid;
                """, on: path)
            #expect(rows == ["-1", "-1", "7"])
        }
    }

    /// The triggers of a fresh ledger, as (table, "BEFORE INSERT"...) → names.
    static func triggersByEvent(on path: String) throws -> [String: [String]] {
        let rows = try SQLiteShell.query(
            "SELECT tbl_name || '|' || name || '|' || replace(replace(sql, char(10), ' '), '|', ' ') FROM sqlite_schema WHERE type = 'trigger';",
            on: path)
        var events: [String: [String]] = [:]
        for row in rows {
            let parts = row.split(separator: "|", maxSplits: 2).map(String.init)
            let words = parts[2].split(separator: " ").map { $0.uppercased() }
            let timing =
                words.firstIndex(of: "INSTEAD").map { _ in "INSTEAD OF" }
                ?? (words.contains("BEFORE") ? "BEFORE" : "AFTER")
            let event = words.first { ["INSERT", "UPDATE", "DELETE"].contains($0) } ?? "?"
            events["\(parts[0]) \(timing) \(event)", default: []].append(parts[1])
        }
        return events.mapValues { $0.sorted() }
    }

    @Test func eachTableAndEventHasOneTriggerBarTwoPairsThatCommute() throws {
        try withTemporaryLedger { _, path in
            let events = try Self.triggersByEvent(on: path)
            let shared = events.filter { $0.value.count > 1 }
            #expect(
                shared == [
                    "state_changes AFTER INSERT": [
                        "state_changes_after_insert", "state_changes_after_insert_for_dependants",
                    ],
                    "runs AFTER UPDATE": ["runs_after_update", "runs_after_update_of_ended_at"],
                ])
            #expect(events.count >= 30)
        }
    }

    /// Builds the same ledger with dependencies, retries and a job limit on two files, the
    /// second with each commuting pair of triggers created in the other order (SQLite 3.40
    /// fires the newest first), and expects the same rows, stats and refusals in both.
    @Test func theTriggersThatShareAnEventCommute() throws {
        func scenario(reversed: Bool) throws -> [String] {
            try withTemporaryLedger { ledger, path in
                if reversed {
                    for (first, second) in [
                        ("state_changes_after_insert", "state_changes_after_insert_for_dependants"),
                        ("runs_after_update", "runs_after_update_of_ended_at"),
                    ] {
                        let sql = try SQLiteShell.query(
                            "SELECT sql || ';' FROM sqlite_schema WHERE name IN ('\(first)', '\(second)') ORDER BY name = '\(first)';",
                            on: path
                        ).joined(separator: "\n")
                        let recreated = try SQLiteShell.run(
                            "DROP TRIGGER \(first); DROP TRIGGER \(second);\n\(sql)", on: path)
                        try #require(recreated.status == 0, "\(recreated.stderr)")
                    }
                }
                let at = Timestamp(rawValue: 1_700_000_000_000_000)
                func time(_ seconds: Int64) -> Timestamp { Timestamp(rawValue: at.rawValue + seconds * 1_000_000) }
                try ledger.start(job: "extract", lifecycle: "databricks", id: "u1", at: time(0))
                try ledger.start(job: "clean", lifecycle: "databricks", id: "u2", at: time(1))
                try ledger.start(job: "load", lifecycle: "databricks", id: "load", at: time(2), upstream: ["u1", "u2"])
                try ledger.start(job: "report", lifecycle: "prefect", id: "p", at: time(3), upstream: ["u2"])
                try ledger.start(job: "c", lifecycle: "databricks", id: "c", at: time(4), upstream: ["load"])
                var refusals: [String] = []
                // Blocked and illegal at once: the same refusal in either order.
                do { try ledger.transition("load", to: "RUNNING", at: time(5)) } catch { refusals.append("\(error)") }
                try ledger.transition("u1", to: "RUNNING", at: time(6))
                try ledger.transition("u1", to: "TERMINATED", at: time(7), outcome: "SUCCESS")
                try ledger.transition("u2", to: "RUNNING", at: time(8))
                try ledger.transition("u2", to: "TERMINATED", at: time(9), outcome: "FAILED")
                do { try ledger.transition("p", to: "Running", at: time(10)) } catch { refusals.append("\(error)") }
                try ledger.start(job: "solo", lifecycle: "opencue", id: "o", at: time(11))
                try ledger.transition("o", to: "running", at: time(12))
                try ledger.perform("kill", on: "o", at: time(13))
                try ledger.perform("retry", on: "o", at: time(14))
                try ledger.start(job: "dj", lifecycle: "databricks", id: "d1", at: time(15))
                try ledger.start(job: "dj", lifecycle: "databricks", id: "d2", at: time(16))
                #expect(try ledger.verify().isClean)
                return refusals
                    + (try SQLiteShell.query(
                        """
                        SELECT num, id, state, updated_at, ended_at, outcome FROM runs ORDER BY num;
                        SELECT seq, run_num, from_state, to_state, at, reason, outcome FROM state_changes ORDER BY seq;
                        SELECT run_id, kind, reason FROM run_annotations ORDER BY id;
                        SELECT * FROM stats_run_durations ORDER BY 1, 2, 3, 4, 5;
                        SELECT * FROM stats_state_durations ORDER BY 1, 2, 3, 4;
                        """, on: path))
            }
        }
        let usual = try scenario(reversed: false)
        #expect(usual.count > 30)
        #expect(usual.contains { $0.contains("SKIPPED") })
        #expect(try scenario(reversed: true) == usual)
    }

    /// A whole run row, as a client copies it from elsewhere: an initial state and
    /// `updated_at` equal to `created_at` are what its first row makes of them; an `ended_at`
    /// or an `outcome` (the ledger's to set) or another `updated_at` are refused.
    @Test func aPlainClientMayWriteAWholeRunRowWhoseStateColumnsAreConsistent() throws {
        try withTemporaryLedger { ledger, path in
            let accepted = try SQLiteShell.run(
                """
                INSERT INTO runs (id, job, lifecycle, state, created_at, updated_at)
                VALUES ('copied', 'etl', 'prefect', 'Pending', 1700000000000000, 1700000000000000);
                INSERT INTO lifecycles (name) VALUES ('instant');
                INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position)
                VALUES ('instant', 'done', 'COMPLETED', 1, 1, 1);
                INSERT INTO runs (id, job, lifecycle, state, created_at, updated_at, ended_at, outcome)
                VALUES ('skipped', 'etl', 'instant', 'done', 1700000000000000, 1700000000000000, NULL, NULL);
                INSERT INTO state_history (run_id, from_state, to_state, at)
                VALUES ('copied', 'Pending', 'Running', 1700000001000000);
                """, on: path)
            try #require(accepted.status == 0, "\(accepted.stderr)")
            #expect(try ledger.run(id: "copied")?.state == "Running")
            #expect(try ledger.history(of: "copied").map(\.to) == ["Pending", "Running"])
            #expect(try ledger.run(id: "skipped")?.endedAt == Timestamp(rawValue: 1_700_000_000_000_000))
            #expect(try ledger.verify().isClean)
            for (sql, rule) in [
                ("('a', 'etl', 'prefect', 'Pending', 1, 2, NULL, NULL)", "derived_state"),
                ("('b', 'etl', 'instant', 'done', 1, 1, 1, NULL)", "derived_state"),
                ("('c', 'etl', 'prefect', 'Pending', 1, NULL, 2, NULL)", "derived_state"),
                ("('d', 'etl', 'databricks', 'PENDING', 1, 1, NULL, 'SUCCESS')", "derived_state"),
                ("('e', 'etl', 'prefect', 'Completed', 1, 1, NULL, NULL)", "not_initial"),
            ] {
                let refused = try SQLiteShell.run(
                    "INSERT INTO runs (id, job, lifecycle, state, created_at, updated_at, ended_at, outcome) VALUES \(sql);",
                    on: path)
                #expect(refused.status != 0, "accepted: \(sql)")
                #expect(refused.stderr.contains("runledger:\(rule):"), "\(sql): \(refused.stderr)")
            }
            #expect(try SQLiteShell.query("SELECT count(*) FROM runs;", on: path) == ["2"])
        }
    }
}
