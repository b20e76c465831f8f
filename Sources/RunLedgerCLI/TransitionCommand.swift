import ArgumentParser
import RunLedger

struct TransitionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transition",
        abstract: "Move a run to another state of its lifecycle.",
        discussion: """
            The ledger refuses a state its lifecycle does not allow from the run's current \
            state (exit 65) and names the legal ones. With --expect, the change happens only \
            if the run is in that state now; otherwise exit 75.

            Examples:
              runledger transition 0193... RUNNING
              runledger transition 0193... Completed --expect Running --reason "all tasks done"
              runledger transition 0193... TERMINATED --outcome FAILED --request-key req-81f2
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The run's id.")
    var runID: String

    @Argument(help: "The state to enter.")
    var state: String

    @Option(help: "Change only if the run is in this state now.")
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
        let change = try ledger.transition(
            runID, to: state, expecting: expect, at: at, reason: reason, metadata: meta, outcome: outcome,
            requestKey: requestKey)
        print(ChangeRows.render(change, format: output.format), terminator: "")
    }
}
