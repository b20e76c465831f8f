import ArgumentParser
import RunLedger

/// The options of a change (`transition`, `act`): when, why, and how it is checked.
struct ChangeOptions: ParsableArguments {
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

    /// The time given with --at, parsed.
    func time() throws -> Timestamp? {
        try at.map { try TimeArgument.parse($0, option: "--at") }
    }
}
