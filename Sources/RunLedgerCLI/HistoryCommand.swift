import ArgumentParser
import RunLedger

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show a run's timeline: each change, its time, the time spent in the previous state, and why.",
        discussion: """
            Times are ISO-8601 UTC. In JSON, the time spent in the previous state is \
            previous_state_seconds.

            Examples:
              runledger history 0193...
              runledger history 0193... --format json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The run's id.")
    var runID: String

    func run() throws {
        let ledger = try global.open(.readOnly)
        let timeline = try ledger.timeline(of: runID)
        var text = ""
        if output.format == .table {
            let run = timeline.run
            text += "run \(run.id)  job \(run.job)  lifecycle \(run.lifecycle)  state \(run.state)"
            text += run.isTerminal ? " (terminal)" : " (active)"
            text += "  attempt \(run.attempt)"
            if let parent = run.parentID { text += "  parent \(parent)" }
            text += "\n"
        }
        text += output.format.render(ChangeRows.timeline(timeline))
        print(text, terminator: "")
    }
}
