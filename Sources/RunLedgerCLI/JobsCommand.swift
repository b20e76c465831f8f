import ArgumentParser
import RunLedger
import RunLedgerOutput

struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Show jobs' health or limits; set a job's limit.",
        discussion: """
            With --health, lists every job's health instead: its latest run and state, its \
            last success and the failures since (over its whole history, as \
            runledger_consecutive_failures counts them), its active runs against its limit, \
            and its runs, success rate and p50/p95 duration: of all its runs, as runledger \
            stats has them, or of those created within --window; failing is yes where the latest run ended FAILED or CRASHED. The \
            server's /jobs page shows the same.

            A run started while its job has as many active runs as its limit moves at once to \
            its lifecycle's skip state (Databricks SKIPPED, with outcome \
            MAXIMUM_CONCURRENT_RUNS_REACHED), its reason naming an active run. A job without a \
            limit of its own gets its lifecycle's default: 1 for databricks, none for the others.

            Examples:
              runledger jobs
              runledger jobs nightly-etl --max-active 2
              runledger jobs warehouse-refresh --unlimited
              runledger jobs warehouse-refresh --clear
              runledger jobs --health --window 24h --format json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "A job, to set its limit.")
    var job: String?

    @Option(
        help: ArgumentHelp(
            "The most runs of the job that may be active at once (0 skips every new run).", valueName: "n"))
    var maxActive: Int?

    @Flag(help: "No limit for the job, whatever its lifecycle's default.")
    var unlimited = false

    @Flag(help: "Remove the job's own limit: its lifecycle's default applies again.")
    var clear = false

    @Flag(help: "List every job's health: latest run, last success, failures, success rate, durations.")
    var health = false

    @Option(
        help: ArgumentHelp(
            "With --health: count only runs created this long ago or since, such as 24h, 7d.",
            valueName: "duration"))
    var window: String?

    func validate() throws {
        if health && job != nil { throw ValidationError("--health lists every job: name none.") }
        if window != nil && !health { throw ValidationError("--window goes with --health.") }
        let choices = [maxActive != nil, unlimited, clear].filter { $0 }.count
        if job == nil && choices > 0 { throw ValidationError("Name the job whose limit to set.") }
        if job != nil && choices != 1 { throw ValidationError("Give one of --max-active N, --unlimited, --clear.") }
        if let maxActive, maxActive < 0 { throw ValidationError("--max-active must be 0 or more, not \(maxActive).") }
    }

    func run() throws {
        if health {
            let seconds = try window.map { try TimeArgument.duration($0, option: "--window") }
            let ledger = try global.open(.readOnly)
            let jobs = try ledger.jobHealth(window: seconds)
            print(output.format.render(JobHealthRows.table(jobs)), terminator: "")
            return
        }
        if let job {
            let ledger = try global.open(.create)
            if clear {
                try ledger.clearConcurrencyLimit(for: job)
            } else {
                try ledger.setConcurrencyLimit(maxActive, for: job)
            }
            return
        }
        let ledger = try global.open(.readOnly)
        var table = Table(columns: [.init("job"), .init("max_active"), .init("active")])
        for limit in try ledger.concurrencyLimits() {
            table.append([
                .text(limit.job), limit.maxActive.map { .integer(Int64($0)) } ?? .text("unlimited"),
                .integer(Int64(limit.active)),
            ])
        }
        print(output.format.render(table), terminator: "")
    }
}
