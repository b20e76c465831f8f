import ArgumentParser
import RunLedger

/// The options of a change (`transition`, `act`): when, why, and how it is checked.
struct ChangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Change only if the run is in this state now.", valueName: "state"))
    var expect: String?

    @Option(help: ArgumentHelp("When the change happened: \(TimeArgument.help) (default: now).", valueName: "time"))
    var at: String?

    @Option(help: ArgumentHelp("Why.", valueName: "text"))
    var reason: String?

    @Option(help: ArgumentHelp("JSON metadata stored with the change.", valueName: "json"))
    var meta: String?

    @Option(
        help: ArgumentHelp(
            "For a terminal state, an outcome its lifecycle defines (Databricks: SUCCESS, FAILED...).",
            valueName: "outcome"))
    var outcome: String?

    @Option(
        help: ArgumentHelp(
            "A key for this request: repeating it returns the first result and records nothing.", valueName: "key"))
    var requestKey: String?

    /// The time given with --at, parsed.
    func time() throws -> Timestamp? {
        try at.map { try TimeArgument.parse($0, option: "--at") }
    }
}
