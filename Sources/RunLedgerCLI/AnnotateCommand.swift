import ArgumentParser
import RunLedger

struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Record a fact about a run that does not move it.",
        discussion: """
            An annotation is what OpenLineage calls an OTHER event, and is exported as one. \
            Annotations show in the run's history. The run need not be recorded yet: \
            OpenLineage allows OTHER even before START.

            Example:
              runledger annotate 0193... --kind OTHER --reason "schema facet updated" --meta '{"facet": "schema"}'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The run's id.")
    var runID: String

    @Option(help: ArgumentHelp("What kind of fact.", valueName: "kind"))
    var kind = "OTHER"

    @Option(help: ArgumentHelp("What it says.", valueName: "text"))
    var reason: String?

    @Option(help: ArgumentHelp("JSON metadata.", valueName: "json"))
    var meta: String?

    @Option(help: ArgumentHelp("When: \(TimeArgument.help) (default: now).", valueName: "time"))
    var at: String?

    func run() throws {
        let at = try at.map { try TimeArgument.parse($0, option: "--at") }
        let ledger = try global.open(.readWrite)
        let annotation = try ledger.annotate(runID, kind: kind, at: at, reason: reason, metadata: meta)
        print("\(annotation.runID): \(annotation.kind) noted (annotation \(annotation.id))")
    }
}
