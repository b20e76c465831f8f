import Foundation
import RunLedger
import RunLedgerPostgres
import TestSupport
import Testing

/// The rules of the definitions (canonical types, lifecycles) on both engines: the same
/// built-in lifecycles, loaded from the same JSON, and the same attacks by a foreign client
/// (`sqlite3`, `psql`) refused with the same tags.
struct DefinitionRulesTests {
    /// The definitions, one text line per row, the same SQL on both engines.
    static let definitions = [
        """
        SELECT name || '|' || description || '|' || is_builtin || '|' || created_at || '|'
               || coalesce(default_max_active, -1) || '|' || coalesce(skip_state, '') || '|'
               || coalesce(skip_outcome, '') || '|' || coalesce(late_state, '') || '|' || coalesce(crash_state, '')
               || '|' || coalesce(retry_state, '') || '|' || coalesce(blocked_state, '') || '|'
               || coalesce(release_state, '') || '|' || coalesce(upstream_failed_state, '') || '|'
               || coalesce(upstream_failed_outcome, '') || '|' || coalesce(timeout_state, '') || '|'
               || coalesce(timeout_outcome, '')
        FROM lifecycles ORDER BY name
        """,
        """
        SELECT lifecycle || '|' || state || '|' || canonical_type || '|' || is_terminal || '|' || is_initial
               || '|' || position || '|' || description
        FROM lifecycle_states ORDER BY lifecycle, position
        """,
        """
        SELECT lifecycle || '|' || from_state || '|' || to_state || '|' || coalesce(action, '') || '|' || description
        FROM lifecycle_transitions ORDER BY lifecycle, from_state, to_state, coalesce(action, '')
        """,
        """
        SELECT lifecycle || '|' || outcome || '|' || canonical_type || '|' || description
        FROM lifecycle_outcomes ORDER BY lifecycle, outcome
        """,
    ]

    @Test func theBuiltinLifecyclesAreTheSQLiteLedgers() throws {
        let sqlite = try withSQLiteLedger { path in
            try Self.definitions.map { sql -> [String] in
                let result = try sqlite3(sql, on: path)
                try #require(result.status == 0, "\(result.stderr)")
                return result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    .filter { !$0.isEmpty }
            }
        }
        let postgres = try withPostgresLedger { connection, _ in
            try Self.definitions.map { sql in try connection.query(sql).rows.map { $0[0] ?? "" } }
        }
        #expect(postgres[0].count == 6)
        #expect(postgres[2].count > 100)
        for (have, want) in zip(postgres, sqlite) { #expect(have == want) }
    }

    /// Attacks on the definitions, in SQL both engines take, each with the tag it must be
    /// refused with.
    static let attacks: [(sql: String, tag: String)] = [
        ("UPDATE canonical_types SET is_terminal = 0 WHERE name = 'FAILED'", "immutable_definition"),
        ("DELETE FROM canonical_types WHERE name = 'SKIPPED'", "immutable_definition"),
        ("INSERT INTO canonical_types VALUES ('PAUSED', 9, 0, 'x')", "immutable_definition"),
        (
            "UPDATE lifecycle_states SET is_terminal = 0 WHERE lifecycle = 'prefect' AND state = 'Completed'",
            "lifecycle_in_use"
        ),
        (
            "INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state) VALUES ('prefect', 'Completed', 'Running')",
            "lifecycle_in_use"
        ),
        ("DELETE FROM lifecycles WHERE name = 'prefect'", "lifecycle_in_use"),
        ("UPDATE lifecycles SET skip_state = NULL WHERE name = 'databricks'", "lifecycle_in_use"),
        ("DELETE FROM lifecycle_outcomes WHERE lifecycle = 'databricks'", "lifecycle_in_use"),
        ("INSERT INTO lifecycles (name) VALUES ('prefect')", "duplicate_lifecycle"),
        (
            "INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position) VALUES ('nope', 'a', 'PENDING', 0, 1, 1)",
            "no_such_lifecycle"
        ),
        (
            "INSERT INTO lifecycles (name) VALUES ('deploy'); INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position) VALUES ('deploy', 'a', 'PENDING', 0, 1, 1), ('deploy', 'a', 'RUNNING', 0, 0, 2)",
            "duplicate_state"
        ),
        (
            "INSERT INTO lifecycles (name) VALUES ('deploy'); INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position) VALUES ('deploy', 'a', 'PAUSED', 0, 1, 1)",
            "bad_value"
        ),
        (
            "INSERT INTO lifecycles (name) VALUES ('deploy'); INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position) VALUES ('deploy', 'a', 'PENDING', 0, 1, 1); INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state) VALUES ('deploy', 'a', 'b')",
            "no_such_state"
        ),
        (
            "INSERT INTO lifecycles (name) VALUES ('deploy'); INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position) VALUES ('deploy', 'a', 'PENDING', 0, 1, 1); UPDATE lifecycles SET skip_state = 'gone' WHERE name = 'deploy'",
            "no_such_state"
        ),
        (
            "INSERT INTO lifecycles (name) VALUES ('deploy'); INSERT INTO lifecycle_outcomes (lifecycle, outcome, canonical_type) VALUES ('deploy', 'OK', 'RUNNING')",
            "bad_value"
        ),
        (
            "INSERT INTO lifecycles (name) VALUES ('deploy'); INSERT INTO lifecycle_outcomes (lifecycle, outcome, canonical_type) VALUES ('deploy', 'OK', 'COMPLETED'), ('deploy', 'OK', 'FAILED')",
            "duplicate_outcome"
        ),
    ]

    @Test(arguments: attacks.indices)
    func anAttackOnTheDefinitionsIsRefusedWithTheSameTagOnBothEngines(_ index: Int) throws {
        let (sql, tag) = Self.attacks[index]
        let sqlite = try withSQLiteLedger { path in try sqlite3(sql, on: path) }
        #expect(sqlite.status != 0, "SQLite accepted: \(sql)")
        #expect(sqlite.stderr.contains("runledger:\(tag):"), "SQLite: \(sqlite.stderr)")
        try withPostgresLedger { connection, schema in
            let before = try Self.definitions.map { try connection.query($0).rows }
            let refused = try psql(sql, in: schema)
            #expect(refused.status != 0, "PostgreSQL accepted: \(sql)")
            #expect(refused.stderr.contains("RL000: runledger:\(tag):"), "PostgreSQL: \(refused.stderr)")
            #expect(try Self.definitions.map { try connection.query($0).rows } == before)
        }
    }

    @Test func truncateCannotEmptyADefinitionsTable() throws {
        try withPostgresLedger { connection, _ in
            for table in [
                "canonical_types", "lifecycles", "lifecycle_states", "lifecycle_transitions", "lifecycle_outcomes",
            ] {
                let error = try #require(throws: PostgresError.self) {
                    try connection.execute("TRUNCATE \(table) CASCADE")
                }
                #expect(error.sqlState == "RL000")
                #expect(error.message.hasPrefix("runledger:"), "\(error.message)")
            }
            #expect(try connection.query("SELECT count(*) FROM lifecycles").scalar == "6")
        }
    }

    @Test func aLifecycleOfOneselfIsDefinedThenSealedByARun() throws {
        try withPostgresLedger { connection, _ in
            try connection.execute(
                """
                INSERT INTO lifecycles (name) VALUES ('deploy');
                INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position)
                VALUES ('deploy', 'queued', 'PENDING', 0, 1, 1), ('deploy', 'live', 'COMPLETED', 1, 0, 2);
                INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state) VALUES ('deploy', 'queued', 'live');
                UPDATE lifecycles SET description = 'ship it' WHERE name = 'deploy';
                """)
            try connection.query("INSERT INTO runs (id, job, lifecycle) VALUES ($1, $2, $3)", ["d1", "web", "deploy"])
            let error = try #require(throws: PostgresError.self) {
                try connection.execute("UPDATE lifecycle_states SET description = 'x' WHERE lifecycle = 'deploy'")
            }
            #expect(error.message.hasPrefix("runledger:lifecycle_in_use:"))
            #expect(error.detail == "lifecycle deploy is used by a run")
        }
    }
}
