import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A run ledger: every run of every job, and every state change of each run, in one SQLite
/// file, or in a PostgreSQL database (`Ledger(postgres:)`, in the RunLedgerPostgres library).
///
/// The database's triggers refuse illegal state changes whichever client writes; this type adds
/// typed errors, generated ids and times, and safe sharing. One `Ledger` may be used from
/// many threads and tasks at once (it serializes its one connection), and many processes may
/// open the same file (WAL, a busy timeout, and `BEGIN IMMEDIATE` for every write, so a
/// caller does not see "database is locked" under ordinary contention). In async code, the
/// async overloads (`try await ledger.start(...)`) do the same work on the ledger's own
/// thread, so that a write waiting for a lock never blocks the cooperative pool.
///
/// ```swift
/// let ledger = try Ledger(path: "runs.db")
/// let run = try ledger.start(job: "nightly-etl", lifecycle: "prefect")
/// try ledger.transition(run.id, to: "Pending")
/// try ledger.transition(run.id, to: "Running", expecting: "Pending")
/// try ledger.transition(run.id, to: "Completed")
/// for change in try ledger.history(of: run.id) { print(change.at, change.from ?? "-", change.to) }
/// ```
///
/// ## Topics
///
/// ### Opening a ledger
///
/// - ``init(path:configuration:)``
/// - ``Configuration``
/// - ``Engine``
/// - ``engine``
/// - ``path``
/// - ``configuration``
///
/// ### Recording runs and their changes
///
/// - ``start(job:lifecycle:id:state:at:reason:metadata:parent:upstream:maxRetries:scheduledAt:actor:)``
/// - ``transition(_:to:expecting:at:reason:metadata:outcome:requestKey:actor:)``
/// - ``perform(_:on:expecting:at:reason:metadata:outcome:requestKey:actor:)``
/// - ``batch(_:)``
/// - ``Batch``
///
/// ### Run semantics: dependencies, annotations, heartbeats, limits
///
/// - ``release(_:at:reason:actor:)``
/// - ``annotate(_:kind:at:reason:metadata:actor:)``
/// - ``heartbeat(_:at:)``
/// - ``sweep(now:lateAfter:heartbeatTimeout:batchSize:)``
/// - ``setConcurrencyLimit(_:for:)``
/// - ``clearConcurrencyLimit(for:)``
/// - ``concurrencyLimits()``
///
/// ### Reading runs and history
///
/// - ``run(id:)``
/// - ``history(of:)``
/// - ``changes(of:after:)``
/// - ``timeline(of:)``
/// - ``chain(of:)``
/// - ``annotations(of:)``
/// - ``upstreams(of:)``
/// - ``runs(matching:)``
/// - ``stats(_:)``
/// - ``metrics(maxJobs:now:)``
/// - ``LedgerMetrics``
/// - ``query(_:)``
///
/// ### Waiting for a run
///
/// - ``wait(for:until:timeout:)``
/// - ``WaitTimeout``
///
/// ### Async code
///
/// Every call above has an async overload (Ledger+Async.swift) that runs on the ledger's
/// own thread, off Swift's cooperative pool; in async code the compiler picks it.
///
/// - ``open(path:configuration:)``
///
/// ### Lifecycles
///
/// - ``lifecycles()``
/// - ``lifecycle(named:)``
/// - ``define(_:)``
///
/// ### Checking and retention
///
/// - ``verify(limit:)``
/// - ``seal(actor:)``
/// - ``verify(seals:limit:)``
/// - ``Seal``
/// - ``SealReport``
/// - ``prune(terminalBefore:archive:actor:)``
/// - ``copy(to:batchSize:)``
/// - ``CopyReport``
/// - ``backup(to:verify:overwrite:)``
/// - ``restore(from:to:lockTimeout:)``
/// - ``BackupReport``
/// - ``RestoreReport``
/// - ``doctor(_:now:)``
/// - ``DoctorFinding``
/// - ``DoctorPolicy``
/// - ``FileSystemKind``
///
/// ### OpenLineage
///
/// - ``importOpenLineage(_:)``
/// - ``importOpenLineage(texts:)``
/// - ``receiveOpenLineage(_:at:)``
/// - ``OpenLineageReceipt``
/// - ``OpenLineageImportReport``
/// - ``exportOpenLineage(_:)``
/// - ``openLineageProducer``
/// - ``openLineageSchemaURL``
public final class Ledger: Sendable {
    /// How a ledger is opened.
    public struct Configuration: Sendable {
        /// What opening may do to the file.
        public enum Mode: String, Sendable, CaseIterable {
            /// Read and write; create and migrate the file if needed (the default).
            case create
            /// Read and write an existing file; migrate it if needed.
            case readWrite
            /// Read an existing, fully migrated file; write nothing.
            case readOnly
        }

        /// How hard each commit works to survive a crash.
        ///
        /// Related SQLite documentation: <https://www.sqlite.org/pragma.html#pragma_synchronous>
        public enum Durability: String, Sendable, CaseIterable {
            /// `synchronous=FULL`: a commit that returned survives a power loss or an OS crash.
            case full
            /// `synchronous=NORMAL`: a commit that returned survives the process crashing, but
            /// the last commits may be lost on power loss. Faster.
            case normal
        }

        /// What opening may do to the file; `.create` by default.
        public var mode: Mode
        /// `.full` by default: nothing acknowledged is lost, even on power loss.
        public var durability: Durability
        /// How long a write waits for another connection's lock before failing with
        /// `SQLITE_BUSY`; 30 seconds by default.
        public var busyTimeout: Duration
        /// The actor recorded on changes that name none (e.g. `"alice@build-7:4121"`).
        public var actor: String?
        /// Whether opening a ledger that needs a migration first copies the file aside, as
        /// `runs.db.pre-vN` (N: its version before the upgrade; kept, never replaced), so an
        /// upgrade can be undone (``Ledger/restore(from:to:lockTimeout:)``); true by default.
        public var copiesBeforeMigrating = true
        /// Whether a ledger on a network or FUSE file system (``FileSystemKind``), where
        /// SQLite's locking is unsafe, may be opened for writing; false by default.
        public var allowsUnsafeFileSystem = false

        /// Makes a configuration; every argument has a default.
        public init(
            mode: Mode = .create, durability: Durability = .full, busyTimeout: Duration = .seconds(30),
            actor: String? = nil
        ) {
            self.mode = mode
            self.durability = durability
            self.busyTimeout = busyTimeout
            self.actor = actor
        }
    }

    /// The file's path; for a PostgreSQL ledger, its URI without the password.
    public let path: String
    /// How the ledger was opened.
    public let configuration: Configuration

    private let connection: SerializedConnection
    /// The thread the async overloads run their work on (Ledger+Async.swift); it starts with
    /// the first of them.
    let worker = LedgerThread()

    /// Opens the ledger at `path`, creating and migrating it as `configuration.mode` allows.
    ///
    /// - Parameters:
    ///   - path: The ledger file.
    ///   - configuration: Mode, durability, busy timeout and default actor.
    /// - Throws: ``LedgerError/noSuchLedger(path:)`` when the file is missing and the mode does
    ///   not create; ``LedgerError/notALedger(path:)``, ``LedgerError/schemaTooNew(path:version:supported:)``,
    ///   ``LedgerError/rulesTooNew(path:version:supported:)``,
    ///   ``LedgerError/schemaTooOld(path:version:required:)`` or
    ///   ``LedgerError/migrationChanged(path:version:name:)`` for a file this library must not
    ///   use; ``LedgerError/unsafeFileSystem(path:fileSystem:)`` for a file on a network or
    ///   FUSE file system opened for writing; ``SQLiteError`` when SQLite cannot open or read it.
    public init(path: String, configuration: Configuration = Configuration()) throws {
        self.path = path
        self.configuration = configuration
        guard !path.isEmpty, !path.utf8.contains(0) else {
            throw LedgerError.invalidArgument(name: "ledger path", reason: "it is empty or contains a NUL byte")
        }
        var status = stat()
        if stat(path, &status) == 0 {
            guard (status.st_mode & S_IFMT) != S_IFDIR else {
                throw LedgerError.cannotOpen(path: path, reason: "it is a directory")
            }
        } else if configuration.mode != .create {
            throw LedgerError.noSuchLedger(path: path)
        }
        if configuration.mode != .readOnly, !configuration.allowsUnsafeFileSystem,
            let kind = FileSystemKind.of(path: path), kind.isNetworkOrFUSE
        {
            throw LedgerError.unsafeFileSystem(path: path, fileSystem: kind.name)
        }
        var connection = try Connection(
            path: path,
            mode: configuration.mode == .readOnly ? .readOnly : .readWrite(create: configuration.mode == .create))
        let milliseconds =
            configuration.busyTimeout.components.seconds * 1000
            + configuration.busyTimeout.components.attoseconds / 1_000_000_000_000_000
        connection.setBusyTimeout(milliseconds: Int32(clamping: milliseconds))
        try connection.enableForeignKeys()
        if configuration.mode == .readOnly {
            do {
                try Migrator().check(connection)
            } catch let error as SQLiteError
                where (error.code == .readOnly || error.code == .cannotOpen) && !Self.folderIsWritable(of: path)
                && !Self.hasPendingWAL(path)
            {
                // Reading a WAL ledger needs its -shm file, which this process cannot create
                // in a folder it cannot write: read the file as immutable instead. (Not when a
                // -wal file holds changes: immutable reading would not see them.)
                connection = try Connection(path: path, mode: .immutable)
                try Migrator().check(connection)
            }
        } else {
            try Migrator().checkIdentity(connection)
            try Self.enableWAL(connection, timeoutMilliseconds: milliseconds)
            try connection.setSynchronous(configuration.durability == .full ? .full : .normal)
            if configuration.copiesBeforeMigrating {
                try Self.copyAsideBeforeMigrating(connection, timeout: milliseconds)
            }
            try Migrator().migrate(connection)
        }
        self.connection = SerializedConnection(Database(sqlite: connection))
    }

    /// Opens a ledger on a database server, through a connection that an engine target (for
    /// PostgreSQL, RunLedgerPostgres's `Ledger(postgres:)`) opened and made ready: its schema
    /// installed or checked as `configuration.mode` allows.
    package init(remote: sending any RemoteConnection, configuration: Configuration) {
        self.path = remote.location
        self.configuration = configuration
        self.connection = SerializedConnection(Database(remote: remote))
    }

    /// The engines a ledger can live in.
    public enum Engine: String, Sendable, CaseIterable {
        /// One SQLite file (``init(path:configuration:)``).
        case sqlite
        /// A PostgreSQL database (`Ledger(postgres:)`, in the RunLedgerPostgres library).
        case postgres
    }

    /// The engine the ledger lives in.
    public var engine: Engine { connection.engine }

    /// Whether this process may create files in the folder of `path`.
    private static func folderIsWritable(of path: String) -> Bool {
        let folder = path.contains("/") ? String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) : "."
        return access(folder.isEmpty ? "/" : folder, W_OK) == 0
    }

    /// Whether a non-empty -wal file sits beside the ledger.
    private static func hasPendingWAL(_ path: String) -> Bool {
        var status = stat()
        return stat(path + "-wal", &status) == 0 && status.st_size > 0
    }

    /// Switches the file to write-ahead logging, so readers never block the writer and
    /// several processes can share it. Changing the journal mode needs an exclusive lock,
    /// which the busy handler does not wait for in every case, so this retries until the
    /// busy timeout.
    ///
    /// Related SQLite documentation: <https://www.sqlite.org/wal.html>
    private static func enableWAL(_ connection: Connection, timeoutMilliseconds: Int64) throws {
        let deadline = Timestamp.now.adding(seconds: Double(timeoutMilliseconds) / 1000)
        while true {
            do {
                let mode = try connection.enableWAL()
                guard mode.lowercased() == "wal" else {
                    throw LedgerError.invalidArgument(
                        name: "ledger path",
                        reason: "SQLite cannot use write-ahead logging for \(connection.path) (journal mode \(mode))")
                }
                return
            } catch let error as SQLiteError where error.code == .busy || error.code == .locked {
                guard Timestamp.now < deadline else { throw error }
                usleep(10_000)
            }
        }
    }

    // MARK: - Access to the connection

    /// Runs `body` with the connection in a write transaction (SQLite `BEGIN IMMEDIATE`).
    ///
    /// On a server, a transaction that fails for a serialization failure or a deadlock
    /// (SQLSTATE 40001, 40P01) changed nothing, and `body` (the library's own writes) is run
    /// again, a few times; a batch, whose closure is the caller's, is not (see ``batch(_:)``).
    func write<T: Sendable>(retrying: Bool = true, _ body: (Database) throws -> T) throws -> T {
        try connection.withConnection { database in
            var attempt = 0
            while true {
                do {
                    return try database.transaction(.write) { try body(database) }
                } catch let error as any EngineError where error.isTransient && retrying && attempt < 8 {
                    attempt += 1
                    usleep(UInt32(1000 << min(attempt, 6)) + UInt32.random(in: 0...1000))
                }
            }
        }
    }

    /// Runs `body` with the connection outside any transaction (for ATTACH, which cannot
    /// run inside one); `body` begins its own.
    func withConnection<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        try connection.withConnection(body)
    }

    /// Runs `body` with the connection in a read transaction (`BEGIN DEFERRED`), which sees
    /// one consistent snapshot of the file.
    func read<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        try connection.withConnection { connection in
            try connection.transaction(.read) { try body(connection) }
        }
    }

    /// Runs many writes in one transaction: all of them are recorded, or none.
    ///
    /// One transaction costs one commit (one sync with `.full` durability), so a batch of
    /// a thousand writes is far faster than a thousand single ones. The closure gets a
    /// ``Batch`` that offers the same writes as the ledger; it must not keep it.
    ///
    /// ```swift
    /// try ledger.batch { batch in
    ///     for job in ["extract", "load"] {
    ///         let run = try batch.start(job: job, lifecycle: "databricks")
    ///         try batch.transition(run.id, to: "RUNNING")
    ///     }
    /// }
    /// ```
    ///
    /// A write that fails inside the batch changes nothing; if the closure catches its error
    /// and goes on, the rest of the batch still commits. An error thrown out of the closure
    /// rolls the whole batch back and is rethrown. Do not call the ledger itself from inside
    /// the closure: the batch holds its connection.
    ///
    /// On PostgreSQL each write of the batch is a savepoint (any error aborts a PostgreSQL
    /// transaction), and the rules lock each run they change, and the stats rows its changes
    /// update, until the batch commits, so two batches of several changes can deadlock
    /// (whatever the order of their runs): the server then fails one of them (SQLSTATE 40P01,
    /// having changed nothing), and it is rethrown, not run again, since the closure is the
    /// caller's: run it again when `PostgresError.isTransient` says so. The single writes (``start(job:lifecycle:id:state:at:reason:metadata:parent:upstream:maxRetries:scheduledAt:actor:)``,
    /// ``transition(_:to:expecting:at:reason:metadata:outcome:requestKey:actor:)``...) are run again.
    ///
    /// - Returns: What the closure returns.
    /// - Throws: The closure's error, or ``SQLiteError`` (`PostgresError` on PostgreSQL) when
    ///   the commit fails.
    public func batch<T: Sendable>(_ body: (Batch) throws -> T) throws -> T {
        try batch(retrying: false, body)
    }

    /// A batch; with `retrying`, run again whole after a serialization failure or a deadlock
    /// on a server, which only a closure of the library's own writes may be (the single
    /// writes: `start`, `transition`...).
    func batch<T: Sendable>(retrying: Bool, _ body: (Batch) throws -> T) throws -> T {
        let configuration = self.configuration
        return try write(retrying: retrying) { connection in
            let batch = Batch(connection: connection, configuration: configuration)
            defer { batch.close() }
            return try body(batch)
        }
    }
}

/// The ledger's one connection, used by one thread at a time.
///
/// `@unchecked Sendable` is safe here because the connection is reachable only through
/// `withConnection`, which holds the mutex for the whole use, and the closures it runs do
/// not let the connection escape (they are non-escaping, and `Batch` refuses use after its
/// closure returns). The mutex guards no value (`Void`) because the region checker cannot
/// yet follow a non-Sendable value handed from a `Mutex` to a non-Sendable closure.
private final class SerializedConnection: @unchecked Sendable {
    private let lock = Mutex<Void>(())
    private let connection: Database
    /// The engine, readable without the lock.
    let engine: Ledger.Engine

    init(_ connection: sending Database) {
        self.engine = connection.engine
        self.connection = connection
    }

    func withConnection<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        try lock.withLock { _ in try body(connection) }
    }
}
