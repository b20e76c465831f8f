import ArgumentParser
import RunLedger
import RunLedgerOutput

struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release a run whose upstream runs have all completed.",
        discussion: """
            The ledger releases waiting runs by itself when their last upstream run \
            completes (Databricks BLOCKED -> PENDING, OpenCue blocked -> pending). This does it \
            by hand, for a run blocked some other way; it is refused (exit 65) while an \
            upstream has not completed, naming it.

            Example:
              runledger release 0193...
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The run's id.")
    var runID: String

    @Option(help: ArgumentHelp("Why.", valueName: "text"))
    var reason: String?

    func run() throws {
        let ledger = try global.open(.readWrite)
        print(ChangeRows.render(try ledger.release(runID, reason: reason), format: output.format), terminator: "")
    }
}
