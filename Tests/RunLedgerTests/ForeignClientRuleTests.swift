import Foundation
import Testing

@testable import RunLedger

/// The ledger's rules (README: the rules table), attacked by clients that know nothing of runledger: the `sqlite3`
/// shell and Python's sqlite3 module. Each attempt must fail with the rule's tag and leave
/// the file as it was.
struct ForeignClientRuleTests {
    /// A ledger with one prefect run `r1` in Running (three history rows, times in 2023) and one custom
    /// lifecycle `deploy` used by run `d1`.
    func withPopulatedLedger(_ body: (Ledger, String) throws -> Void) throws {
        try withTemporaryLedger { ledger, path in
            let setup = try SQLiteShell.run(
                """
                INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('r1', 'etl', 'prefect', 1700000000000000);
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'Scheduled', 'Pending', 1700000001000000);
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'Pending', 'Running', 1700000002000000);
                INSERT INTO lifecycles (name) VALUES ('deploy');
                INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position)
                VALUES ('deploy', 'queued', 'PENDING', 0, 1, 1), ('deploy', 'live', 'COMPLETED', 1, 0, 2);
                INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state) VALUES ('deploy', 'queued', 'live');
                INSERT INTO runs (id, job, lifecycle) VALUES ('d1', 'web', 'deploy');
                """, on: path)
            try #require(setup.status == 0, "\(setup.stderr)")
            try body(ledger, path)
        }
    }

    /// Runs `sql` with the shell and expects a refusal naming `rule`, with the file's tables
    /// unchanged.
    func expectRefused(_ sql: String, rule: String, on path: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let snapshot =
            "SELECT * FROM runs; SELECT * FROM state_changes; SELECT * FROM lifecycle_states; SELECT * FROM lifecycle_transitions; SELECT * FROM lifecycles;"
        let before = try SQLiteShell.query(snapshot, on: path)
        let result = try SQLiteShell.run(sql, on: path)
        #expect(result.status != 0, "accepted: \(sql)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains("runledger:\(rule):"), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(try SQLiteShell.query(snapshot, on: path) == before, sourceLocation: sourceLocation)
    }

    @Test func historyRowsCannotBeUpdatedOrDeleted() throws {
        try withPopulatedLedger { _, path in
            try expectRefused(
                "UPDATE state_history SET to_state = 'Completed' WHERE seq = 3;", rule: "append_only", on: path)
            try expectRefused("DELETE FROM state_history WHERE seq = 3;", rule: "append_only", on: path)
            try expectRefused("UPDATE state_changes SET reason = 'rewritten';", rule: "append_only", on: path)
            try expectRefused("DELETE FROM state_changes;", rule: "append_only", on: path)
            try expectRefused("DELETE FROM runs WHERE id = 'r1';", rule: "append_only", on: path)
        }
    }

    @Test func theTriggersInternalCallsRefuseACallFromOutside() throws {
        try withPopulatedLedger { _, path in
            // A fake "run r1 ended" notice: not the newest history row, not what it says.
            try expectRefused(
                """
                INSERT INTO call_notify_dependants (seq, run_num, to_state, outcome, at)
                SELECT seq, run_num, 'Completed', NULL, at FROM state_changes WHERE seq = 2;
                """, rule: "internal_call", on: path)
            // The notice a run's end passes on, for a row that does not exist.
            try expectRefused(
                "INSERT INTO call_notify_dependants (seq, run_num, to_state, outcome, at) VALUES (99, 1, 'x', NULL, 0);",
                rule: "internal_call", on: path)
        }
    }

    @Test func insertOrReplaceCannotTakeAHistoryRowsPlace() throws {
        try withPopulatedLedger { ledger, path in
            let keyed = try SQLiteShell.run(
                "INSERT INTO state_history (run_id, from_state, to_state, request_key) VALUES ('d1', 'queued', 'live', 'k1');",
                on: path)
            try #require(keyed.status == 0, "\(keyed.stderr)")
            // Same request_key: REPLACE would delete d1's row to make room for r1's.
            try expectRefused(
                """
                INSERT OR REPLACE INTO state_changes (run_num, from_state, to_state, request_key)
                SELECT num, 'Running', 'Completed', 'k1' FROM runs WHERE id = 'r1';
                """, rule: "duplicate_request", on: path)
            // Same seq as the newest row.
            try expectRefused(
                """
                INSERT OR REPLACE INTO state_changes (seq, run_num, from_state, to_state)
                SELECT max(seq), (SELECT num FROM runs WHERE id = 'r1'), 'Running', 'Completed' FROM state_changes;
                """, rule: "history_order", on: path)
            #expect(try ledger.history(of: "d1").map(\.to) == ["queued", "live"])
        }
    }

    @Test func runsStateCannotBeSetDirectly() throws {
        try withPopulatedLedger { _, path in
            try expectRefused("UPDATE runs SET state = 'Completed' WHERE id = 'r1';", rule: "derived_state", on: path)
            try expectRefused("UPDATE runs SET state = 'Scheduled' WHERE id = 'r1';", rule: "derived_state", on: path)
            try expectRefused("UPDATE runs SET updated_at = 0 WHERE id = 'r1';", rule: "derived_state", on: path)
            // Even to the state of the newest row of another run.
            try expectRefused("UPDATE runs SET state = 'queued' WHERE id = 'r1';", rule: "derived_state", on: path)
            // The end of a run follows its state, also for the run whose row is the ledger's newest.
            try expectRefused("UPDATE runs SET ended_at = updated_at WHERE id = 'd1';", rule: "derived_state", on: path)
            try expectRefused("UPDATE runs SET ended_at = 5 WHERE id = 'r1';", rule: "derived_state", on: path)
            let ended = try SQLiteShell.run(
                "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('d1', 'queued', 'live');", on: path)
            try #require(ended.status == 0, "\(ended.stderr)")
            try expectRefused("UPDATE runs SET ended_at = NULL WHERE id = 'd1';", rule: "derived_state", on: path)
            try expectRefused(
                "UPDATE runs SET ended_at = ended_at + 1 WHERE id = 'd1';", rule: "derived_state", on: path)
            try expectRefused("UPDATE runs SET outcome = 'x' WHERE id = 'd1';", rule: "derived_state", on: path)
        }
    }

    @Test func aRunsIdentityCannotChange() throws {
        try withPopulatedLedger { _, path in
            try expectRefused(
                "UPDATE runs SET lifecycle = 'canonical' WHERE id = 'r1';", rule: "immutable_run", on: path)
            try expectRefused("UPDATE runs SET id = 'r9' WHERE id = 'r1';", rule: "immutable_run", on: path)
            try expectRefused("UPDATE OR REPLACE runs SET id = 'd1' WHERE id = 'r1';", rule: "immutable_run", on: path)
        }
    }

    @Test func aTransitionFromAStateTheRunIsNotInFails() throws {
        try withPopulatedLedger { _, path in
            try expectRefused(
                "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('r1', 'Pending', 'Running');",
                rule: "wrong_from_state", on: path)
            try expectRefused(
                "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('r1', NULL, 'Scheduled');",
                rule: "wrong_from_state", on: path)
        }
    }

    @Test func anIllegalEdgeAndAnUnknownRunFail() throws {
        try withPopulatedLedger { _, path in
            try expectRefused(
                "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('r1', 'Running', 'Late');",
                rule: "illegal_transition", on: path)
            try expectRefused(
                "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('nope', 'Running', 'Completed');",
                rule: "no_such_run", on: path)
            try expectRefused(
                "INSERT INTO state_changes (run_num, from_state, to_state) VALUES (99, 'Running', 'Completed');",
                rule: "no_such_run", on: path)
        }
    }

    @Test func timeCannotGoBackwardsButMayStandStill() throws {
        try withPopulatedLedger { ledger, path in
            try expectRefused(
                "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'Running', 'Completed', 1700000001999999);",
                rule: "time_backwards", on: path)
            let equal = try SQLiteShell.run(
                "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'Running', 'Completed', 1700000002000000);",
                on: path)
            #expect(equal.status == 0, "\(equal.stderr)")
            let history = try ledger.history(of: "r1")
            #expect(
                history.suffix(2).map(\.at) == [
                    Timestamp(rawValue: 1_700_000_002_000_000), Timestamp(rawValue: 1_700_000_002_000_000),
                ])
            #expect(history[history.count - 1].seq > history[history.count - 2].seq)
        }
    }

    @Test func aLifecycleThatARunUsesCannotBeAltered() throws {
        try withPopulatedLedger { _, path in
            try expectRefused(
                "UPDATE lifecycle_states SET canonical_type = 'FAILED' WHERE lifecycle = 'deploy' AND state = 'live';",
                rule: "lifecycle_in_use", on: path)
            try expectRefused(
                "DELETE FROM lifecycle_transitions WHERE lifecycle = 'deploy';", rule: "lifecycle_in_use", on: path)
            try expectRefused(
                "INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state) VALUES ('deploy', 'live', 'queued');",
                rule: "lifecycle_in_use", on: path)
            try expectRefused(
                "INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position) VALUES ('deploy', 'rolled-back', 'FAILED', 1, 0, 3);",
                rule: "lifecycle_in_use", on: path)
            try expectRefused("DELETE FROM lifecycles WHERE name = 'deploy';", rule: "lifecycle_in_use", on: path)
            try expectRefused(
                "UPDATE lifecycles SET description = 'x' WHERE name = 'deploy';", rule: "lifecycle_in_use", on: path)
            try expectRefused(
                "INSERT OR REPLACE INTO lifecycles (name) VALUES ('deploy');", rule: "duplicate_lifecycle", on: path)
            try expectRefused(
                "INSERT OR REPLACE INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position) VALUES ('deploy', 'live', 'FAILED', 1, 0, 2);",
                rule: "lifecycle_in_use", on: path)
        }
    }

    @Test func builtInLifecyclesAreImmutableEvenUnused() throws {
        try withPopulatedLedger { _, path in
            try expectRefused(
                "UPDATE lifecycle_states SET is_terminal = 0 WHERE lifecycle = 'domino' AND state = 'Failed';",
                rule: "lifecycle_in_use", on: path)
            try expectRefused(
                "INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state) VALUES ('domino', 'Failed', 'Queued');",
                rule: "lifecycle_in_use", on: path)
            try expectRefused("DELETE FROM lifecycles WHERE name = 'openlineage';", rule: "lifecycle_in_use", on: path)
        }
    }

    @Test func replaceTricksCannotRewriteHistoryOrRuns() throws {
        try withPopulatedLedger { _, path in
            try expectRefused(
                "INSERT OR REPLACE INTO state_changes (seq, run_num, from_state, to_state) VALUES (2, 1, 'Running', 'Completed');",
                rule: "history_order", on: path)
            try expectRefused(
                "REPLACE INTO state_changes (seq, run_num, from_state, to_state) SELECT max(seq), 1, 'Running', 'Completed' FROM state_changes;",
                rule: "history_order", on: path)
            try expectRefused(
                "INSERT OR REPLACE INTO runs (id, job, lifecycle) VALUES ('r1', 'etl', 'prefect');",
                rule: "duplicate_run", on: path)
            try expectRefused(
                "INSERT OR REPLACE INTO runs (num, id, job, lifecycle) VALUES (1, 'r2', 'etl', 'prefect');",
                rule: "duplicate_run", on: path)
            try expectRefused(
                "PRAGMA recursive_triggers = ON; INSERT OR REPLACE INTO runs (id, job, lifecycle) VALUES ('r1', 'etl', 'prefect');",
                rule: "duplicate_run", on: path)
        }
    }

    @Test func aFailedInsertLeavesNoRowBehind() throws {
        try withPopulatedLedger { _, path in
            // The second run of a two-row INSERT is refused: the first must not stay either.
            try expectRefused(
                "INSERT INTO runs (id, job, lifecycle, state) VALUES ('ok', 'j', 'prefect', 'Scheduled'), ('bad', 'j', 'prefect', 'Completed');",
                rule: "not_initial", on: path)
            try expectRefused(
                "INSERT INTO runs (id, job, lifecycle) VALUES ('x', 'j', 'no-such-lifecycle');",
                rule: "no_such_lifecycle", on: path)
            #expect(
                try SQLiteShell.query("SELECT count(*) FROM runs WHERE id IN ('ok', 'bad', 'x');", on: path) == ["0"])
        }
    }

    @Test func aPlainSQLClientRecordsARunThatTheLibraryReadsBack() throws {
        try withPopulatedLedger { ledger, _ in
            let run = try #require(try ledger.run(id: "r1"))
            #expect(run.state == "Running")
            #expect(run.lifecycle == "prefect")
            #expect(run.canonicalType == .running)
            let history = try ledger.history(of: "r1")
            #expect(history.map(\.to) == ["Scheduled", "Pending", "Running"])
            #expect(history.map(\.from) == [nil, "Scheduled", "Pending"])
            #expect(history[1].at == Timestamp(rawValue: 1_700_000_001_000_000))
            let deploy = try #require(try ledger.run(id: "d1"))
            #expect(deploy.state == "queued")
            try ledger.transition("d1", to: "live")
            #expect(try ledger.run(id: "d1")?.isTerminal == true)
        }
    }

    @Test func pythonsSQLiteModuleMeetsTheSameRules() throws {
        try withPopulatedLedger { ledger, path in
            let script = """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1], isolation_level=None)
                refused = []
                for sql in [
                    "UPDATE state_history SET reason = 'x'",
                    "DELETE FROM state_changes WHERE seq = 1",
                    "UPDATE runs SET state = 'Completed' WHERE id = 'r1'",
                    "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('r1', 'Running', 'Scheduled')",
                    "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'Running', 'Completed', 1)",
                ]:
                    try:
                        db.execute(sql)
                        print("ACCEPTED", sql)
                    except sqlite3.IntegrityError as e:
                        refused.append(str(e).split(":")[1])
                print(",".join(refused))
                db.execute("INSERT INTO state_history (run_id, from_state, to_state, reason) VALUES ('r1', 'Running', 'Completed', 'from python')")
                print(db.execute("SELECT state FROM runs WHERE id = 'r1'").fetchone()[0])
                """
            let result = try Python.run(script, arguments: [path])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(!result.stdout.contains("ACCEPTED"))
            #expect(
                result.stdout == "append_only,append_only,derived_state,illegal_transition,time_backwards\nCompleted\n")
            #expect(try ledger.history(of: "r1").last?.reason == "from python")
        }
    }
}
