import ArgumentParser
import RunLedger
import RunLedgerOutput

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Mark runs late; crash or time out stuck runs.",
        discussion: """
            Late: an active run whose scheduled start (start --scheduled-at) is more than \
            --late-after ago, in a state its lifecycle can leave for its late state (Prefect: \
            Scheduled -> Late). Crashed: an active run whose last heartbeat is older than \
            --heartbeat-timeout, moved to its lifecycle's crash state (Prefect Crashed, \
            Databricks INTERNAL_ERROR, Domino Error, canonical CRASHED) with the reason \
            "heartbeat lost" and the time of the last heartbeat. Each run is checked and moved \
            in one transaction: a run that just finished, or just sent a heartbeat, is left \
            alone. Timed out: an active run past a deadline (runledger jobs J --max-runtime, \
            --deadline STATE=DURATION, or its lifecycle's default), moved to its lifecycle's \
            timeout state (canonical FAILED, Databricks TERMINATED with outcome TIMEDOUT, \
            Prefect TimedOut) with a reason naming the deadline; where its lifecycle has no \
            timeout state, or no edge to it from the run's state, the run gets a \
            deadline_missed annotation instead, once per stay. Stale: each job past its \
            freshness limit (jobs J --stale-after) is reported on stderr; nothing is written \
            for it. Prints the changes made (in JSON and CSV: the state changes). Run it from \
            cron or a timer.

            Examples:
              runledger sweep
              runledger sweep --late-after 15s --heartbeat-timeout 2m --format json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("How long past its scheduled time a waiting run becomes late.", valueName: "duration"))
    var lateAfter = "5s"

    @Option(help: ArgumentHelp("How old a run's last heartbeat may be before it is crashed.", valueName: "duration"))
    var heartbeatTimeout = "90s"

    func run() throws {
        let late = try TimeArgument.duration(lateAfter, option: "--late-after")
        let timeout = try TimeArgument.duration(heartbeatTimeout, option: "--heartbeat-timeout")
        let ledger = try global.open(.readWrite)
        let report = try ledger.sweep(lateAfter: late, heartbeatTimeout: timeout)
        let changes = report.late + report.crashed + report.timedOut
        if output.format == .table {
            var text =
                "Swept: \(report.late.count) late, \(report.crashed.count) crashed, "
                + "\(report.timedOut.count) timed out, \(report.overdue.count) past a deadline (annotated).\n"
            for change in changes { text += ChangeRows.render(change, format: .table) }
            for annotation in report.overdue { text += "\(annotation.runID): \(annotation.reason ?? "")\n" }
            print(text, terminator: "")
        } else {
            print(output.format.render(ChangeRows.changes(changes)), terminator: "")
        }
        for stale in report.stale {
            let last = stale.lastSuccess.map { "last success \($0.iso8601)" } ?? "no success"
            printNote("\(stale.job) is stale since \(stale.staleSince.iso8601) (\(last))")
        }
    }
}
