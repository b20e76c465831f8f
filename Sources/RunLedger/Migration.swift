/// One versioned step of the ledger schema: the text of `Migrations/sqlite/NNNN_name.sql`,
/// compiled into the library at build time (see `MigrationsPlugin`). Tables, indexes and
/// data; frozen once shipped.
struct Migration: Sendable {
    /// The step's number; steps apply in order 1, 2, 3...
    let version: Int
    /// The file's name after the number (`ledger`, `prefect_lifecycle`).
    let name: String
    /// The SQL, exactly as in the file.
    let sql: String

    /// The SHA-256 of the SQL text, recorded when the step is applied and compared on every
    /// open: a ledger whose applied step differs from this library's is refused.
    var checksum: String { SHA256.hex(sql.utf8) }

    /// Every migration of the ledger schema (`Migrations/sqlite/`), in the order they apply.
    static let all = EmbeddedSchema.migrationFiles.map { Migration(version: $0.version, name: $0.name, sql: $0.sql) }
}

/// The ledger's rules: every trigger and view, `Migrations/sqlite/rules/*.sql`, one file
/// per table they guard. Current code, not history: installed whole, after the versioned
/// migrations, whenever the file's recorded rules differ from these (see `Migrator`).
struct RulesSet: Sendable {
    /// One file of the set.
    struct File: Sendable {
        /// The file's name without `.sql` (`runs`, `state_changes`).
        let name: String
        /// The SQL, exactly as in the file.
        let sql: String
    }

    /// `Migrations/sqlite/rules/VERSION`: raised with every change of the rules, so that an
    /// older library refuses a ledger whose rules are newer than its own.
    let version: Int
    /// The files, in the order they are installed (by name).
    let files: [File]

    /// The rules set of this library (`Migrations/sqlite/rules/`).
    static let current = RulesSet(
        version: EmbeddedSchema.rulesVersion,
        files: EmbeddedSchema.ruleFiles.map { File(name: $0.name, sql: $0.sql) })

    /// The first versioned migration that records the rules (`schema_rules`); a ledger
    /// migrated only to an earlier version keeps the triggers of its migrations.
    static let firstMigration = 10

    /// The SHA-256 of the whole set: each file's name and text, in order (computed once).
    let checksum: String

    init(version: Int, files: [File]) {
        self.version = version
        self.files = files
        var text = ""
        for file in files { text += "-- \(file.name).sql\n\(file.sql)\n" }
        checksum = SHA256.hex(text.utf8)
    }
}
