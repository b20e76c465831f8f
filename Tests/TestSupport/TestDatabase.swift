import Foundation
public import RunLedger
import RunLedgerPostgres

/// Why a test that needs the PostgreSQL test server cannot run: it fails, never skips.
public struct TestServerMissing: Error, CustomStringConvertible {
    /// What to do about it.
    public var description: String {
        "RUNLEDGER_TEST_POSTGRES is not set: Scripts/test.sh starts a PostgreSQL server and sets it"
    }
}

/// The throwaway PostgreSQL server of the tests (Scripts/postgres-server.sh), from
/// `RUNLEDGER_TEST_POSTGRES`.
public enum TestServer {
    /// The server's URI; throws (the test fails) when it is not set.
    public static func uri() throws -> String {
        guard let uri = ProcessInfo.processInfo.environment["RUNLEDGER_TEST_POSTGRES"], !uri.isEmpty else {
            throw TestServerMissing()
        }
        return uri
    }
}

/// Where a test's ledger lives, on either engine, and the foreign clients that reach it: a
/// SQLite file (the `sqlite3` shell, Python's sqlite3 module), or a schema of its own on the
/// test server (`psql`, Python's psycopg).
public struct TestDatabase: Sendable, CustomStringConvertible {
    /// The engine.
    public let engine: Ledger.Engine
    /// What `Ledger(path:)`, `Ledger(postgres:)` and `runledger --db` take: the file's path, or
    /// the server's URI with the schema as its `search_path`.
    public let location: String
    /// The PostgreSQL schema (`t_<random>`); nil on SQLite.
    public let schema: String?

    /// A database already there (`withTestDatabase` makes a fresh one).
    public init(engine: Ledger.Engine, location: String, schema: String?) {
        self.engine = engine
        self.location = location
        self.schema = schema
    }

    /// The location, in a test's name or message.
    public var description: String { location }

    /// Opens the ledger (creating it, by default) with `configuration`.
    public func open(_ configuration: Ledger.Configuration = .init(durability: .normal)) throws -> Ledger {
        switch engine {
        case .sqlite: try Ledger(path: location, configuration: configuration)
        case .postgres: try Ledger(postgres: location, configuration: configuration)
        }
    }

    /// Runs `sql` (one or more statements, each committed on its own) with the engine's shell,
    /// stopping at the first error: `sqlite3 -bail`, or `psql` with `ON_ERROR_STOP`. A
    /// refusal's tag (`runledger:<tag>:`) is on stderr either way.
    public func run(_ sql: String) throws -> ProcessResult {
        switch engine {
        case .sqlite: try runProcess("/usr/bin/sqlite3", ["-bail", "-batch", location], input: sql)
        case .postgres:
            try runProcess(
                "/usr/bin/psql",
                [location, "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-f", "-"], input: sql)
        }
    }

    /// The rows of a query (or of several), each `|`-separated, as `sqlite3` prints them
    /// (`psql` unaligned, without headers; its booleans print as `t`/`f`). Throws when the
    /// shell fails.
    public func query(_ sql: String) throws -> [String] {
        let result = try run(sql)
        guard result.status == 0 else { throw ShellFailed(result: result, sql: sql) }
        return result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Runs a Python script that finds `sys`, a connection `db` in autocommit mode (Python's
    /// sqlite3 module, or psycopg from Scripts/psycopg-venv.sh) and `Refused`, the exception
    /// class a rule's refusal raises; `str(error)` starts with the rule's `runledger:<tag>:`.
    public func python(_ script: String) throws -> ProcessResult {
        let (python, arguments) = try pythonCommand(script)
        return try runProcess(python, arguments)
    }

    /// Starts the same in `directory`, to watch while it runs.
    public func startPython(_ script: String, in directory: URL) throws -> RunningProcess {
        let (python, arguments) = try pythonCommand(script)
        return try RunningProcess(python, arguments, directory: directory)
    }

    private func pythonCommand(_ script: String) throws -> (String, [String]) {
        switch engine {
        case .sqlite:
            let preamble = """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1], isolation_level=None)
                Refused = sqlite3.IntegrityError

                """
            return ("/usr/bin/env", ["python3", "-c", preamble + script, location])
        case .postgres:
            let preamble = """
                import psycopg, sys
                db = psycopg.connect(sys.argv[1], autocommit=True)
                Refused = psycopg.DatabaseError

                """
            return (try Self.psycopgPython(), ["-c", preamble + script, location])
        }
    }

    /// The python of the psycopg environment, made once (Scripts/psycopg-venv.sh).
    private static let psycopg: Result<String, ShellFailed> = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let script = root.appendingPathComponent("Scripts/psycopg-venv.sh").path
        guard let result = try? runProcess("/bin/bash", [script]), result.status == 0 else {
            return .failure(
                ShellFailed(result: ProcessResult(status: 1, stdout: "", stderr: "cannot run \(script)"), sql: ""))
        }
        return .success(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }()

    static func psycopgPython() throws -> String { try psycopg.get() }

    /// A shell that failed where success was expected.
    public struct ShellFailed: Error, CustomStringConvertible {
        /// What the shell printed and how it ended.
        public let result: ProcessResult
        /// What it was given.
        public let sql: String
        /// Both, for the test's message.
        public var description: String { "the shell failed on \(sql)\n\(result)" }
    }
}

/// A fresh database on `engine` for `body`: on SQLite the path `name` in `directory` (no
/// file yet: opening it makes the ledger); on PostgreSQL a new empty schema `t_<random>` on
/// the test server (opening makes the ledger there, as `runledger init` does), dropped with
/// everything in it after `body`.
public func withTestDatabase<T>(
    _ engine: Ledger.Engine, in directory: URL, name: String = "ledger.db", _ body: (TestDatabase) throws -> T
) throws -> T {
    switch engine {
    case .sqlite:
        return try body(
            TestDatabase(engine: .sqlite, location: directory.appendingPathComponent(name).path, schema: nil))
    case .postgres:
        let database = try TestDatabase.freshSchema()
        defer { try? PGConnection(TestServer.uri()).execute("DROP SCHEMA \(database.schema ?? "") CASCADE") }
        return try body(database)
    }
}

/// Several fresh databases for one test, made as it needs them (`make`), all dropped after
/// `body`: for a test that copies from one ledger into another.
public func withTestDatabases<T>(in directory: URL, _ body: (TestDatabases) throws -> T) throws -> T {
    let databases = TestDatabases(directory: directory)
    defer { databases.dropAll() }
    return try body(databases)
}

/// The databases of `withTestDatabases`.
public final class TestDatabases {
    private let directory: URL
    private var schemas: [String] = []

    init(directory: URL) { self.directory = directory }

    /// A fresh database on `engine`, as `withTestDatabase` makes it.
    public func make(_ engine: Ledger.Engine, name: String) throws -> TestDatabase {
        switch engine {
        case .sqlite:
            return TestDatabase(engine: .sqlite, location: directory.appendingPathComponent(name).path, schema: nil)
        case .postgres:
            let database = try TestDatabase.freshSchema()
            schemas.append(database.schema ?? "")
            return database
        }
    }

    func dropAll() {
        guard !schemas.isEmpty, let server = try? TestServer.uri(), let admin = try? PGConnection(server) else {
            return
        }
        for schema in schemas { try? admin.execute("DROP SCHEMA \(schema) CASCADE") }
    }
}

extension TestDatabase {
    /// A new empty schema on the test server, and the URI that makes it the search_path.
    static func freshSchema() throws -> TestDatabase {
        let server = try TestServer.uri()
        let schema = "t_\(UInt32.random(in: 0...UInt32.max))_\(UInt16.random(in: 0...UInt16.max))"
        try PGConnection(server).execute("CREATE SCHEMA \(schema)")
        let separator = server.contains("?") ? "&" : "?"
        return TestDatabase(
            engine: .postgres, location: server + separator + "options=-csearch_path%3D" + schema, schema: schema)
    }
}
