#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What ``Ledger/backup(to:verify:overwrite:)`` wrote.
public struct BackupReport: Sendable, Hashable {
    /// The backup file.
    public var path: String
    /// Its size in bytes.
    public var bytes: Int64
    /// The backup's ``Ledger/verify(limit:)``, when it was asked for.
    public var verification: VerificationReport?
}

/// What ``Ledger/restore(from:to:lockTimeout:)`` did.
public struct RestoreReport: Sendable, Hashable {
    /// The ledger file restored.
    public var path: String
    /// The schema version of the backup, now the ledger's (older than this library's when the
    /// backup is: the next read-write open migrates it).
    public var version: Int
    /// The backup's verification, made before anything was written (nil for a backup of an
    /// older schema, which this library's rules cannot judge: SQLite's integrity check
    /// passed instead).
    public var verification: VerificationReport?
}

extension Ledger {
    /// Writes a consistent copy of the ledger file to `destination` while writers go on, and
    /// verifies the copy if asked.
    ///
    /// The copy is one snapshot of the file, taken with SQLite's online backup API in one
    /// step (one read transaction), so it holds every change committed before it began and
    /// none half-made. In WAL mode a reader does not block writers: they go on meanwhile, and
    /// only checkpoints wait until the copy is done. The copy is written beside `destination`
    /// under a temporary name, synced, then renamed into place, so `destination` is either
    /// absent or whole, and it is one self-contained file (rollback journal, no -wal or -shm
    /// to carry along); opening it for writing turns WAL on again.
    ///
    /// ```swift
    /// let report = try Ledger(path: "runs.db").backup(to: "/backups/runs-2026-12-02.db", verify: true)
    /// precondition(report.verification?.isClean == true)
    /// ```
    ///
    /// A PostgreSQL ledger is backed up by the server's own tools (`pg_dump`), which know its
    /// roles, sequences and transaction snapshots.
    ///
    /// Related SQLite documentation: <https://www.sqlite.org/backup.html>
    ///
    /// - Parameters:
    ///   - destination: The backup file to write.
    ///   - verify: Whether to run ``verify(limit:)`` on the copy.
    ///   - overwrite: Whether to replace a file at `destination` (never the ledger itself).
    /// - Returns: The copy's path, size and, with `verify`, its verification.
    /// - Throws: ``LedgerError/fileExists(path:)`` when `destination` exists and `overwrite`
    ///   is false; ``LedgerError/unsupported(operation:reason:)`` on PostgreSQL;
    ///   ``LedgerError/invalidArgument(name:reason:)`` when `destination` is the ledger;
    ///   ``SQLiteError`` when the file cannot be read or the copy written.
    public func backup(to destination: String, verify: Bool = false, overwrite: Bool = false) throws
        -> BackupReport
    {
        guard engine == .sqlite else {
            throw LedgerError.unsupported(
                operation: "back up a PostgreSQL ledger",
                reason: "use the server's pg_dump (pg_dump --format=custom --file=runs.dump '\(path)')")
        }
        guard !destination.isEmpty, !destination.utf8.contains(0) else {
            throw LedgerError.invalidArgument(name: "backup path", reason: "it is empty or contains a NUL byte")
        }
        if Self.isSameFile(destination, path) {
            throw LedgerError.invalidArgument(name: "backup path", reason: "it is the ledger itself")
        }
        if !overwrite && access(destination, F_OK) == 0 { throw LedgerError.fileExists(path: destination) }
        let source = try Connection(path: path, mode: .readOnly)
        let timeout = configuration.busyTimeout.milliseconds
        source.setBusyTimeout(milliseconds: Int32(clamping: timeout))
        let bytes = try Self.writeCopy(of: source, to: destination, replacing: overwrite, timeout: timeout) { _ in }
        var report = BackupReport(path: destination, bytes: bytes, verification: nil)
        if verify {
            report.verification = try Ledger(path: destination, configuration: .init(mode: .readOnly)).verify()
        }
        return report
    }

    /// Replaces the ledger file at `path` with a backup, after checking the backup, and only
    /// while no other connection has the ledger open.
    ///
    /// The backup must be a ledger whose migrations this library knows (none newer, none
    /// changed). At this library's schema version it must pass ``verify(limit:)``; at an
    /// older one (a `runs.db.pre-vN` copy, or a backup from an older runledger), SQLite's
    /// integrity check, and it is restored as it is: the next read-write open migrates it.
    ///
    /// When `path` exists, restore takes the file's exclusive lock first (SQLite's
    /// `locking_mode = EXCLUSIVE`), waiting at most `lockTimeout`: every connection that has
    /// read a WAL ledger holds a shared lock on it until it closes, so the lock is refused,
    /// and restore fails, while any other process (or connection) has the ledger open. Under
    /// that lock the backup is written into the ledger with SQLite's online backup API, in
    /// one transaction of the ledger's own: a crash half-way leaves the old ledger whole,
    /// and the WAL and its index stay the file's own (a file renamed over a ledger would
    /// meet the old ledger's -wal, and processes that kept the old file open would write to
    /// a deleted one). A missing `path` gets a temporary copy renamed into place.
    ///
    /// ```swift
    /// let report = try Ledger.restore(from: "/backups/runs-2026-12-02.db", to: "runs.db")
    /// ```
    ///
    /// - Parameters:
    ///   - backup: The backup file (written by ``backup(to:verify:overwrite:)``, or any copy
    ///     of a ledger).
    ///   - path: The ledger file to replace or create.
    ///   - lockTimeout: How long to wait for other connections to close the ledger.
    /// - Returns: The backup's version and verification.
    /// - Throws: ``LedgerError/noSuchLedger(path:)``, ``LedgerError/notALedger(path:)``,
    ///   ``LedgerError/schemaTooNew(path:version:supported:)`` or
    ///   ``LedgerError/migrationChanged(path:version:name:)`` for a backup this library must
    ///   not restore; ``LedgerError/unsoundBackup(path:problems:)`` for one that fails its
    ///   checks; ``LedgerError/ledgerInUse(path:)`` when another connection has `path` open;
    ///   ``LedgerError/notALedger(path:)`` when `path` is some other database; ``SQLiteError``.
    public static func restore(from backup: String, to path: String, lockTimeout: Duration = .seconds(2)) throws
        -> RestoreReport
    {
        guard !path.isEmpty, !path.utf8.contains(0), !backup.isEmpty, !backup.utf8.contains(0) else {
            throw LedgerError.invalidArgument(name: "restore path", reason: "it is empty or contains a NUL byte")
        }
        guard access(backup, F_OK) == 0 else { throw LedgerError.noSuchLedger(path: backup) }
        if Self.isSameFile(backup, path) {
            throw LedgerError.invalidArgument(name: "restore source", reason: "it is the ledger itself")
        }
        // The backup, checked before anything is written.
        let source = try Connection(path: backup, mode: .readOnly)
        let timeout = lockTimeout.milliseconds
        source.setBusyTimeout(milliseconds: Int32(clamping: timeout))
        guard let version = try Migrator().appliedVersion(source) else { throw LedgerError.noSuchLedger(path: backup) }
        var report = RestoreReport(path: path, version: version, verification: nil)
        if version == Migrator().latestVersion {
            let verification = try Ledger(path: backup, configuration: .init(mode: .readOnly)).verify()
            guard verification.isClean else {
                throw LedgerError.unsoundBackup(path: backup, problems: verification.problems.count)
            }
            report.verification = verification
        } else {
            let integrity = try source.integrityCheck()
            guard integrity == ["ok"] else { throw LedgerError.unsoundBackup(path: backup, problems: integrity.count) }
        }
        guard access(path, F_OK) == 0 else {
            _ = try writeCopy(of: source, to: path, replacing: false, timeout: timeout) { _ in }
            return report
        }
        let target = try Connection(path: path, mode: .readWrite(create: false))
        target.setBusyTimeout(milliseconds: Int32(clamping: timeout))
        guard try target.lockExclusively() else { throw LedgerError.ledgerInUse(path: path) }
        // Some other database is not a ledger to replace (an empty file is).
        _ = try Migrator().appliedVersion(target)
        try source.backup(into: target, timeoutMilliseconds: timeout)
        return report
    }

    /// Before a migration, copies the file aside as `path.pre-vN` (N: its version now), once:
    /// a copy of that name is kept, never replaced. Another process migrating the file at the
    /// same moment either finds the copy made or makes it; a copy that comes out at another
    /// version (the other process migrated first) is thrown away.
    static func copyAsideBeforeMigrating(_ connection: Connection, timeout: Int64) throws {
        let migrator = Migrator()
        guard let version = try migrator.appliedVersion(connection), version < migrator.latestVersion else { return }
        let copy = connection.path + ".pre-v\(version)"
        guard access(copy, F_OK) != 0 else { return }
        struct MigratedMeanwhile: Error {}
        do {
            _ = try writeCopy(of: connection, to: copy, replacing: false, timeout: timeout) { written in
                guard try migrator.appliedVersion(written) == version else { throw MigratedMeanwhile() }
            }
        } catch is MigratedMeanwhile {
        } catch LedgerError.fileExists {
        }
    }

    /// Copies `source` into a temporary file beside `destination` (the online backup API),
    /// makes it a self-contained rollback-journal file, lets `check` look at it, syncs it and
    /// moves it into place: renamed over `destination` when `replacing` (with any -wal and
    /// -shm of the file it replaces removed first, which would otherwise be replayed on the
    /// copy), else linked, which fails if `destination` appeared meanwhile. Returns its size.
    private static func writeCopy(
        of source: Connection, to destination: String, replacing: Bool, timeout: Int64,
        check: (Connection) throws -> Void
    ) throws -> Int64 {
        let temporary = destination + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer {
            unlink(temporary)
            unlink(temporary + "-journal")
        }
        do {
            let copy = try Connection(path: temporary, mode: .readWrite(create: true))
            try source.backup(into: copy, timeoutMilliseconds: timeout)
            try copy.useRollbackJournal()
            try check(copy)
        }
        try sync(temporary)
        if replacing {
            unlink(destination + "-wal")
            unlink(destination + "-shm")
            guard rename(temporary, destination) == 0 else { throw failure(destination) }
        } else {
            guard link(temporary, destination) == 0 else {
                if errno == EEXIST { throw LedgerError.fileExists(path: destination) }
                throw failure(destination)
            }
        }
        let folder =
            destination.contains("/")
            ? String(destination[..<(destination.lastIndex(of: "/") ?? destination.endIndex)]) : "."
        try sync(folder.isEmpty ? "/" : folder)
        var status = stat()
        return stat(destination, &status) == 0 ? Int64(status.st_size) : 0
    }

    /// `fsync`s a file or folder, so a rename or link into it survives a power loss.
    private static func sync(_ path: String) throws {
        #if canImport(Glibc)
            let descriptor = Glibc.open(path, O_RDONLY)  // not Ledger.open, the async opener
        #else
            let descriptor = Darwin.open(path, O_RDONLY)
        #endif
        guard descriptor >= 0 else { throw failure(path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure(path) }
    }

    private static func failure(_ path: String) -> LedgerError {
        .cannotOpen(path: path, reason: String(cString: strerror(errno)))
    }

    /// Whether two paths name the same existing file.
    static func isSameFile(_ first: String, _ second: String) -> Bool {
        var a = stat()
        var b = stat()
        return stat(first, &a) == 0 && stat(second, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }
}

extension Duration {
    /// The duration in whole milliseconds.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
