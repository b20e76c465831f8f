public import RunLedger

/// The ledger's schema on PostgreSQL, compiled in by `MigrationsPlugin`: its versioned
/// migrations (`Migrations/postgres/NNNN_name.sql`: the tables, with the SQLite file's names
/// and columns), its rules set (`Migrations/postgres/rules/*.sql`: triggers, functions and
/// views, current code installed whole, as on SQLite) and the six built-in lifecycles,
/// loaded from the same JSON as a SQLite ledger's (`Migrations/lifecycles/`).
///
/// A ledger records what it has as a SQLite file does: `schema_migrations` (each migration's
/// version, name and SHA-256) and `schema_rules` (the rules set's version and SHA-256).
/// Everything pending is applied in one transaction, under an advisory lock, so that
/// several hosts opening a fresh database at once make one ledger.
public enum PostgresSchema {
    /// The advisory lock key of a schema install ("RUNL" in ASCII).
    static let installLock: Int64 = 0x5255_4E4C

    /// Makes a ledger in the connection's current schema, in one transaction: every
    /// migration, then the rules set, then the built-in lifecycles, loaded through the rules,
    /// and the records of all three.
    ///
    /// - Throws: ``PostgresError`` when a statement fails (nothing is then applied).
    public static func apply(on connection: PGConnection) throws {
        try connection.transaction {
            try connection.query("SELECT pg_advisory_xact_lock($1)", [String(installLock)])
            try install(on: connection)
        }
    }

    /// The SHA-256 of the rules set: each file's name and text, in order (as SQLite's).
    static let rulesChecksum: String = {
        var text = ""
        for file in ruleFiles { text += "-- \(file.name).sql\n\(file.sql)\n" }
        return SHA256.hex(text.utf8)
    }()

    /// The newest migration's version.
    static var latestVersion: Int { migrationFiles.last?.version ?? 0 }

    private static func install(on connection: PGConnection) throws {
        try createRecords(on: connection)
        for migration in migrationFiles { try applyMigration(migration, on: connection) }
        try installRules(on: connection)
        for lifecycle in lifecycleFiles {
            try connection.query("SELECT load_lifecycle($1::jsonb, true)", [lifecycle.json])
        }
    }

    private static func createRecords(on connection: PGConnection) throws {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at bigint NOT NULL
            );
            CREATE TABLE IF NOT EXISTS schema_rules (
                id           integer PRIMARY KEY CHECK (id = 1),
                version      integer NOT NULL,
                checksum     text NOT NULL,
                views        text NOT NULL,
                installed_at bigint NOT NULL
            )
            """)
    }

    private static func applyMigration(
        _ migration: (version: Int, name: String, sql: String), on connection: PGConnection
    ) throws {
        try connection.execute(migration.sql)
        try connection.query(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
            [String(migration.version), migration.name, SHA256.hex(migration.sql.utf8), String(Timestamp.now.rawValue)])
    }

    /// Drops every trigger on the ledger's tables and every view of the schema, then runs
    /// the rules files and records them.
    private static func installRules(on connection: PGConnection) throws {
        try connection.execute(
            """
            DO $$
            DECLARE
                item record;
            BEGIN
                FOR item IN
                    SELECT t.tgname, c.relname FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid
                    WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal
                LOOP
                    EXECUTE format('DROP TRIGGER %I ON %I', item.tgname, item.relname);
                END LOOP;
                FOR item IN SELECT viewname FROM pg_views WHERE schemaname = current_schema() LOOP
                    EXECUTE format('DROP VIEW IF EXISTS %I CASCADE', item.viewname);
                END LOOP;
            END $$
            """)
        for file in ruleFiles { try connection.execute(file.sql) }
        try connection.query(
            """
            INSERT INTO schema_rules (id, version, checksum, views, installed_at) VALUES (1, $1, $2, '[]', $3)
            ON CONFLICT (id) DO UPDATE SET version = excluded.version, checksum = excluded.checksum,
                installed_at = excluded.installed_at
            """, [String(rulesVersion), rulesChecksum, String(Timestamp.now.rawValue)])
    }

    /// Opens the ledger in the connection's current schema: creates it (`.create`), brings
    /// it up to date (`.create`, `.readWrite`), or checks that it is (`.readOnly`).
    static func open(_ connection: PGConnection, location: String, mode: Ledger.Configuration.Mode) throws {
        func state() throws -> (migrations: [Int: String]?, rules: (version: Int, checksum: String)?, tables: Int) {
            let tables =
                Int(
                    try connection.query(
                        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
                    ).scalar ?? "0") ?? 0
            guard try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL").scalar == "t" else {
                return (nil, nil, tables)
            }
            var migrations: [Int: String] = [:]
            for row in try connection.query("SELECT version, checksum FROM schema_migrations").rows {
                migrations[Int(row[0] ?? "") ?? 0] = row[1] ?? ""
            }
            let rules = try connection.query("SELECT version, checksum FROM schema_rules WHERE id = 1").rows.first
            return (migrations, rules.map { (Int($0[0] ?? "") ?? 0, $0[1] ?? "") }, tables)
        }
        func check(_ found: (migrations: [Int: String]?, rules: (version: Int, checksum: String)?, tables: Int))
            throws -> Bool
        {
            guard let migrations = found.migrations else {
                if found.tables > 0 { throw LedgerError.notALedger(path: location) }
                if mode != .create { throw LedgerError.noSuchLedger(path: location) }
                return true
            }
            let newest = migrations.keys.max() ?? 0
            if newest > latestVersion {
                throw LedgerError.schemaTooNew(path: location, version: newest, supported: latestVersion)
            }
            for migration in migrationFiles {
                if let checksum = migrations[migration.version], checksum != SHA256.hex(migration.sql.utf8) {
                    throw LedgerError.migrationChanged(path: location, version: migration.version, name: migration.name)
                }
            }
            if let rules = found.rules, rules.version > rulesVersion {
                throw LedgerError.rulesTooNew(path: location, version: rules.version, supported: rulesVersion)
            }
            let pending = newest < latestVersion || found.rules?.checksum != rulesChecksum
            if pending, mode == .readOnly {
                throw LedgerError.schemaTooOld(path: location, version: newest, required: latestVersion)
            }
            return pending
        }
        guard try check(try state()) else { return }
        try connection.transaction {
            try connection.query("SELECT pg_advisory_xact_lock($1)", [String(installLock)])
            // Another host may have installed or upgraded it while this one waited.
            let found = try state()
            guard try check(found) else { return }
            guard let migrations = found.migrations else { return try install(on: connection) }
            for migration in migrationFiles where migrations[migration.version] == nil {
                try applyMigration(migration, on: connection)
            }
            try installRules(on: connection)
        }
    }

    // MARK: - What verify checks

    /// A trigger of the rules set: its name and table.
    struct Trigger: Hashable {
        let name: String
        let table: String
    }

    /// The triggers and functions the rules set creates, read from its SQL: each trigger by
    /// name and table, each function by name with its body (what `pg_proc.prosrc` holds).
    static let expected: (triggers: Set<Trigger>, functions: [String: String]) = {
        var triggers: Set<Trigger> = []
        var functions: [String: String] = [:]
        for file in ruleFiles {
            let sql = Substring(file.sql)
            var rest = sql[...]
            while let range = rest.firstRange(of: "CREATE TRIGGER ") {
                let after = rest[range.upperBound...]
                let name = after.prefix { !$0.isWhitespace }
                if let on = after.firstRange(of: " ON ") {
                    let table = after[on.upperBound...].prefix { !$0.isWhitespace && $0 != "\n" }
                    triggers.insert(Trigger(name: String(name), table: String(table)))
                }
                rest = after
            }
            rest = sql[...]
            while let range = rest.firstRange(of: "CREATE OR REPLACE FUNCTION ") {
                let after = rest[range.upperBound...]
                let name = after.prefix { $0 != "(" && !$0.isWhitespace }
                rest = after
                guard let bodyStart = after.firstRange(of: "AS $") else { continue }
                let tagEnd = after[bodyStart.upperBound...].firstIndex(of: "$") ?? bodyStart.upperBound
                let tag = "$" + after[bodyStart.upperBound..<tagEnd] + "$"
                let body = after[after.index(after: tagEnd)...]
                guard let close = body.firstRange(of: tag) else { continue }
                functions[String(name)] = String(body[..<close.lowerBound])
                rest = body[close.upperBound...]
            }
        }
        return (triggers, functions)
    }()

    /// What differs between the ledger's rules in the current schema and this library's:
    /// a rules set recorded with another checksum, a trigger missing, disabled (`ALTER
    /// TABLE … DISABLE TRIGGER`, or set to fire only for replication), or not runledger's,
    /// a function whose body was replaced.
    static func problems(on connection: PGConnection) throws -> [String] {
        var problems: [String] = []
        let recorded = try connection.query("SELECT checksum FROM schema_rules WHERE id = 1").scalar
        if recorded != rulesChecksum { problems.append("The recorded rules set is not runledger's (schema_rules).") }
        var found: [Trigger: String] = [:]
        for row in try connection.query(
            """
            SELECT t.tgname, c.relname, t.tgenabled::text FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid
            WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal
            """
        ).rows {
            found[Trigger(name: row[0] ?? "", table: row[1] ?? "")] = row[2] ?? ""
        }
        for trigger in expected.triggers.sorted(by: { ($0.table, $0.name) < ($1.table, $1.name) }) {
            switch found[trigger] {
            case nil: problems.append("The trigger \(trigger.name) on \(trigger.table) is missing.")
            case "D": problems.append("The trigger \(trigger.name) on \(trigger.table) is disabled.")
            case "R": problems.append("The trigger \(trigger.name) on \(trigger.table) fires only for replication.")
            default: break
            }
        }
        for trigger in found.keys.sorted(by: { ($0.table, $0.name) < ($1.table, $1.name) })
        where !expected.triggers.contains(trigger) {
            problems.append("The trigger \(trigger.name) on \(trigger.table) is not runledger's.")
        }
        var bodies: [String: [String]] = [:]
        for row in try connection.query(
            "SELECT proname, prosrc FROM pg_proc WHERE pronamespace = current_schema()::regnamespace"
        ).rows {
            bodies[row[0] ?? "", default: []].append(row[1] ?? "")
        }
        for (name, body) in expected.functions.sorted(by: { $0.key < $1.key }) {
            guard let have = bodies[name] else {
                problems.append("The function \(name) is missing.")
                continue
            }
            if !have.contains(body) { problems.append("The function \(name) differs from runledger's definition.") }
        }
        return problems
    }
}
