import ArgumentParser
import Foundation
import RunLedger
import RunLedgerPostgres

/// Options every command takes: which ledger, and how to open it.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The ledger: a SQLite file, or a PostgreSQL database as postgresql://user@host:port/db (default: $RUNLEDGER_DB, else ./runledger.db).",
            valueName: "path|uri"))
    var db: String?

    @Option(
        help: ArgumentHelp(
            "Commit durability: full survives power loss, normal only process crashes.", valueName: "level"))
    var durability: Ledger.Configuration.Durability = .full

    @Option(
        help: ArgumentHelp("Seconds a write waits for another process's lock before giving up.", valueName: "seconds"))
    var busyTimeout: Double = 30

    @Option(
        help: ArgumentHelp("Who is making the change (default: $RUNLEDGER_ACTOR, else user@host).", valueName: "name"))
    var actor: String?

    func validate() throws {
        guard busyTimeout >= 0, busyTimeout <= 86_400 else {
            throw ValidationError("--busy-timeout must be between 0 and 86400 seconds, not \(busyTimeout).")
        }
    }

    /// The ledger path: --db, else $RUNLEDGER_DB, else ./runledger.db.
    var path: String {
        if let db { return db }
        if let environment = ProcessInfo.processInfo.environment["RUNLEDGER_DB"], !environment.isEmpty {
            return environment
        }
        return "./runledger.db"
    }

    /// The actor recorded on changes: --actor, else $RUNLEDGER_ACTOR, else user@host.
    var resolvedActor: String {
        if let actor { return actor }
        let environment = ProcessInfo.processInfo.environment
        if let actor = environment["RUNLEDGER_ACTOR"], !actor.isEmpty { return actor }
        let user = environment["USER"] ?? environment["LOGNAME"] ?? "unknown"
        return "\(user)@\(ProcessInfo.processInfo.hostName)"
    }

    /// Opens the ledger: a PostgreSQL database for a `postgresql://` or `postgres://` URI,
    /// else a SQLite file. Reading commands pass `.readOnly`, which refuses a missing ledger.
    func open(_ mode: Ledger.Configuration.Mode) throws -> Ledger {
        try open(mode, at: path)
    }

    /// Opens the ledger at `path` (a file, or a PostgreSQL URI) with these options.
    func open(_ mode: Ledger.Configuration.Mode, at path: String) throws -> Ledger {
        var configuration = Ledger.Configuration(
            mode: mode, durability: durability, busyTimeout: .milliseconds(Int64(busyTimeout * 1000)),
            actor: resolvedActor)
        // Set once where the ledger lives (a service's environment), not per command.
        let environment = ProcessInfo.processInfo.environment
        configuration.copiesBeforeMigrating = environment["RUNLEDGER_NO_PRE_MIGRATION_COPY"] != "1"
        configuration.allowsUnsafeFileSystem = environment["RUNLEDGER_ALLOW_UNSAFE_FILESYSTEM"] == "1"
        if Ledger.isPostgresURI(path) { return try Ledger(postgres: path, configuration: configuration) }
        return try Ledger(path: path, configuration: configuration)
    }
}

extension Ledger.Configuration.Durability: ExpressibleByArgument {}
