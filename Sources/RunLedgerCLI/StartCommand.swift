import ArgumentParser
import RunLedger
import RunLedgerOutput

struct StartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a run of a job and print its id.",
        discussion: """
            The run enters the lifecycle's first initial state, or --state. The ledger is \
            created if it does not exist.

            Examples:
              runledger start nightly-etl
              runledger start render --lifecycle opencue --reason "artist submit" --meta '{"frames":"1-100"}'
              runledger start nightly-etl --lifecycle prefect --parent 0193... --reason "retry after crash"
              runledger start load --lifecycle databricks --upstream 0193a... --upstream 0193b...
              runledger start report --lifecycle prefect --scheduled-at 2026-11-24T06:00:00Z --max-retries 3
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The job the run executes.")
    var job: String

    @Option(help: ArgumentHelp("The run's lifecycle.", valueName: "name"))
    var lifecycle: String = "canonical"

    @Option(help: ArgumentHelp("The run's id (default: a new UUIDv7).", valueName: "run-id"))
    var id: String?

    @Option(
        help: ArgumentHelp(
            "The first state, an initial state of the lifecycle (default: its first).", valueName: "state"))
    var state: String?

    @Option(help: ArgumentHelp("When the run was created: \(TimeArgument.help) (default: now).", valueName: "time"))
    var at: String?

    @Option(help: ArgumentHelp("Why the run was started.", valueName: "text"))
    var reason: String?

    @Option(help: ArgumentHelp("JSON metadata stored with the run.", valueName: "json"))
    var meta: String?

    @Option(
        help: ArgumentHelp(
            "The run this one retries or resubmits; the new run's attempt is one more.", valueName: "run-id"))
    var parent: String?

    @Option(help: ArgumentHelp("An upstream run this one waits for (repeat for several).", valueName: "run-id"))
    var upstream: [String] = []

    @Option(
        help: ArgumentHelp(
            "How many retries the run and its chain may use (default: the parent's, else no limit).", valueName: "n"))
    var maxRetries: Int?

    @Option(
        help: ArgumentHelp(
            "When the run is due to start: an ISO-8601 time, or +15m from now; the sweep marks it late after that.",
            valueName: "time"))
    var scheduledAt: String?

    func run() throws {
        let at = try at.map { try TimeArgument.parse($0, option: "--at") }
        let scheduledAt = try scheduledAt.map { text in
            text.hasPrefix("+")
                ? Timestamp.now.adding(
                    seconds: try TimeArgument.duration(String(text.dropFirst()), option: "--scheduled-at"))
                : try TimeArgument.parse(text, option: "--scheduled-at")
        }
        let ledger = try global.open(.create)
        let run = try ledger.start(
            job: job, lifecycle: lifecycle, id: id, state: state, at: at, reason: reason, metadata: meta,
            parent: parent, upstream: upstream, maxRetries: maxRetries, scheduledAt: scheduledAt)
        if run.isTerminal, output.format == .table {
            printNote(
                "(run \(run.id) was recorded and moved at once to \(run.state): \(try ledger.history(of: run.id).last?.reason ?? ""))"
            )
        }
        switch output.format {
        case .table: print(run.id)
        case .json, .csv: print(output.format.render(RunRows.table([run])), terminator: "")
        }
    }
}
