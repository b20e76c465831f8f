/// Brings a ledger file to the schema this library carries, or refuses it.
///
/// The schema has two parts (see `Migrations/`):
/// - the versioned migrations, `Migrations/sqlite/NNNN_name.sql`: tables, indexes and data,
///   each applied once and recorded in `schema_migrations` (version, name, SHA-256 of its
///   SQL, time). A shipped migration never changes: migrations describe the file's past
///   states, the rules its present one.
/// - the rules set, `Migrations/sqlite/rules/*.sql`: every trigger and view, current code.
///   When the file's recorded rules (`schema_rules`: version, checksum) differ from this
///   library's, every trigger and the rules' views are dropped and the whole set installed
///   again. (Flyway's repeatable migrations work the same way.)
///
/// Everything pending, migrations and rules, happens in one `IMMEDIATE` transaction, so a
/// crash leaves the file as it was and no reader ever sees a half-made ledger. Another
/// process migrating the same file at the same moment waits for the write lock, then finds
/// the work done. Versioned migrations from version 10 on run with no trigger in place: they
/// talk to tables only.
///
/// A file is refused, unchanged, when it is an SQLite database of something else, when it
/// records a migration this library does not know or rules newer than its own (written by
/// a newer runledger), or when an applied migration's checksum differs from this library's
/// copy of it.
struct Migrator {
    /// `PRAGMA application_id` of every ledger: "RUNL" in ASCII, so `file(1)` and tools can
    /// tell a ledger from other SQLite files.
    static let applicationID: Int64 = 0x5255_4E4C

    let migrations: [Migration]
    /// The rules to install; nil for a migrator that stops before `schema_rules` exists (a
    /// ledger of an old version, made by tests), whose triggers are its migrations' own.
    let rules: RulesSet?

    init(migrations: [Migration] = Migration.all, rules: RulesSet = .current) {
        self.migrations = migrations
        self.rules = (migrations.last?.version ?? 0) >= RulesSet.firstMigration ? rules : nil
    }

    /// The version a fully migrated ledger has.
    var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The rules a file records: `schema_rules`' row.
    struct InstalledRules: Equatable {
        var version: Int
        var checksum: String
        /// The views that install created (JSON array of names).
        var views: String
    }

    /// What the file holds, read in the caller's transaction (or outside one).
    private enum Contents {
        /// A new, empty database.
        case empty
        /// A ledger, with these applied versions and checksums, and these rules (nil before
        /// version 10, or before its first install).
        case ledger(applied: [Int: String], rules: InstalledRules?)
    }

    /// Migrates a writable connection to the latest version and this library's rules.
    func migrate(_ connection: Connection) throws {
        // Fast path, without the write lock: an up-to-date ledger needs only a read.
        if case .ledger(let applied, let installed) = try connection.transaction(
            .deferred, { try contents(of: connection) }),
            try verify(applied, installed, path: connection.path) == latestVersion,
            isCurrent(installed)
        {
            return
        }
        try connection.transaction(.immediate) {
            // Read again under the write lock: another process may have just migrated.
            var applied: [Int: String] = [:]
            var installed: InstalledRules?
            switch try contents(of: connection) {
            case .empty:
                try connection.execute("PRAGMA application_id = \(Self.applicationID)")
            case .ledger(let found, let rules):
                (applied, installed) = (found, rules)
            }
            _ = try verify(applied, installed, path: connection.path)
            var rulesDropped = false
            for migration in migrations where applied[migration.version] == nil {
                if let rules, migration.version >= RulesSet.firstMigration, !rulesDropped {
                    try drop(rules, installed: installed, on: connection)
                    rulesDropped = true
                }
                try apply(migration, on: connection)
            }
            if let rules, rulesDropped || !isCurrent(installed) {
                if !rulesDropped { try drop(rules, installed: installed, on: connection) }
                try install(rules, on: connection)
            }
        }
    }

    /// Whether the recorded rules are this library's.
    private func isCurrent(_ installed: InstalledRules?) -> Bool {
        guard let rules else { return true }
        return installed?.version == rules.version && installed?.checksum == rules.checksum
    }

    /// Runs one migration and records it, inside the caller's transaction.
    private func apply(_ migration: Migration, on connection: Connection) throws {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL,
                checksum   TEXT NOT NULL,
                applied_at INTEGER NOT NULL
            ) STRICT
            """)
        try connection.execute(migration.sql)
        try connection.prepare(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)"
        ).execute(migration.version, migration.name, migration.checksum, Timestamp.now.rawValue)
        try connection.execute("PRAGMA user_version = \(migration.version)")
    }

    /// Drops every trigger, the views the last install recorded, and the views of `rules`
    /// (which the migrations before version 10 created under the same names).
    private func drop(_ rules: RulesSet, installed: InstalledRules?, on connection: Connection) throws {
        let triggers = try connection.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name")
            .fetchAll { $0.string(at: 0) }
        for name in triggers { try connection.execute("DROP TRIGGER IF EXISTS \(Self.quoted(name))") }
        var views = rules.views
        if let installed {
            views += try connection.prepare("SELECT value FROM json_each(?)").fetchAll(installed.views) {
                $0.string(at: 0)
            }
        }
        for name in views { try connection.execute("DROP VIEW IF EXISTS \(Self.quoted(name))") }
    }

    /// Installs the rules set and records it, inside the caller's transaction.
    private func install(_ rules: RulesSet, on connection: Connection) throws {
        for file in rules.files { try connection.execute(file.sql) }
        let record = try connection.prepare(
            """
            INSERT INTO schema_rules (id, version, checksum, views, installed_at) VALUES (1, ?, ?, json(?), ?)
            ON CONFLICT (id) DO UPDATE SET version = excluded.version, checksum = excluded.checksum,
                views = excluded.views, installed_at = excluded.installed_at
            """)
        try record.execute(
            rules.version, rules.checksum, "[" + rules.views.map { "\"\($0)\"" }.joined(separator: ",") + "]",
            Timestamp.now.rawValue)
    }

    private static func quoted(_ name: String) -> String {
        "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// Refuses a file that is neither empty nor a ledger, before anything (even the journal
    /// mode) is changed in it.
    func checkIdentity(_ connection: Connection) throws {
        _ = try connection.transaction(.deferred) { try contents(of: connection) }
    }

    /// Checks a read-only connection: a ledger, fully migrated, with unchanged migrations
    /// and rules no newer than this library's. (Older rules do not stop reading; the next
    /// read-write open installs this library's.)
    func check(_ connection: Connection) throws {
        let contents = try connection.transaction(.deferred) { try self.contents(of: connection) }
        // An empty file is no ledger yet (another process may be about to create one).
        guard case .ledger(let applied, let installed) = contents else {
            throw LedgerError.noSuchLedger(path: connection.path)
        }
        let version = try verify(applied, installed, path: connection.path)
        guard version == latestVersion else {
            throw LedgerError.schemaTooOld(path: connection.path, version: version, required: latestVersion)
        }
    }

    /// The highest migration the file has applied, or nil for an empty file, checked as
    /// `migrate` checks it (a ledger, no migration unknown or changed, rules no newer than
    /// this library's) but writing nothing: what the pre-migration copy and `restore` ask.
    func appliedVersion(_ connection: Connection) throws -> Int? {
        let contents = try connection.transaction(.deferred) { try self.contents(of: connection) }
        guard case .ledger(let applied, let installed) = contents else { return nil }
        return try verify(applied, installed, path: connection.path)
    }

    /// Tells an empty database and a ledger apart, and refuses anything else.
    private func contents(of connection: Connection) throws -> Contents {
        let identity = try connection.cached("PRAGMA application_id").fetchOne { $0.int64(at: 0) } ?? 0
        guard identity == Self.applicationID else {
            let count = try connection.cached("SELECT count(*) FROM sqlite_schema").fetchOne { $0.int64(at: 0) } ?? 0
            if identity == 0 && count == 0 { return .empty }
            throw LedgerError.notALedger(path: connection.path)
        }
        // The application id without the bookkeeping table: some other tool's file.
        guard try tableExists("schema_migrations", in: connection) else {
            throw LedgerError.notALedger(path: connection.path)
        }
        let versions = try connection.cached("SELECT version, checksum FROM schema_migrations").fetchAll { row in
            (Int(row.int64(at: 0)), row.string(at: 1))
        }
        let applied = Dictionary(versions) { first, _ in first }
        var rules: InstalledRules?
        if try tableExists("schema_rules", in: connection) {
            rules = try connection.cached("SELECT version, checksum, views FROM schema_rules WHERE id = 1").fetchOne {
                InstalledRules(version: Int($0.int64(at: 0)), checksum: $0.string(at: 1), views: $0.string(at: 2))
            }
        }
        return .ledger(applied: applied, rules: rules)
    }

    private func tableExists(_ name: String, in connection: Connection) throws -> Bool {
        try connection.cached("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").fetchOne(name) { _ in
            true
        }
            ?? false
    }

    /// Checks the applied migrations and the recorded rules against this library's; returns
    /// the highest applied version.
    private func verify(_ applied: [Int: String], _ installed: InstalledRules?, path: String) throws -> Int {
        let highest = applied.keys.max() ?? 0
        guard highest <= latestVersion else {
            throw LedgerError.schemaTooNew(path: path, version: highest, supported: latestVersion)
        }
        for migration in migrations {
            if let checksum = applied[migration.version], checksum != migration.checksum {
                throw LedgerError.migrationChanged(path: path, version: migration.version, name: migration.name)
            }
        }
        if let rules, let installed, installed.version > rules.version {
            throw LedgerError.rulesTooNew(path: path, version: installed.version, supported: rules.version)
        }
        return highest
    }
}

extension RulesSet {
    /// The names of the views the set creates (`CREATE VIEW name` at the start of a line).
    var views: [String] {
        files.flatMap { file in
            file.sql.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("CREATE VIEW ") else { return nil }
                return line.dropFirst("CREATE VIEW ".count).split(separator: " ").first.map(String.init)
            }
        }
    }
}
