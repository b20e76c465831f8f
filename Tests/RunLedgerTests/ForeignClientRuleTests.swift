import Foundation
import Testing

@testable import RunLedger

/// The ledger's rules (README: the rules table), attacked by clients that know nothing of
/// runledger, on both engines: the `sqlite3` shell and Python's sqlite3 module on a file,
/// `psql` and psycopg on PostgreSQL. Each attempt must fail with the rule's tag and leave
/// the tables as they were. SQLite's own dialect (`INSERT OR REPLACE`, `UPDATE OR REPLACE`,
/// `PRAGMA`) and its trigger-call tables (`call_*`) are attacked on SQLite only: PostgreSQL
/// has no statement that deletes a conflicting row to make room, and its rules call
/// functions, not tables.
struct ForeignClientRuleTests {
    /// A ledger with one prefect run `r1` in Running (three history rows, times in 2023) and one custom
    /// lifecycle `deploy` used by run `d1`.
    func withPopulatedLedger(_ engine: Ledger.Engine, _ body: (Ledger, TestDatabase) throws -> Void) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let setup = try database.run(
                """
                INSERT INTO runs (id, job, lifecycle, created_at) VALUES ('r1', 'etl', 'prefect', 1700000000000000);
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'Scheduled', 'Pending', 1700000001000000);
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'Pending', 'Running', 1700000002000000);
                INSERT INTO lifecycles (name) VALUES ('deploy');
                INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position)
                VALUES ('deploy', 'queued', 'PENDING', 0, 1, 1), ('deploy', 'live', 'COMPLETED', 1, 0, 2);
                INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state) VALUES ('deploy', 'queued', 'live');
                INSERT INTO runs (id, job, lifecycle) VALUES ('d1', 'web', 'deploy');
                """)
            try #require(setup.status == 0, "\(setup.stderr)")
            try body(ledger, database)
        }
    }

    /// Runs `sql` with the shell and expects a refusal naming `rule`, with the file's tables
    /// unchanged.
    func expectRefused(
        _ sql: String, rule: String, on database: TestDatabase, sourceLocation: SourceLocation = #_sourceLocation
    )
        throws
    {
        let snapshot =
            "SELECT * FROM runs ORDER BY num; SELECT * FROM state_changes ORDER BY seq; SELECT * FROM lifecycle_states ORDER BY lifecycle, state; SELECT * FROM lifecycle_transitions ORDER BY rowid; SELECT * FROM lifecycles ORDER BY name;"
        let before = try database.query(snapshot)
        let result = try database.run(sql)
        #expect(result.status != 0, "accepted: \(sql)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains("runledger:\(rule):"), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(try database.query(snapshot) == before, sourceLocation: sourceLocation)
    }

    @Test(arguments: Ledger.Engine.allCases) func historyRowsCannotBeUpdatedOrDeleted(_ engine: Ledger.Engine) throws {
        try withPopulatedLedger(engine) { _, database in
            try expectRefused(
                "UPDATE state_history SET to_state = 'Completed' WHERE seq = 3;", rule: "append_only", on: database)
            try expectRefused("DELETE FROM state_history WHERE seq = 3;", rule: "append_only", on: database)
            try expectRefused("UPDATE state_changes SET reason = 'rewritten';", rule: "append_only", on: database)
            try expectRefused("DELETE FROM state_changes;", rule: "append_only", on: database)
            try expectRefused("DELETE FROM runs WHERE id = 'r1';", rule: "append_only", on: database)
        }
    }

    // SQLite only: its rules pass notices through `call_*` tables, which PostgreSQL's rules
    // (functions) do not have.
    @Test func theTriggersInternalCallsRefuseACallFromOutside() throws {
        try withPopulatedLedger(.sqlite) { _, database in
            // A fake "run r1 ended" notice: not the newest history row, not what it says.
            try expectRefused(
                """
                INSERT INTO call_notify_dependants (seq, run_num, to_state, outcome, at)
                SELECT seq, run_num, 'Completed', NULL, at FROM state_changes WHERE seq = 2;
                """, rule: "internal_call", on: database)
            // The notice a run's end passes on, for a row that does not exist.
            try expectRefused(
                "INSERT INTO call_notify_dependants (seq, run_num, to_state, outcome, at) VALUES (99, 1, 'x', NULL, 0);",
                rule: "internal_call", on: database)
        }
    }

    // SQLite only: `INSERT OR REPLACE` is SQLite's; PostgreSQL has no insert that deletes the
    // row it conflicts with (`ON CONFLICT DO UPDATE` is an update, refused as any).
    @Test func insertOrReplaceCannotTakeAHistoryRowsPlace() throws {
        try withPopulatedLedger(.sqlite) { ledger, database in
            let keyed = try database.run(
                "INSERT INTO state_history (run_id, from_state, to_state, request_key) VALUES ('d1', 'queued', 'live', 'k1');"
            )
            try #require(keyed.status == 0, "\(keyed.stderr)")
            // Same request_key: REPLACE would delete d1's row to make room for r1's.
            try expectRefused(
                """
                INSERT OR REPLACE INTO state_changes (run_num, from_state, to_state, request_key)
                SELECT num, 'Running', 'Completed', 'k1' FROM runs WHERE id = 'r1';
                """, rule: "duplicate_request", on: database)
            // Same seq as the newest row.
            try expectRefused(
                """
                INSERT OR REPLACE INTO state_changes (seq, run_num, from_state, to_state)
                SELECT max(seq), (SELECT num FROM runs WHERE id = 'r1'), 'Running', 'Completed' FROM state_changes;
                """, rule: "history_order", on: database)
            #expect(try ledger.history(of: "d1").map(\.to) == ["queued", "live"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func runsStateCannotBeSetDirectly(_ engine: Ledger.Engine) throws {
        try withPopulatedLedger(engine) { _, database in
            try expectRefused(
                "UPDATE runs SET state = 'Completed' WHERE id = 'r1';", rule: "derived_state", on: database)
            try expectRefused(
                "UPDATE runs SET state = 'Scheduled' WHERE id = 'r1';", rule: "derived_state", on: database)
            try expectRefused("UPDATE runs SET updated_at = 0 WHERE id = 'r1';", rule: "derived_state", on: database)
            // Even to the state of the newest row of another run.
            try expectRefused("UPDATE runs SET state = 'queued' WHERE id = 'r1';", rule: "derived_state", on: database)
            // The end of a run follows its state, also for the run whose row is the ledger's newest.
            try expectRefused(
                "UPDATE runs SET ended_at = updated_at WHERE id = 'd1';", rule: "derived_state", on: database)
            try expectRefused("UPDATE runs SET ended_at = 5 WHERE id = 'r1';", rule: "derived_state", on: database)
            let ended = try database.run(
                "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('d1', 'queued', 'live');")
            try #require(ended.status == 0, "\(ended.stderr)")
            try expectRefused("UPDATE runs SET ended_at = NULL WHERE id = 'd1';", rule: "derived_state", on: database)
            try expectRefused(
                "UPDATE runs SET ended_at = ended_at + 1 WHERE id = 'd1';", rule: "derived_state", on: database)
            try expectRefused("UPDATE runs SET outcome = 'x' WHERE id = 'd1';", rule: "derived_state", on: database)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aRunsIdentityCannotChange(_ engine: Ledger.Engine) throws {
        try withPopulatedLedger(engine) { _, database in
            try expectRefused(
                "UPDATE runs SET lifecycle = 'canonical' WHERE id = 'r1';", rule: "immutable_run", on: database)
            try expectRefused("UPDATE runs SET id = 'r9' WHERE id = 'r1';", rule: "immutable_run", on: database)
            try expectRefused("UPDATE runs SET id = 'd1' WHERE id = 'r1';", rule: "immutable_run", on: database)
            if engine == .sqlite {  // SQLite's dialect: REPLACE would delete d1 to make room
                try expectRefused(
                    "UPDATE OR REPLACE runs SET id = 'd1' WHERE id = 'r1';", rule: "immutable_run", on: database)
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aTransitionFromAStateTheRunIsNotInFails(_ engine: Ledger.Engine)
        throws
    {
        try withPopulatedLedger(engine) { _, database in
            try expectRefused(
                "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('r1', 'Pending', 'Running');",
                rule: "wrong_from_state", on: database)
            try expectRefused(
                "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('r1', NULL, 'Scheduled');",
                rule: "wrong_from_state", on: database)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func anIllegalEdgeAndAnUnknownRunFail(_ engine: Ledger.Engine) throws {
        try withPopulatedLedger(engine) { _, database in
            try expectRefused(
                "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('r1', 'Running', 'Late');",
                rule: "illegal_transition", on: database)
            try expectRefused(
                "INSERT INTO state_history (run_id, from_state, to_state) VALUES ('nope', 'Running', 'Completed');",
                rule: "no_such_run", on: database)
            try expectRefused(
                "INSERT INTO state_changes (run_num, from_state, to_state) VALUES (99, 'Running', 'Completed');",
                rule: "no_such_run", on: database)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func timeCannotGoBackwardsButMayStandStill(_ engine: Ledger.Engine) throws
    {
        try withPopulatedLedger(engine) { ledger, database in
            try expectRefused(
                "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'Running', 'Completed', 1700000001999999);",
                rule: "time_backwards", on: database)
            let equal = try database.run(
                "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r1', 'Running', 'Completed', 1700000002000000);"
            )
            #expect(equal.status == 0, "\(equal.stderr)")
            let history = try ledger.history(of: "r1")
            #expect(
                history.suffix(2).map(\.at) == [
                    Timestamp(rawValue: 1_700_000_002_000_000), Timestamp(rawValue: 1_700_000_002_000_000),
                ])
            #expect(history[history.count - 1].seq > history[history.count - 2].seq)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aLifecycleThatARunUsesCannotBeAltered(_ engine: Ledger.Engine) throws
    {
        try withPopulatedLedger(engine) { _, database in
            try expectRefused(
                "UPDATE lifecycle_states SET canonical_type = 'FAILED' WHERE lifecycle = 'deploy' AND state = 'live';",
                rule: "lifecycle_in_use", on: database)
            try expectRefused(
                "DELETE FROM lifecycle_transitions WHERE lifecycle = 'deploy';", rule: "lifecycle_in_use", on: database)
            try expectRefused(
                "INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state) VALUES ('deploy', 'live', 'queued');",
                rule: "lifecycle_in_use", on: database)
            try expectRefused(
                "INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position) VALUES ('deploy', 'rolled-back', 'FAILED', 1, 0, 3);",
                rule: "lifecycle_in_use", on: database)
            try expectRefused("DELETE FROM lifecycles WHERE name = 'deploy';", rule: "lifecycle_in_use", on: database)
            try expectRefused(
                "UPDATE lifecycles SET description = 'x' WHERE name = 'deploy';", rule: "lifecycle_in_use", on: database
            )
            guard engine == .sqlite else { return }  // SQLite's dialect: REPLACE deletes to make room
            try expectRefused(
                "INSERT OR REPLACE INTO lifecycles (name) VALUES ('deploy');", rule: "duplicate_lifecycle", on: database
            )
            try expectRefused(
                "INSERT OR REPLACE INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position) VALUES ('deploy', 'live', 'FAILED', 1, 0, 2);",
                rule: "lifecycle_in_use", on: database)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func builtInLifecyclesAreImmutableEvenUnused(_ engine: Ledger.Engine)
        throws
    {
        try withPopulatedLedger(engine) { _, database in
            try expectRefused(
                "UPDATE lifecycle_states SET is_terminal = 0 WHERE lifecycle = 'domino' AND state = 'Failed';",
                rule: "lifecycle_in_use", on: database)
            try expectRefused(
                "INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state) VALUES ('domino', 'Failed', 'Queued');",
                rule: "lifecycle_in_use", on: database)
            try expectRefused(
                "DELETE FROM lifecycles WHERE name = 'openlineage';", rule: "lifecycle_in_use", on: database)
        }
    }

    // SQLite only: `REPLACE` and `PRAGMA recursive_triggers` are SQLite's (see above).
    @Test func replaceTricksCannotRewriteHistoryOrRuns() throws {
        try withPopulatedLedger(.sqlite) { _, database in
            try expectRefused(
                "INSERT OR REPLACE INTO state_changes (seq, run_num, from_state, to_state) VALUES (2, 1, 'Running', 'Completed');",
                rule: "history_order", on: database)
            try expectRefused(
                "REPLACE INTO state_changes (seq, run_num, from_state, to_state) SELECT max(seq), 1, 'Running', 'Completed' FROM state_changes;",
                rule: "history_order", on: database)
            try expectRefused(
                "INSERT OR REPLACE INTO runs (id, job, lifecycle) VALUES ('r1', 'etl', 'prefect');",
                rule: "duplicate_run", on: database)
            try expectRefused(
                "INSERT OR REPLACE INTO runs (num, id, job, lifecycle) VALUES (1, 'r2', 'etl', 'prefect');",
                rule: "duplicate_run", on: database)
            try expectRefused(
                "PRAGMA recursive_triggers = ON; INSERT OR REPLACE INTO runs (id, job, lifecycle) VALUES ('r1', 'etl', 'prefect');",
                rule: "duplicate_run", on: database)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aFailedInsertLeavesNoRowBehind(_ engine: Ledger.Engine) throws {
        try withPopulatedLedger(engine) { _, database in
            // The second run of a two-row INSERT is refused: the first must not stay either.
            try expectRefused(
                "INSERT INTO runs (id, job, lifecycle, state) VALUES ('ok', 'j', 'prefect', 'Scheduled'), ('bad', 'j', 'prefect', 'Completed');",
                rule: "not_initial", on: database)
            try expectRefused(
                "INSERT INTO runs (id, job, lifecycle) VALUES ('x', 'j', 'no-such-lifecycle');",
                rule: "no_such_lifecycle", on: database)
            #expect(
                try database.query("SELECT count(*) FROM runs WHERE id IN ('ok', 'bad', 'x');") == ["0"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aPlainSQLClientRecordsARunThatTheLibraryReadsBack(
        _ engine: Ledger.Engine
    ) throws {
        try withPopulatedLedger(engine) { ledger, _ in
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

    /// Python's sqlite3 module on SQLite, psycopg on PostgreSQL.
    @Test(arguments: Ledger.Engine.allCases) func pythonsDatabaseModuleMeetsTheSameRules(_ engine: Ledger.Engine) throws
    {
        try withPopulatedLedger(engine) { ledger, database in
            let script = """
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
                    except Refused as e:
                        refused.append(str(e).split(":")[1])
                print(",".join(refused))
                db.execute("INSERT INTO state_history (run_id, from_state, to_state, reason) VALUES ('r1', 'Running', 'Completed', 'from python')")
                print(db.execute("SELECT state FROM runs WHERE id = 'r1'").fetchone()[0])
                """
            let result = try database.python(script)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(!result.stdout.contains("ACCEPTED"))
            #expect(
                result.stdout == "append_only,append_only,derived_state,illegal_transition,time_backwards\nCompleted\n")
            #expect(try ledger.history(of: "r1").last?.reason == "from python")
        }
    }
}
