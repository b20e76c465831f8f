import ArgumentParser
import RunLedger
import RunLedgerPostgres

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the ledger with a checked backup.",
        discussion: """
            Checks the backup first: a ledger whose migrations this runledger knows, and \
            verify clean (a backup of an older schema, such as runs.db.pre-v10, passes \
            SQLite's integrity check instead, and the next write migrates it). Then takes the \
            ledger's exclusive lock, waiting at most --lock-timeout seconds: while any other \
            process has the ledger open, restore refuses (exit 75) and changes nothing. The \
            backup is written into the ledger in one SQLite transaction, so a crash leaves \
            the old ledger whole. A missing ledger is created.

            Examples:
              runledger --db runs.db restore /backups/runs-2026-12-01.db
              runledger --db runs.db restore runs.db.pre-v11
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The backup to restore.", valueName: "src"))
    var source: String

    @Option(help: ArgumentHelp("Seconds to wait for other processes to close the ledger.", valueName: "seconds"))
    var lockTimeout: Double = 2

    func validate() throws {
        guard lockTimeout >= 0, lockTimeout <= 3600 else {
            throw ValidationError("--lock-timeout must be between 0 and 3600 seconds, not \(lockTimeout).")
        }
    }

    func run() throws {
        guard !Ledger.isPostgresURI(global.path) else {
            throw LedgerError.unsupported(
                operation: "restore into a PostgreSQL ledger", reason: "use the server's pg_restore")
        }
        let report = try Ledger.restore(
            from: source, to: global.path, lockTimeout: .milliseconds(Int64(lockTimeout * 1000)))
        if let verification = report.verification {
            print(
                "Restored \(report.path) from \(source): \(verification.runs) runs and \(verification.changes) changes, verified."
            )
        } else {
            print(
                "Restored \(report.path) from \(source), a ledger of schema version \(report.version) (integrity checked); the next write migrates it."
            )
        }
    }
}
