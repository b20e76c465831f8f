import ArgumentParser
import RunLedger
import RunLedgerOutput

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show success rates, durations and time in each state.",
        discussion: """
            For each job (or each lifecycle, with --by lifecycle): runs, active runs, runs by \
            the canonical type of their current state, the success rate (COMPLETED over terminal \
            runs), and run duration p50/p95/max of terminal runs (creation to terminal state). \
            Then, per state: runs in it now, and how long stays in it lasted (mean and p95 over \
            stays that ended). Percentiles are nearest-rank. In JSON each group carries its \
            states; in CSV, --states lists the per-state rows instead of the groups.

            Examples:
              runledger stats
              runledger stats --by lifecycle --since 7d
              runledger stats --job nightly-etl --format json
              runledger stats --lifecycle domino --states --format csv
            """
    )

    enum Grouping: String, ExpressibleByArgument, CaseIterable {
        case job, lifecycle
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Group runs by job or by lifecycle.", valueName: "grouping"))
    var by: Grouping = .job

    @Option(help: ArgumentHelp("Only runs of this job.", valueName: "job"))
    var job: String?

    @Option(help: ArgumentHelp("Only runs of this lifecycle.", valueName: "name"))
    var lifecycle: String?

    @Option(help: ArgumentHelp("Only runs created at or after: \(TimeArgument.help).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only runs created before: \(TimeArgument.help).", valueName: "time"))
    var until: String?

    @Flag(help: "List the per-state rows (time in state) instead of the groups (table, csv).")
    var states = false

    func run() throws {
        let since = try since.map { try TimeArgument.parse($0, option: "--since") }
        let until = try until.map { try TimeArgument.parse($0, option: "--until") }
        let ledger = try global.open(.readOnly)
        let stats = try ledger.stats(
            StatsQuery(
                grouping: by == .job ? .job : .lifecycle, job: job, lifecycle: lifecycle, createdSince: since,
                createdBefore: until))
        let key = by.rawValue
        switch output.format {
        case .json:
            print(output.format.render(StatsRows.groups(stats, key: key, nested: true)), terminator: "")
        case .csv:
            let table = states ? StatsRows.states(stats, key: key) : StatsRows.groups(stats, key: key, nested: false)
            print(output.format.render(table), terminator: "")
        case .table:
            var text = states ? "" : output.format.render(StatsRows.groups(stats, key: key, nested: false)) + "\n"
            text += output.format.render(StatsRows.states(stats, key: key))
            print(text, terminator: "")
        }
    }
}
