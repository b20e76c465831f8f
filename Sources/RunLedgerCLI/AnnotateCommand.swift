import ArgumentParser
import RunLedger

struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Record a fact about a run that does not move it (an OpenLineage OTHER event).",
        discussion: """
            Annotations show in the run's history. The run need not be recorded yet: \
            OpenLineage allows OTHER even before START.

            Example:
              runledger annotate 0193... --kind OTHER --reason "schema facet updated" --meta '{"facet": "schema"}'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The run's id.")
    var runID: String

    @Option(help: "What kind of fact.")
    var kind = "OTHER"

    @Option(help: "What it says.")
    var reason: String?

    @Option(help: "JSON metadata.")
    var meta: String?

    @Option(help: "When: \(TimeArgument.help) (default: now).")
    var at: String?

    func run() throws {
        let at = try at.map { try TimeArgument.parse($0, option: "--at") }
        let ledger = try global.open(.create)
        let annotation = try ledger.annotate(runID, kind: kind, at: at, reason: reason, metadata: meta)
        print("\(annotation.runID): \(annotation.kind) noted (annotation \(annotation.id))")
    }
}
