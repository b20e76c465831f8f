/// Brings a ledger file to the schema this library carries, or refuses it.
///
/// Each migration of `Migrations/` runs in an `IMMEDIATE` transaction together with the
/// `schema_migrations` row that records it (version, name, SHA-256 of its SQL, time), so a
/// crash leaves the file at a whole step. A new file gets all of them in one transaction;
/// an existing ledger, each pending one in its own. Another process migrating the same file
/// at the same moment waits for the write lock, then finds the step applied and skips it.
///
/// A file is refused when it is an SQLite database of something else, when it records a
/// version this library does not know (written by a newer runledger), or when an applied
/// step's checksum differs from this library's copy of it.
struct Migrator {
    /// `PRAGMA application_id` of every ledger: "RUNL" in ASCII, so `file(1)` and tools can
    /// tell a ledger from other SQLite files.
    static let applicationID: Int64 = 0x5255_4E4C

    let migrations: [Migration]

    init(migrations: [Migration] = Migration.all) {
        self.migrations = migrations
    }

    /// The version a fully migrated ledger has.
    var latestVersion: Int { migrations.last?.version ?? 0 }

    /// What the file holds, read in the caller's transaction (or outside one).
    private enum Contents {
        /// A new, empty database.
        case empty
        /// A ledger, with these applied versions and checksums.
        case ledger(applied: [Int: String])
    }

    /// Migrates a writable connection to the latest version.
    ///
    /// A new file gets every migration in one transaction, so that no reader ever sees a
    /// half-made ledger; an existing ledger gets each pending migration in a transaction of
    /// its own.
    func migrate(_ connection: Connection) throws {
        // Fast path, without the write lock: an up-to-date ledger needs only a read.
        if case .ledger(let applied) = try connection.transaction(.deferred, { try contents(of: connection) }),
            try verify(applied, path: connection.path) == latestVersion
        {
            return
        }
        var pending = migrations[...]
        while !pending.isEmpty {
            try connection.transaction(.immediate) {
                // Read again under the write lock: another process may have just migrated.
                let applied: [Int: String]
                var steps: ArraySlice<Migration>
                switch try contents(of: connection) {
                case .empty:
                    applied = [:]
                    steps = pending
                    try connection.execute("PRAGMA application_id = \(Self.applicationID)")
                case .ledger(let found):
                    applied = found
                    steps = pending.prefix(1)
                }
                _ = try verify(applied, path: connection.path)
                for migration in steps where applied[migration.version] == nil {
                    try apply(migration, on: connection)
                }
                pending = pending.dropFirst(steps.count)
            }
        }
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
        let record = try connection.prepare(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)")
        record.bind(Int64(migration.version), at: 1)
        record.bind(migration.name, at: 2)
        record.bind(migration.checksum, at: 3)
        record.bind(Timestamp.now.rawValue, at: 4)
        try record.run()
        try connection.execute("PRAGMA user_version = \(migration.version)")
    }

    /// Refuses a file that is neither empty nor a ledger, before anything (even the journal
    /// mode) is changed in it.
    func checkIdentity(_ connection: Connection) throws {
        _ = try connection.transaction(.deferred) { try contents(of: connection) }
    }

    /// Checks a read-only connection: a ledger, fully migrated, with unchanged migrations.
    func check(_ connection: Connection) throws {
        let contents = try connection.transaction(.deferred) { try self.contents(of: connection) }
        // An empty file is no ledger yet (another process may be about to create one).
        guard case .ledger(let applied) = contents else { throw LedgerError.noSuchLedger(path: connection.path) }
        let version = try verify(applied, path: connection.path)
        guard version == latestVersion else {
            throw LedgerError.schemaTooOld(path: connection.path, version: version, required: latestVersion)
        }
    }

    /// Tells an empty database and a ledger apart, and refuses anything else.
    private func contents(of connection: Connection) throws -> Contents {
        let applicationID = try connection.cached("PRAGMA application_id")
        let identity = try applicationID.step() ? applicationID.int64(at: 0) : 0
        applicationID.reset()
        guard identity == Self.applicationID else {
            let objects = try connection.cached("SELECT count(*) FROM sqlite_schema")
            let count = try objects.step() ? objects.int64(at: 0) : 0
            objects.reset()
            if identity == 0 && count == 0 { return .empty }
            throw LedgerError.notALedger(path: connection.path)
        }
        var applied: [Int: String] = [:]
        // The application id without the bookkeeping table: some other tool's file.
        guard try tableExists("schema_migrations", in: connection) else {
            throw LedgerError.notALedger(path: connection.path)
        }
        let rows = try connection.cached("SELECT version, checksum FROM schema_migrations")
        defer { rows.reset() }
        while try rows.step() {
            applied[Int(rows.int64(at: 0))] = rows.string(at: 1)
        }
        return .ledger(applied: applied)
    }

    private func tableExists(_ name: String, in connection: Connection) throws -> Bool {
        let statement = try connection.cached("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?")
        defer { statement.reset() }
        statement.bind(name, at: 1)
        return try statement.step()
    }

    /// Checks the applied migrations against this library's; returns the highest applied.
    private func verify(_ applied: [Int: String], path: String) throws -> Int {
        let highest = applied.keys.max() ?? 0
        guard highest <= latestVersion else {
            throw LedgerError.schemaTooNew(path: path, version: highest, supported: latestVersion)
        }
        for migration in migrations {
            if let checksum = applied[migration.version], checksum != migration.checksum {
                throw LedgerError.migrationChanged(path: path, version: migration.version, name: migration.name)
            }
        }
        return highest
    }
}
