import ArgumentParser
import RunLedger
import RunLedgerPostgres

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the ledger to a file while writers go on.",
        discussion: """
            Copies the whole SQLite ledger with SQLite's online backup API, as one snapshot: \
            every change committed before the backup began, and nothing half-made. Writers are \
            not blocked meanwhile. The copy is written under a temporary name, synced and \
            renamed into place, as one self-contained file (no -wal or -shm). With --verify, \
            runs verify on the copy: exit 65 if it breaks a rule. DEST must not exist unless \
            --force. A PostgreSQL ledger is backed up with pg_dump. Restore with runledger \
            restore.

            Examples:
              runledger backup /backups/runs-$(date +%F).db --verify
              runledger --db /var/lib/ci/runs.db backup nightly.db --force
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The backup file to write.", valueName: "dest"))
    var destination: String

    @Flag(help: "Verify the copy (as runledger verify does) after writing it.")
    var verify = false

    @Flag(help: "Replace DEST if it exists.")
    var force = false

    func run() throws {
        // Refused before connecting: the server's own tools back it up.
        guard !Ledger.isPostgresURI(global.path) else {
            throw LedgerError.unsupported(
                operation: "back up a PostgreSQL ledger",
                reason: "use the server's pg_dump (pg_dump --format=custom --file=runs.dump URI)")
        }
        let ledger = try global.open(.readOnly)
        let report = try ledger.backup(to: destination, verify: verify, overwrite: force)
        print("Backed up \(ledger.path) to \(report.path) (\(report.bytes) bytes).")
        guard let verification = report.verification else { return }
        guard verification.isClean else {
            throw CLIError.data(
                "The backup \(report.path) breaks the ledger's rules: \(verification.problems.count) problems (runledger --db \(report.path) verify lists them)."
            )
        }
        print(
            "Backup \(report.path) is sound: \(verification.runs) runs and \(verification.changes) changes follow every rule."
        )
    }
}
