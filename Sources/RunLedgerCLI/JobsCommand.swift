import ArgumentParser
import Foundation
import RunLedger
import RunLedgerOutput

struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Show jobs' health or limits; set limits, deadlines.",
        discussion: """
            With --health, lists every job's health instead: its latest run and state, its \
            last success and the failures since (over its whole history, as \
            runledger_consecutive_failures counts them), its active runs against its limit, \
            and its runs, success rate and p50/p95 duration: of all its runs, as runledger \
            stats has them, or of those created within --window; failing is yes where the \
            latest run ended FAILED or CRASHED; and its freshness: STALE SINCE is set when \
            none of its runs completed within its --stale-after. The server's /jobs page shows \
            the same. Exit 65 when a job is stale (for cron and CI).

            A run started while its job has as many active runs as its limit moves at once to \
            its lifecycle's skip state (Databricks SKIPPED, with outcome \
            MAXIMUM_CONCURRENT_RUNS_REACHED), its reason naming an active run. A job without a \
            limit of its own gets its lifecycle's default: 1 for databricks, none for the others.

            Deadlines, which runledger sweep enforces: --max-runtime, the longest a run may \
            take from when it was due (its --scheduled-at, or its start); --deadline \
            STATE=DURATION, the longest it may stay in STATE (repeat for several states). A \
            run past one moves to its lifecycle's timeout state (canonical FAILED, Databricks \
            TERMINATED with outcome TIMEDOUT, Prefect TimedOut) or, where it cannot, gets a \
            deadline_missed annotation. With --lifecycle NAME instead of a job, they are the \
            defaults of every job of that lifecycle without its own. --stale-after DURATION: \
            the job is stale (a freshness violation) when none of its runs completed within \
            it. The value off removes a deadline or limit. --deadlines lists them all.

            Examples:
              runledger jobs
              runledger jobs nightly-etl --max-active 2
              runledger jobs nightly-etl --max-runtime 2h --deadline PENDING=10m
              runledger jobs nightly-etl --stale-after 26h
              runledger jobs --lifecycle databricks --deadline TERMINATING=5m
              runledger jobs nightly-etl --deadline PENDING=off
              runledger jobs warehouse-refresh --unlimited
              runledger jobs warehouse-refresh --clear
              runledger jobs --health --window 24h --format json
              runledger jobs --deadlines
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "A job, to set its limit, deadlines or freshness.")
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

    @Option(
        help: ArgumentHelp(
            "The longest a run may take, from when it was due, such as 2h (off removes it).", valueName: "duration"))
    var maxRuntime: String?

    @Option(
        help: ArgumentHelp(
            "The longest a run may stay in STATE, such as PENDING=10m (off removes it); repeat.",
            valueName: "state=duration"))
    var deadline: [String] = []

    @Option(
        help: ArgumentHelp(
            "The job is stale when none of its runs completed within this, such as 26h (off removes it).",
            valueName: "duration"))
    var staleAfter: String?

    @Option(help: ArgumentHelp("Set the deadlines of this lifecycle's jobs (their defaults).", valueName: "name"))
    var lifecycle: String?

    @Flag(help: "List every deadline and freshness limit.")
    var deadlines = false

    func validate() throws {
        let limits = [maxActive != nil, unlimited, clear].filter { $0 }.count
        let timing = deadline.count + (maxRuntime == nil ? 0 : 1) + (staleAfter == nil ? 0 : 1)
        if health || deadlines {
            let name = health ? "--health" : "--deadlines"
            if health && deadlines { throw ValidationError("Give --health or --deadlines, not both.") }
            if job != nil || lifecycle != nil { throw ValidationError("\(name) lists every job: name none.") }
            if limits + timing > 0 { throw ValidationError("\(name) only lists; set limits and deadlines without it.") }
        }
        if window != nil && !health { throw ValidationError("--window goes with --health.") }
        if let lifecycle {
            if job != nil { throw ValidationError("Name a job or --lifecycle \(lifecycle), not both.") }
            if limits > 0 {
                throw ValidationError("A lifecycle's default limit is part of its definition; set a job's limit.")
            }
            if staleAfter != nil { throw ValidationError("--stale-after is set per job, not per lifecycle.") }
            if timing == 0 { throw ValidationError("Give --max-runtime or --deadline STATE=DURATION to set.") }
        }
        if job == nil && lifecycle == nil && limits + timing > 0 {
            throw ValidationError("Name the job whose limit or deadlines to set.")
        }
        if job != nil && limits > 1 { throw ValidationError("Give one of --max-active N, --unlimited, --clear.") }
        if job != nil && limits + timing == 0 {
            throw ValidationError(
                "Give what to set: --max-active N, --unlimited, --clear, --max-runtime, --deadline or --stale-after.")
        }
        if let maxActive, maxActive < 0 { throw ValidationError("--max-active must be 0 or more, not \(maxActive).") }
        for item in deadline where Self.split(item) == nil {
            throw ValidationError("--deadline '\(item)' is not STATE=DURATION, such as PENDING=10m.")
        }
    }

    /// `STATE=DURATION` split at its last `=` (a duration has none; a state name might).
    private static func split(_ item: String) -> (state: String, duration: String)? {
        guard let equals = item.lastIndex(of: "=") else { return nil }
        let state = String(item[..<equals]).trimmingCharacters(in: .whitespaces)
        let duration = String(item[item.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        return state.isEmpty || duration.isEmpty ? nil : (state, duration)
    }

    /// A duration option's seconds, or nil for `off`.
    private static func seconds(_ text: String, option: String) throws -> Double? {
        if text.lowercased() == "off" { return nil }
        let seconds = try TimeArgument.duration(text, option: option)
        guard seconds > 0 else { throw CLIError.data("\(option) must be more than 0 (off removes it), not '\(text)'.") }
        return seconds
    }

    /// The deadlines and freshness limit given, parsed (nil seconds: `off`, remove it).
    private struct Timing {
        var deadlines: [(state: String?, seconds: Double?, text: String)] = []
        var freshness: (text: String, seconds: Double?)?
    }

    /// Parses every duration given before anything is written: a bad one changes nothing.
    private func timing() throws -> Timing {
        var timing = Timing()
        if let maxRuntime {
            timing.deadlines.append((nil, try Self.seconds(maxRuntime, option: "--max-runtime"), maxRuntime))
        }
        for item in deadline {
            guard let (state, duration) = Self.split(item) else { continue }
            timing.deadlines.append((state, try Self.seconds(duration, option: "--deadline"), duration))
        }
        timing.freshness = try staleAfter.map { ($0, try Self.seconds($0, option: "--stale-after")) }
        return timing
    }

    /// Sets (or removes) the deadlines and freshness limit given, with a note for each.
    private func set(_ timing: Timing, on ledger: Ledger, scope: DeadlineScope) throws {
        let what = "\(scope.kind) \(scope.name)"
        for (state, seconds, text) in timing.deadlines {
            let name = state.map { "deadline \($0)" } ?? "max run time"
            if let seconds {
                try ledger.setDeadline(scope, state: state, seconds: seconds)
                printNote("\(what): \(name) \(text)")
            } else {
                let had = try ledger.removeDeadline(scope, state: state)
                printNote("\(what): \(name) \(had ? "removed" : "was not set")")
            }
        }
        if let (text, seconds) = timing.freshness {
            if let seconds {
                try ledger.setFreshness(scope.name, staleAfter: seconds)
                printNote("\(what): stale after \(text) without a success")
            } else {
                let had = try ledger.removeFreshness(scope.name)
                printNote("\(what): freshness limit \(had ? "removed" : "was not set")")
            }
        }
    }

    func run() throws {
        if health {
            let seconds = try window.map { try TimeArgument.duration($0, option: "--window") }
            let ledger = try global.open(.readOnly)
            let jobs = try ledger.jobHealth(window: seconds)
            print(output.format.render(JobHealthRows.table(jobs)), terminator: "")
            let stale = jobs.filter(\.isStale).map(\.job)
            if !stale.isEmpty {
                throw CLIError.data(
                    "\(stale.count) job\(stale.count == 1 ? " is" : "s are") past \(stale.count == 1 ? "its" : "their") "
                        + "freshness limit: \(stale.joined(separator: ", ")).")
            }
            return
        }
        if deadlines {
            let ledger = try global.open(.readOnly)
            print(
                output.format.render(
                    DeadlineRows.table(try ledger.deadlines(), freshness: try ledger.freshnessLimits())),
                terminator: "")
            return
        }
        if let lifecycle {
            let timing = try timing()
            try set(timing, on: try global.open(.readWrite), scope: .lifecycle(lifecycle))
            return
        }
        if let job {
            let timing = try timing()
            let ledger = try global.open(.create)
            if clear {
                try ledger.clearConcurrencyLimit(for: job)
            } else if maxActive != nil || unlimited {
                try ledger.setConcurrencyLimit(maxActive, for: job)
            }
            try set(timing, on: ledger, scope: .job(job))
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
