import ArgumentParser
import Foundation
import RunLedger
import RunLedgerPostgres

/// The `runledger` command: the root, its subcommands, and the one place where errors become
/// exit codes.
@main
struct RunLedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runledger",
        abstract: "Record every run and its state changes, in SQLite or PostgreSQL.",
        discussion: """
            The ledger refuses illegal state changes itself, whichever client writes. \
            Built-in lifecycles: canonical, databricks, openlineage, opencue, domino, prefect.

            Examples:
              runledger init
              id=$(runledger start nightly-etl --lifecycle prefect)
              runledger transition "$id" Pending
              runledger transition "$id" Running --expect Pending
              runledger history "$id"

            The ledger is --db <path|postgresql://...>, else $RUNLEDGER_DB, else ./runledger.db.
            Exit codes: 0 ok, 64 usage, 65 rejected data, 66 no such ledger or run, \
            70 internal error, 74 I/O error or corrupt file, 75 try again (busy, expected-state conflict); \
            wait adds 10 failed or crashed, 11 cancelled or skipped, 12 timed out.
            """,
        version: "runledger 0.1.0",
        groupedSubcommands: [
            // What a job's executor or scheduler calls as each run goes.
            CommandGroup(
                name: "Record",
                subcommands: [
                    StartCommand.self, TransitionCommand.self, ActCommand.self, HeartbeatCommand.self,
                    AnnotateCommand.self, ReleaseCommand.self,
                ]),
            // Runs, their histories and the lifecycles (`lifecycles define` is the one that writes).
            CommandGroup(
                name: "Read",
                subcommands: [
                    HistoryCommand.self, WaitCommand.self, RunsCommand.self, StatsCommand.self, MetricsCommand.self,
                    SQLCommand.self, LifecyclesCommand.self, TailCommand.self, ConsumersCommand.self,
                    NotifyCommand.self,
                ]),
            // Looking after the file: creating and checking it, the timer's sweep, retention, job limits.
            CommandGroup(
                name: "Maintain",
                subcommands: [
                    InitCommand.self, VerifyCommand.self, SealCommand.self, SweepCommand.self, PruneCommand.self,
                    PinCommand.self, UnpinCommand.self, RetentionCommand.self, JobsCommand.self, CopyCommand.self,
                    BackupCommand.self, RestoreCommand.self, DoctorCommand.self,
                ]),
            // Runs in and out as OpenLineage events.
            CommandGroup(name: "Exchange", subcommands: [ImportCommand.self, ExportCommand.self, ServeCommand.self]),
        ]
    )

    @OptionGroup var global: GlobalOptions

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as LedgerError {
            fail(error.description, code: ExitStatus.of(error))
        } catch let error as SQLiteError {
            fail(ExitStatus.sentence(for: error), code: ExitStatus.of(error))
        } catch let error as PostgresError {
            fail(ExitStatus.sentence(for: error), code: ExitStatus.of(error))
        } catch let error as CLIError {
            fail(error.message, code: error.code)
        } catch {
            exit(withError: error)  // usage errors (64), --help, --version
        }
    }

    /// Prints one sentence to stderr and exits; nothing was printed to stdout.
    static func fail(_ sentence: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("Error: \(sentence)\n".utf8))
        Foundation.exit(code)
    }
}
