import ArgumentParser
import RunLedger

struct ExportOpenLineageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openlineage",
        abstract: "Export runs as OpenLineage RunEvents, one per line.",
        discussion: """
            Writes runs of any lifecycle, one JSON object per line. A run's first change is its \
            START; after it, RUNNING-type states are RUNNING events, COMPLETED is COMPLETE, \
            FAILED and CRASHED are FAIL, CANCELLED and SKIPPED are ABORT, waiting states and \
            annotations are OTHER. Runs of other lifecycles carry a runledger run facet, so \
            importing the export rebuilds the same histories.

            Examples:
              runledger export openlineage --since 24h > events.jsonl
              runledger export openlineage --run 0193... | curl -X POST ... (one event per line)
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("run"), help: ArgumentHelp("Only this run.", valueName: "run-id"))
    var runID: String?

    @Option(help: ArgumentHelp("Only runs of this job.", valueName: "job"))
    var job: String?

    @Option(help: ArgumentHelp("Only runs created at or after: \(TimeArgument.help).", valueName: "time"))
    var since: String?

    func run() throws {
        let since = try since.map { try TimeArgument.parse($0, option: "--since") }
        let ledger = try global.open(.readOnly)
        let lines = try ledger.exportOpenLineage(OpenLineageExportQuery(runID: runID, job: job, createdSince: since))
        print(lines.map { $0 + "\n" }.joined(), terminator: "")
    }
}
