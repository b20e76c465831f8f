/// The SQL of `Ledger.verify()`: each check is one query over the file.
extension Store {
    /// Checks every rule over the whole file, as `Ledger.verify(limit:)` describes.
    func verify(limit: Int) throws -> VerificationReport {
        var verifier = Verifier(connection: connection, limit: limit)
        return try verifier.run()
    }
}

/// The checks of `Ledger.verify()`, each one SQL query over the file.
private struct Verifier {
    let connection: Database
    let limit: Int
    var problems: [LedgerProblem] = []
    var isTruncated = false

    init(connection: Database, limit: Int) {
        self.connection = connection
        self.limit = max(1, limit)
    }

    mutating func run() throws -> VerificationReport {
        if let sqlite = connection.sqlite {
            try checkIntegrity()
            try checkSchema(of: sqlite)
        } else {
            for detail in try connection.remoteSchemaProblems() { report(.schema, detail) }
            let reference = try Connection(path: ":memory:", mode: .readWrite(create: true))
            try Migrator().migrate(reference)
            let server = connection
            try checkBuiltinLifecycles(Self.portableDefinitions, reference: reference) { sql in
                try server.prepare(sql).fetchAll { row in (0..<row.columnCount).map { row.optionalString(at: $0) } }
            }
        }
        try checkHistoryChains()
        try checkRunsFollowTheirHistory()
        try checkReferencesAndValues()
        try checkStats()
        return VerificationReport(
            runs: Int(try count("SELECT count(*) FROM runs")),
            changes: Int(try count("SELECT count(*) FROM state_changes")),
            problems: problems, isTruncated: isTruncated)
    }

    private mutating func report(_ rule: Rule, runID: String? = nil, seq: Int64? = nil, _ detail: String) {
        report(check: rule.rawValue, runID: runID, seq: seq, detail)
    }

    private mutating func report(_ check: Check, runID: String? = nil, seq: Int64? = nil, _ detail: String) {
        report(check: check.rawValue, runID: runID, seq: seq, detail)
    }

    private mutating func report(check: String, runID: String?, seq: Int64?, _ detail: String) {
        guard problems.count < limit else {
            isTruncated = true
            return
        }
        problems.append(LedgerProblem(check: check, runID: runID, seq: seq, detail: detail))
    }

    /// The checks that are not rules of the triggers.
    enum Check: String {
        case schema
        case builtinLifecycle = "builtin_lifecycle"
        case lifecycleDefinition = "lifecycle_definition"
        case integrity
        case foreignKey = "foreign_key"
        case stats
    }

    private func count(_ sql: String) throws -> Int64 {
        try connection.prepare(sql).fetchOne { $0.int64(at: 0) } ?? 0
    }

    /// Rows of a query, each as text values (NULL as nil).
    private func rows(_ sql: String) throws -> [[String?]] {
        try connection.prepare(sql).fetchAll { row in (0..<row.columnCount).map { row.optionalString(at: $0) } }
    }

    // MARK: - The checks

    private mutating func checkIntegrity() throws {
        guard let file = connection.sqlite else { return }
        for row in try Self.rows("PRAGMA integrity_check", on: file) where row.first != "ok" {
            report(.integrity, "SQLite's integrity check: \(row.first.flatMap { $0 } ?? "?").")
        }
        for row in try Self.rows("PRAGMA foreign_key_check", on: file) {
            report(
                .foreignKey,
                "A row of \(row[0] ?? "?") (rowid \(row[1] ?? "?")) refers to a missing row of \(row[2] ?? "?").")
        }
    }

    /// Compares the file's triggers, views, tables, indexes and built-in lifecycles with a
    /// ledger made fresh from this library's migrations.
    private mutating func checkSchema(of file: Connection) throws {
        let reference = try Connection(path: ":memory:", mode: .readWrite(create: true))
        try Migrator().migrate(reference)
        let objects = "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        let expected = try Self.rows(objects, on: reference)
        var actual: [String: String?] = [:]
        var actualTypes: [String: String] = [:]
        for row in try Self.rows(objects, on: file) {
            actual[row[1] ?? ""] = row[2]
            actualTypes[row[1] ?? ""] = row[0] ?? ""
        }
        let expectedNames = Set(expected.map { $0[1] ?? "" })
        for row in expected {
            let (type, name, sql) = (row[0] ?? "", row[1] ?? "", row[2])
            guard let found = actual[name] else {
                report(.schema, "The \(type) \(name) is missing.")
                continue
            }
            if found != sql { report(.schema, "The \(type) \(name) differs from runledger's definition.") }
        }
        for (name, type) in actualTypes.sorted(by: { $0.key < $1.key })
        where type == "trigger" && !expectedNames.contains(name) {
            report(.schema, "The trigger \(name) is not runledger's.")
        }
        try checkBuiltinLifecycles(Self.definitions, reference: reference) { try Self.rows($0, on: file) }
    }

    /// The built-in lifecycles, row by row: a name, then its values (SQLite's `quote`).
    static let definitions = [
        "SELECT 'canonical type ' || name, quote(position) || quote(is_terminal) || quote(description) FROM canonical_types",
        """
        SELECT 'lifecycle ' || name, quote(description) || quote(is_builtin) || quote(created_at)
        FROM lifecycles WHERE name IN (SELECT name FROM lifecycles WHERE is_builtin = 1)
        """,
        """
        SELECT 'state ' || lifecycle || '.' || state,
               quote(canonical_type) || quote(is_terminal) || quote(is_initial) || quote(position) || quote(description)
        FROM lifecycle_states WHERE lifecycle IN (SELECT name FROM lifecycles WHERE is_builtin = 1)
        """,
        """
        SELECT 'transition ' || lifecycle || ': ' || from_state || ' -> ' || to_state || coalesce(' by ' || action, ''),
               quote(description)
        FROM lifecycle_transitions WHERE lifecycle IN (SELECT name FROM lifecycles WHERE is_builtin = 1)
        """,
    ]

    /// The same in SQL that both engines run alike, to hold a server's ledger to a SQLite
    /// reference (no `quote`: each value as text, a missing description as empty).
    static let portableDefinitions: [String] = {
        func text(_ columns: [String]) -> String {
            columns.map { "coalesce(CAST(\($0) AS text), '')" }.joined(separator: " || '|' || ")
        }
        return [
            "SELECT 'canonical type ' || name, \(text(["position", "is_terminal", "description"])) FROM canonical_types",
            """
            SELECT 'lifecycle ' || name, \(text(["description", "is_builtin", "created_at"]))
            FROM lifecycles WHERE name IN (SELECT name FROM lifecycles WHERE is_builtin = 1)
            """,
            """
            SELECT 'state ' || lifecycle || '.' || state,
                   \(text(["canonical_type", "is_terminal", "is_initial", "position", "description"]))
            FROM lifecycle_states WHERE lifecycle IN (SELECT name FROM lifecycles WHERE is_builtin = 1)
            """,
            """
            SELECT 'transition ' || lifecycle || ': ' || from_state || ' -> ' || to_state || coalesce(' by ' || action, ''),
                   \(text(["description"]))
            FROM lifecycle_transitions WHERE lifecycle IN (SELECT name FROM lifecycles WHERE is_builtin = 1)
            """,
        ]
    }()

    /// Compares the ledger's built-in lifecycles (read by `ledger`) with the reference's.
    private mutating func checkBuiltinLifecycles(
        _ definitions: [String], reference: Connection, ledger: (String) throws -> [[String?]]
    ) throws {
        for sql in definitions {
            let want = Dictionary(try Self.rows(sql, on: reference).map { ($0[0] ?? "", $0[1]) }) { first, _ in first }
            let have = Dictionary(try ledger(sql).map { ($0[0] ?? "", $0[1]) }) { first, _ in first }
            for (key, value) in want.sorted(by: { $0.key < $1.key }) {
                guard let found = have[key] else {
                    report(.builtinLifecycle, "The built-in \(key) is missing.")
                    continue
                }
                if found != value { report(.builtinLifecycle, "The built-in \(key) was altered.") }
            }
            for key in have.keys.sorted() where want[key] == nil {
                report(.builtinLifecycle, "The \(key) was added to a built-in lifecycle.")
            }
        }
    }

    private static func rows(_ sql: String, on connection: Connection) throws -> [[String?]] {
        try connection.prepare(sql).fetchAll { row in (0..<row.columnCount).map { row.optionalString(at: $0) } }
    }

    /// Each history row against the one before it in its run.
    private mutating func checkHistoryChains() throws {
        try connection.prepare(
            """
            WITH ordered AS (
                SELECT seq, run_num, from_state, to_state, at, action,
                       lag(seq) OVER (PARTITION BY run_num ORDER BY seq) AS previous_seq
                FROM state_changes
            )
            SELECT c.seq, r.id, c.from_state, c.to_state, c.action, p.to_state, c.at < p.at,
                   EXISTS (SELECT 1 FROM lifecycle_states s
                           WHERE s.lifecycle = r.lifecycle AND s.state = c.to_state AND s.is_initial = 1),
                   EXISTS (SELECT 1 FROM lifecycle_transitions t
                           WHERE t.lifecycle = r.lifecycle AND t.from_state = c.from_state
                             AND t.to_state = c.to_state AND t.action IS NOT DISTINCT FROM c.action),
                   c.previous_seq IS NULL
            FROM ordered AS c
            JOIN runs AS r ON r.num = c.run_num
            LEFT JOIN state_changes AS p ON p.seq = c.previous_seq
            WHERE (c.previous_seq IS NULL
                   AND (c.from_state IS NOT NULL OR NOT EXISTS (
                        SELECT 1 FROM lifecycle_states s
                        WHERE s.lifecycle = r.lifecycle AND s.state = c.to_state AND s.is_initial = 1)))
               OR (c.previous_seq IS NOT NULL
                   AND (c.from_state IS DISTINCT FROM p.to_state OR c.at < p.at OR NOT EXISTS (
                        SELECT 1 FROM lifecycle_transitions t
                        WHERE t.lifecycle = r.lifecycle AND t.from_state = c.from_state
                          AND t.to_state = c.to_state AND t.action IS NOT DISTINCT FROM c.action)))
            ORDER BY c.seq
            """
        ).forEachRow { row in
            let seq = row.int64(at: 0)
            let runID = row.string(at: 1)
            let from = row.optionalString(at: 2)
            let to = row.string(at: 3)
            let action = row.optionalString(at: 4)
            let previousTo = row.optionalString(at: 5)
            let isFirst = row.int64(at: 9) != 0
            let edge = "\(from ?? "(start)") -> \(to)\(action.map { " by \($0)" } ?? "")"
            if isFirst {
                if from != nil {
                    report(
                        .wrongFromState, runID: runID, seq: seq,
                        "The first row of run \(runID) leaves \(from ?? "") instead of starting the run.")
                }
                if row.int64(at: 7) == 0 {
                    report(.notInitial, runID: runID, seq: seq, "Run \(runID) starts in \(to), not an initial state.")
                }
                return
            }
            if from != previousTo {
                report(
                    .wrongFromState, runID: runID, seq: seq,
                    "Row \(seq) of run \(runID) leaves \(from ?? "nothing") but the run was in \(previousTo ?? "nothing")."
                )
            }
            if row.int64(at: 6) != 0 {
                report(
                    .timeBackwards, runID: runID, seq: seq,
                    "Row \(seq) of run \(runID) is earlier than the row before it.")
            }
            if row.int64(at: 8) == 0 {
                report(
                    .illegalTransition, runID: runID, seq: seq,
                    "Row \(seq) of run \(runID) records \(edge), which its lifecycle does not allow.")
            }
        }
    }

    private mutating func checkRunsFollowTheirHistory() throws {
        for row in try rows(
            """
            SELECT r.id, r.state, l.to_state FROM runs AS r
            JOIN state_changes AS l ON l.seq = (SELECT max(seq) FROM state_changes WHERE run_num = r.num)
            WHERE r.state IS DISTINCT FROM l.to_state OR r.updated_at IS DISTINCT FROM l.at
            """)
        {
            report(
                .derivedState, runID: row[0],
                "Run \(row[0] ?? "") is in \(row[1] ?? "no state") but its last history row entered \(row[2] ?? "?").")
        }
        for row in try rows(
            "SELECT id FROM runs AS r WHERE NOT EXISTS (SELECT 1 FROM state_changes WHERE run_num = r.num)")
        {
            report(.derivedState, runID: row[0], "Run \(row[0] ?? "") has no history.")
        }
        for row in try rows(
            "SELECT c.seq, c.run_num FROM state_changes AS c WHERE NOT EXISTS (SELECT 1 FROM runs WHERE num = c.run_num)"
        ) {
            report(
                .noSuchRun, seq: Int64(row[0] ?? ""),
                "History row \(row[0] ?? "") belongs to no run (run_num \(row[1] ?? "")).")
        }
    }

    /// The stats tables hold what the runs and their history say: per key and bucket, the
    /// same count and sum, and a smallest and largest that bound the durations (a prune or
    /// a reopened run loosens them, but never inward).
    private mutating func checkStats() throws {
        // The rules' bucket, computed here on its own. PostgreSQL takes the digits of a bigint
        // only from its text.
        let bucket =
            connection.engine == .sqlite
            ? "CASE WHEN d < 1000 THEN d ELSE length(d) * 1000 + substr(d, 1, 3) END"
            : "CASE WHEN d < 1000 THEN d ELSE length(d::text) * 1000 + substr(d::text, 1, 3)::bigint END"
        let tables = [
            (
                table: "stats_run_durations", count: "runs", key: ["job", "lifecycle", "state", "outcome"],
                source: """
                SELECT job, lifecycle, state, coalesce(outcome, '') AS outcome, ended_at - created_at AS d
                FROM runs WHERE ended_at IS NOT NULL
                """
            ),
            (
                table: "stats_state_durations", count: "stays", key: ["job", "lifecycle", "state"],
                source: """
                SELECT * FROM (
                    SELECT r.job, r.lifecycle, c.to_state AS state,
                           lead(c.at) OVER (PARTITION BY c.run_num ORDER BY c.seq) - c.at AS d
                    FROM state_changes AS c JOIN runs AS r ON r.num = c.run_num
                ) AS stays WHERE d IS NOT NULL
                """
            ),
        ]
        for (table, count, key, source) in tables {
            let columns = key.joined(separator: ", ")
            let join = (key + ["bucket"]).map { "s.\($0) = e.\($0)" }.joined(separator: " AND ")
            let sql = """
                WITH expected AS (
                    SELECT \(columns), \(bucket) AS bucket, count(*) AS n, sum(d) AS total, min(d) AS low, max(d) AS high
                    FROM (\(source)) AS durations GROUP BY \(columns), bucket
                )
                SELECT \(key.map { "e.\($0)" }.joined(separator: ", ")), e.n, s.\(count) FROM expected AS e
                LEFT JOIN \(table) AS s ON \(join)
                WHERE s.\(count) IS DISTINCT FROM e.n OR s.total_us IS DISTINCT FROM e.total OR s.min_us > e.low
                   OR s.max_us < e.high
                UNION ALL
                SELECT \(key.map { "s.\($0)" }.joined(separator: ", ")), 0, s.\(count) FROM \(table) AS s
                WHERE NOT EXISTS (SELECT 1 FROM expected AS e WHERE \(join))
                """
            var seen: Set<[String?]> = []
            for row in try rows(sql) {
                let name = Array(row.prefix(key.count))
                guard seen.insert(name).inserted else { continue }
                let what = zip(key, name).map { "\($0) \($1 ?? "NULL")" }.joined(separator: ", ")
                report(
                    .stats,
                    "\(table) disagrees with the history for \(what): a bucket counts \(row[key.count + 1] ?? "nothing") "
                        + "where the history has \(row[key.count] ?? "?").")
            }
        }
    }

    private mutating func checkReferencesAndValues() throws {
        for row in try rows("SELECT id, lifecycle FROM runs WHERE lifecycle NOT IN (SELECT name FROM lifecycles)") {
            report(
                .noSuchLifecycle, runID: row[0],
                "Run \(row[0] ?? "") uses lifecycle \(row[1] ?? ""), which does not exist.")
        }
        for row in try rows(
            "SELECT id, parent_id FROM runs WHERE parent_id IS NOT NULL AND parent_id NOT IN (SELECT id FROM runs)")
        {
            report(
                .noSuchRun, runID: row[0], "Run \(row[0] ?? "") names parent \(row[1] ?? ""), which does not exist.")
        }
        for row in try rows(
            "SELECT lifecycle, state, canonical_type FROM lifecycle_states WHERE canonical_type NOT IN (SELECT name FROM canonical_types)"
        ) {
            report(
                .lifecycleDefinition,
                "State \(row[0] ?? "").\(row[1] ?? "") has an unknown canonical type \(row[2] ?? "").")
        }
        for row in try rows(
            """
            SELECT lifecycle, from_state, to_state FROM lifecycle_transitions AS t
            WHERE NOT EXISTS (SELECT 1 FROM lifecycle_states WHERE lifecycle = t.lifecycle AND state = t.from_state)
               OR NOT EXISTS (SELECT 1 FROM lifecycle_states WHERE lifecycle = t.lifecycle AND state = t.to_state)
            """)
        {
            report(
                .lifecycleDefinition,
                "Transition \(row[1] ?? "") -> \(row[2] ?? "") of \(row[0] ?? "") joins a state the lifecycle lacks.")
        }
        for row in try rows("SELECT id FROM runs WHERE meta IS NOT NULL AND NOT json_valid(meta)") {
            report(.badValue, runID: row[0], "Run \(row[0] ?? "") has metadata that is not valid JSON.")
        }
        for row in try rows("SELECT seq FROM state_changes WHERE meta IS NOT NULL AND NOT json_valid(meta)") {
            report(
                .badValue, seq: Int64(row[0] ?? ""),
                "History row \(row[0] ?? "") has metadata that is not valid JSON.")
        }
        for row in try rows("SELECT seq FROM state_changes WHERE seq < 1 OR at < 0") {
            report(
                .historyOrder, seq: Int64(row[0] ?? ""),
                "History row \(row[0] ?? "") has a seq below 1 or a time before 1970.")
        }
    }
}
