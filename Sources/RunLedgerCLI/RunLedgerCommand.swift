import ArgumentParser
import Foundation
import RunLedger

/// The `runledger` command: the root, its subcommands, and the one place where errors become
/// exit codes.
@main
struct RunLedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runledger",
        abstract: "Record every run of every job, and every state change of each run, in one SQLite file.",
        discussion: """
            The ledger file refuses illegal state changes itself, whichever client writes. \
            Built-in lifecycles: canonical, databricks, openlineage, opencue, domino, prefect.

            Examples:
              runledger init
              id=$(runledger start nightly-etl --lifecycle prefect)
              runledger transition "$id" Pending
              runledger transition "$id" Running --expect Pending
              runledger history "$id"

            The ledger is --db PATH, else $RUNLEDGER_DB, else ./runledger.db.
            Exit codes: 0 ok, 64 usage, 65 rejected data, 66 no such ledger or run, \
            70 internal error, 74 I/O error or corrupt file, 75 try again (busy, expected-state conflict).
            """,
        version: "runledger 0.1.0",
        subcommands: [
            InitCommand.self, StartCommand.self, TransitionCommand.self, ActCommand.self, HistoryCommand.self,
            RunsCommand.self, StatsCommand.self, SQLCommand.self, LifecyclesCommand.self, VerifyCommand.self,
            HeartbeatCommand.self, SweepCommand.self, ReleaseCommand.self, AnnotateCommand.self, JobsCommand.self,
            PruneCommand.self, ImportCommand.self, ExportCommand.self,
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

/// An error of the command line itself, with its exit code.
struct CLIError: Error {
    let message: String
    let code: Int32

    static func usage(_ message: String) -> CLIError { CLIError(message: message, code: ExitStatus.usage) }
    static func data(_ message: String) -> CLIError { CLIError(message: message, code: ExitStatus.dataError) }
}

/// The sysexits codes of SPEC §6, and which error gets which.
enum ExitStatus {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let software: Int32 = 70
    static let ioError: Int32 = 74
    static let tempFail: Int32 = 75

    static func of(_ error: LedgerError) -> Int32 {
        switch error {
        case .noSuchRun, .noSuchLedger: noInput
        case .expectedStateConflict: tempFail
        case .cannotOpen: ioError
        default: dataError
        }
    }

    static func of(_ error: SQLiteError) -> Int32 {
        switch error.code {
        case .busy, .locked: tempFail
        case .ioError, .corrupt, .notADatabase, .full, .cannotOpen, .readOnly, .permission: ioError
        default: software
        }
    }

    /// One plain sentence for an SQLite failure.
    static func sentence(for error: SQLiteError) -> String {
        switch error.code {
        case .busy, .locked:
            "The ledger stayed locked by another process past the busy timeout; try again."
        case .corrupt, .notADatabase:
            "The ledger file is not a database or is corrupt (SQLite: \(error.message))."
        case .full:
            "The disk is full; nothing was recorded."
        case .readOnly, .permission:
            "The ledger file cannot be written (SQLite: \(error.message))."
        case .ioError, .cannotOpen:
            "The ledger file cannot be read or written (SQLite: \(error.message))."
        default:
            "Internal error: \(error.description)."
        }
    }
}
