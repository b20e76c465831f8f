import ArgumentParser
import RunLedger
import RunLedgerOutput

struct ActCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "act",
        abstract: "Perform a named action on a run (kill, retry...).",
        discussion: """
            The action, one the run's lifecycle names (OpenCue's kill, retry, block...), takes \
            the edge it names from the run's current state. With --expect, it happens only if \
            the run is in that state now; otherwise exit 75.

            Examples:
              runledger act 0193... kill --reason "wrong frame range"
              runledger act 0193... retry --expect killed
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The run's id.")
    var runID: String

    @Argument(help: "The action, as the run's lifecycle names it.")
    var action: String

    @OptionGroup var change: ChangeOptions

    func run() throws {
        let at = try change.time()
        let ledger = try global.open(.readWrite)
        let change = try ledger.perform(
            action, on: runID, expecting: change.expect, at: at, reason: change.reason, metadata: change.meta,
            outcome: change.outcome,
            requestKey: change.requestKey)
        print(ChangeRows.render(change, format: output.format), terminator: "")
    }
}
