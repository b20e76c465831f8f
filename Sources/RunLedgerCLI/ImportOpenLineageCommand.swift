import ArgumentParser
import Foundation
import RunLedger

struct ImportOpenLineageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openlineage",
        abstract: "Import OpenLineage RunEvents (JSON lines or an array).",
        discussion: """
            The file is JSON lines, as the OpenLineage client's file transport writes them, or \
            one JSON array of events. eventType maps onto the openlineage lifecycle (START \
            starts the run, RUNNING, COMPLETE, FAIL and ABORT move it, OTHER is an annotation); \
            run.runId is the run's id, job.namespace/job.name its job, eventTime the time; \
            facets go to metadata. Each run's events are applied in eventTime order. An event \
            that is invalid (no runId, a bad time, an unknown eventType) or illegal once ordered \
            records nothing and is reported; the others are applied. Importing the same events \
            again records nothing new. Prints how many events were read, applied, already there, \
            and refused (with reasons); exit 65 if any was refused.

            Examples:
              runledger import openlineage /var/log/openlineage/events.jsonl
              cat events.json | runledger import openlineage - --format json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The file of events, or - for standard input.")
    var file: String = "-"

    func run() throws {
        let data: Data
        do {
            data =
                file == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw CLIError(message: "Cannot read \(file): \(error.localizedDescription).", code: ExitStatus.noInput)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError.data("\(file) is not UTF-8 text.")
        }
        let ledger = try global.open(.create)
        let report = try ledger.importOpenLineage(text)
        switch output.format {
        case .table:
            var lines =
                "Read \(report.read) events: \(report.applied) applied, \(report.duplicates) already recorded, \(report.refused.count) refused.\n"
            for refusal in report.refused {
                lines +=
                    "  \(file == "-" ? "event" : "line") \(refusal.position)\(refusal.runID.map { " (run \($0))" } ?? ""): \(refusal.reason)\n"
            }
            print(lines, terminator: "")
        case .json, .csv:
            let table = Table(
                columns: [.init("read"), .init("applied"), .init("duplicates"), .init("refused")],
                rows: [
                    [
                        .integer(Int64(report.read)), .integer(Int64(report.applied)),
                        .integer(Int64(report.duplicates)),
                        .nested(
                            Table(
                                columns: [.init("position"), .init("run_id"), .init("reason")],
                                rows: report.refused.map {
                                    [.integer(Int64($0.position)), Cell($0.runID), .text($0.reason)]
                                })),
                    ]
                ])
            print(output.format.render(table), terminator: "")
        }
        if !report.refused.isEmpty {
            throw CLIError.data(
                "\(report.refused.count) of \(report.read) events were refused; nothing was recorded for them.")
        }
    }
}
