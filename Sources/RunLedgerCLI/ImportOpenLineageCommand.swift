import ArgumentParser
import Foundation
import RunLedger

struct ImportOpenLineageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openlineage",
        abstract: "Import OpenLineage RunEvents (JSON lines or an array).",
        discussion: """
            The file is JSON lines, as the OpenLineage client's file transport writes them, or \
            one JSON array of events: the same intake as `runledger serve`'s POST \
            /api/v1/lineage. Every RunEvent is kept as received (a repeat is recognized by its \
            hash and records nothing), then applied to the openlineage lifecycle: a run is \
            recorded by its first event of any type (a COMPLETE alone is a run that completed), \
            RUNNING, COMPLETE, FAIL and ABORT move it, OTHER is an annotation. An event that \
            cannot move its run (a START after a later event, anything after the run's end) is \
            kept, not applied: an annotation on the run, listed with its reason. run.runId is \
            the run's id, job.namespace/job.name its job, eventTime the time (a time without a \
            zone is UTC); facets go to metadata. Each run's events are applied in eventTime \
            order. Only what is not a RunEvent at all (not JSON, no eventTime, no run.runId, no \
            job) is refused, with the field named; exit 65 if any was.

            Examples:
              runledger import openlineage /var/log/openlineage/events.jsonl
              runledger import openlineage events.jsonl.1 events.jsonl
              cat events.json | runledger import openlineage - --format json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(
        help: ArgumentHelp(
            "The files of events (- for standard input), imported as one: each run's events in time order across them.",
            valueName: "file"))
    var files: [String] = ["-"]

    func validate() throws {
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("Standard input (-) can be read once.") }
    }

    func run() throws {
        var texts: [String] = []
        for file in files {
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
            texts.append(text)
        }
        let ledger = try global.open(.create)
        let report = try ledger.importOpenLineage(texts: texts)
        switch output.format {
        case .table:
            func place(_ entry: OpenLineageImportReport.Entry) -> String {
                let file = files[entry.input]
                let at = file == "-" ? "event \(entry.position)" : "line \(entry.position)"
                return files.count > 1 ? "\(file == "-" ? "stdin" : file) \(at)" : at
            }
            var lines =
                "Read \(report.read) events: \(report.applied) applied, \(report.noted.count) kept but not applied, "
                + "\(report.duplicates) already recorded, \(report.refused.count) refused.\n"
            for (title, entries) in [("Kept, not applied", report.noted), ("Refused", report.refused)]
            where !entries.isEmpty {
                lines += "\(title):\n"
                for entry in entries {
                    lines +=
                        "  \(place(entry))\(entry.runID.map { " (run \($0))" } ?? ""): \(entry.reason)\n"
                }
            }
            print(lines, terminator: "")
        case .json, .csv:
            func entries(_ entries: [OpenLineageImportReport.Entry]) -> Cell {
                .nested(
                    Table(
                        columns: [.init("file"), .init("position"), .init("run_id"), .init("reason")],
                        rows: entries.map {
                            [.text(files[$0.input]), .integer(Int64($0.position)), Cell($0.runID), .text($0.reason)]
                        }))
            }
            let table = Table(
                columns: [.init("read"), .init("applied"), .init("noted"), .init("duplicates"), .init("refused")],
                rows: [
                    [
                        .integer(Int64(report.read)), .integer(Int64(report.applied)), entries(report.noted),
                        .integer(Int64(report.duplicates)), entries(report.refused),
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
