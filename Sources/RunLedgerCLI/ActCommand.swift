import ArgumentParser
import RunLedger

struct ActCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "act",
        abstract: "Perform a named action on a run (OpenCue's kill, retry, block...).",
        discussion: """
            The action takes the edge it names from the run's current state. With --expect, \
            it happens only if the run is in that state now; otherwise exit 75.

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

    @Option(help: "Act only if the run is in this state now.")
    var expect: String?

    @Option(help: "When the change happened: \(TimeArgument.help) (default: now).")
    var at: String?

    @Option(help: "Why.")
    var reason: String?

    @Option(help: "JSON metadata stored with the change.")
    var meta: String?

    @Option(help: "For a terminal state, an outcome its lifecycle defines (Databricks: SUCCESS, FAILED...).")
    var outcome: String?

    @Option(help: "A key for this request: repeating it returns the first result and records nothing.")
    var requestKey: String?

    func run() throws {
        let at = try at.map { try TimeArgument.parse($0, option: "--at") }
        let ledger = try global.open(.readWrite)
        let change = try ledger.perform(
            action, on: runID, expecting: expect, at: at, reason: reason, metadata: meta, outcome: outcome,
            requestKey: requestKey)
        print(ChangeRows.render(change, format: output.format), terminator: "")
    }
}
