import ArgumentParser
import RunLedger
import RunLedgerOutput

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

    @OptionGroup var change: ChangeOptions

    func run() throws {
        let at = try change.time()
        let ledger = try global.open(.readWrite)
        let change = try ledger.transition(
            runID, to: state, expecting: change.expect, at: at, reason: change.reason, metadata: change.meta,
            outcome: change.outcome,
            requestKey: change.requestKey)
        print(ChangeRows.render(change, format: output.format), terminator: "")
    }
}
