import ArgumentParser
import Foundation
import RunLedger
import RunLedgerOutput

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show a run's timeline: each change, its time, and why.",
        discussion: """
            Each change shows the time the run spent in its previous state (in JSON and CSV, \
            previous_state_seconds). Times are ISO-8601 UTC. The first line of the table names \
            the run, its state, its attempt and its parent run, if it retries one.

            With --follow, new changes are printed as other processes record them, until \
            the run reaches a terminal state (or you interrupt); JSON is then one object per \
            line.

            Examples:
              runledger history 0193...
              runledger history 0193... --format json
              runledger history 0193... --follow
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The run's id.")
    var runID: String

    @Flag(help: "Keep printing new changes until the run is terminal.")
    var follow = false

    @Option(help: ArgumentHelp("Seconds between polls with --follow.", valueName: "seconds", visibility: .hidden))
    var interval: Double = 0.25

    func validate() throws {
        guard interval > 0, interval <= 60 else { throw ValidationError("--interval must be in (0, 60] seconds.") }
    }

    func run() throws {
        let ledger = try global.open(.readOnly)
        let timeline = try ledger.timeline(of: runID)
        let table = ChangeRows.timeline(timeline)
        guard follow else {
            var text = ""
            if output.format == .table { text += Self.summary(of: timeline) }
            text += output.format.render(table)
            if output.format == .table && !timeline.annotations.isEmpty {
                text += "\n" + OutputFormat.table.render(Self.annotations(timeline.annotations))
            }
            print(text, terminator: "")
            return
        }

        // Following: print what is there, then each new change as it lands.
        switch output.format {
        case .table: print(Self.summary(of: timeline) + OutputFormat.table.render(table), terminator: "")
        case .csv: print(OutputFormat.csv.render(table), terminator: "")
        case .json:
            for row in table.rows {
                print(JSONFormatter.inline(Table(columns: table.columns, rows: [row])).dropFirst().dropLast())
            }
        }
        fflush(nil)  // all streams: lines must reach a pipe as they come
        var last = timeline.changes.last
        while let current = last, timeline.lifecycle.state(named: current.to)?.isTerminal != true {
            Thread.sleep(forTimeInterval: interval)
            for change in try ledger.changes(of: runID, after: current.seq) {
                let row = ChangeRows.row(
                    change, canonicalType: timeline.canonicalType(of: change.to, outcome: change.outcome),
                    secondsInPrevious: last.map { change.at.seconds(since: $0.at) })
                let single = Table(columns: table.columns, rows: [row])
                switch output.format {
                case .table:
                    print(TableFormatter.render(single).split(separator: "\n").dropFirst().joined(separator: "\n"))
                case .csv:
                    print(CSVFormatter.render(single).split(separator: "\r\n").dropFirst().joined(), terminator: "\r\n")
                case .json: print(JSONFormatter.inline(single).dropFirst().dropLast())
                }
                last = change
            }
            fflush(nil)  // all streams: lines must reach a pipe as they come
        }
    }

    /// The lines above the table: which run, where it is, its place in a retry chain, and
    /// the upstream runs it waits for.
    static func summary(of timeline: RunTimeline) -> String {
        let run = timeline.run
        var text = "run \(run.id)  job \(run.job)  lifecycle \(run.lifecycle)  state \(run.state)"
        if let outcome = run.outcome { text += " [\(outcome)]" }
        text += run.isTerminal ? " (terminal, \(run.canonicalType.rawValue))" : " (active)"
        text += "\nattempt \(run.attempt)"
        if let maxRetries = run.maxRetries { text += " of at most \(maxRetries + 1)" }
        if let parent = run.parentID { text += ", retrying \(parent)" }
        if !timeline.children.isEmpty { text += ", retried by \(timeline.children.joined(separator: ", "))" }
        if !timeline.upstreams.isEmpty {
            let upstreams = timeline.upstreams.map { "\($0.id) (\($0.isCompleted ? "completed" : "not completed"))" }
            text += "\nwaits for \(upstreams.joined(separator: ", "))"
        }
        return text + "\n"
    }

    /// The run's annotations as a table.
    static func annotations(_ annotations: [Annotation]) -> Table {
        AnnotationRows.table(annotations)
    }
}
