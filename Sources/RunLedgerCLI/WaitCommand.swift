import ArgumentParser
import RunLedger
import RunLedgerOutput

struct WaitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Block until a run ends; exit by how it ended.",
        discussion: """
            Waits for the run to reach a terminal state, whichever process records it, then \
            prints the run (as runs prints it) and exits with how it ended: its canonical \
            type, refined by its outcome (Databricks TERMINATED with outcome FAILED failed; \
            with SUCCESS, or none, it completed). With --until STATE it also stops once the \
            run has entered STATE, and exits 0 if the run is still active there; a run that \
            ends first exits as it ended. With --timeout it gives up after that long.

            Exit codes: 0 the run completed (COMPLETED), or is in the --until state; \
            10 it failed or crashed (FAILED, CRASHED); 11 it was cancelled or skipped \
            (CANCELLED, SKIPPED); 12 the timeout passed first (nothing on stdout); 66 no \
            such run; 64 a --until state its lifecycle does not have.

            It looks for new commits every 50 ms on SQLite (PRAGMA data_version, reading \
            the run only when something was committed), every 100 ms on PostgreSQL.

            Examples:
              runledger wait "$id" --timeout 30m || echo "run $id did not complete"
              runledger wait "$id" --until RUNNING --timeout 10m
              runledger wait "$id" --format json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The run's id.")
    var runID: String

    @Option(help: ArgumentHelp("Give up after this long (5s, 90s, 30m, 2h; default: never).", valueName: "duration"))
    var timeout: String?

    @Option(help: ArgumentHelp("Stop once the run has entered this state of its lifecycle.", valueName: "state"))
    var until: String?

    func run() throws {
        let seconds = try timeout.map { try TimeArgument.duration($0, option: "--timeout") }
        let ledger = try global.open(.readOnly)
        let run: Run
        do {
            run = try ledger.wait(
                for: runID, until: until, timeout: seconds.map { .microseconds(Int64(($0 * 1e6).rounded())) })
        } catch let error as LedgerError {
            if case .noSuchState = error { throw CLIError.usage("--until: \(error.description)") }
            throw error
        } catch let timedOut as WaitTimeout {
            throw CLIError(message: timedOut.description, code: ExitStatus.waitTimedOut)
        }
        print(output.format.render(RunRows.table([run])), terminator: "")
        let code = Self.exitCode(for: run)
        if code != 0 { throw ExitCode(code) }
    }

    /// How a run that the wait returned ended: 0 for a completed run and for one still active
    /// (in the --until state), else by its canonical type.
    static func exitCode(for run: Run) -> Int32 {
        guard run.isTerminal else { return 0 }
        switch run.canonicalType {
        case .completed: return 0
        case .cancelled, .skipped: return ExitStatus.runCancelled
        case .failed, .crashed, .scheduled, .pending, .running: return ExitStatus.runFailed
        }
    }
}
