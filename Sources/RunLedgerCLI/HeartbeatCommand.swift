import ArgumentParser
import RunLedger

struct HeartbeatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heartbeat",
        abstract: "Record that a running run is alive (not a history row).",
        discussion: """
            A run that has sent heartbeats and then stops is crashed by the sweep once its \
            last heartbeat is older than the sweep's --heartbeat-timeout. A heartbeat for a \
            run that has ended is refused (exit 65): the sweep may have crashed it.

            Example:
              while work; do runledger heartbeat "$RUN_ID"; sleep 30; done
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The run's id.")
    var runID: String

    @Option(help: "The heartbeat's time: \(TimeArgument.help) (default: now).")
    var at: String?

    func run() throws {
        let at = try at.map { try TimeArgument.parse($0, option: "--at") }
        let ledger = try global.open(.readWrite)
        try ledger.heartbeat(runID, at: at)
    }
}

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Mark overdue scheduled runs late, and crash runs whose heartbeat stopped.",
        discussion: """
            Late: an active run whose scheduled start (start --scheduled-at) is more than \
            --late-after ago, in a state its lifecycle can leave for its late state (Prefect: \
            Scheduled -> Late). Crashed: an active run whose last heartbeat is older than \
            --heartbeat-timeout, moved to its lifecycle's crash state (Prefect Crashed, \
            Databricks INTERNAL_ERROR, Domino Error, canonical CRASHED) with the reason \
            "heartbeat lost" and the time of the last heartbeat. Each run is checked and moved \
            in one transaction: a run that just finished, or just sent a heartbeat, is left \
            alone. Prints the changes made. Run it from cron or a timer.

            Examples:
              runledger sweep
              runledger sweep --late-after 15s --heartbeat-timeout 2m --format json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "How long past its scheduled time a waiting run becomes late (5s).")
    var lateAfter = "5s"

    @Option(help: "How old a run's last heartbeat may be before it is crashed (90s).")
    var heartbeatTimeout = "90s"

    func run() throws {
        let late = try TimeArgument.duration(lateAfter, option: "--late-after")
        let timeout = try TimeArgument.duration(heartbeatTimeout, option: "--heartbeat-timeout")
        let ledger = try global.open(.readWrite)
        let report = try ledger.sweep(lateAfter: late, heartbeatTimeout: timeout)
        let changes = report.late + report.crashed
        if output.format == .table {
            var text = "Swept: \(report.late.count) late, \(report.crashed.count) crashed.\n"
            for change in changes { text += ChangeRows.render(change, format: .table) }
            print(text, terminator: "")
        } else {
            print(output.format.render(ChangeRows.changes(changes)), terminator: "")
        }
    }
}

struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release a run waiting for its upstream runs, once they have all completed.",
        discussion: """
            The ledger releases waiting runs by itself when their last upstream run \
            completes (Databricks BLOCKED -> PENDING, OpenCue blocked -> pending). This does it \
            by hand, for a run blocked some other way; it is refused (exit 65) while an \
            upstream has not completed, naming it.

            Example:
              runledger release 0193...
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The run's id.")
    var runID: String

    @Option(help: "Why.")
    var reason: String?

    func run() throws {
        let ledger = try global.open(.readWrite)
        print(ChangeRows.render(try ledger.release(runID, reason: reason), format: output.format), terminator: "")
    }
}

struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Record a fact about a run that does not move it (an OpenLineage OTHER event).",
        discussion: """
            Annotations show in the run's history. The run need not be recorded yet: \
            OpenLineage allows OTHER even before START.

            Example:
              runledger annotate 0193... --kind OTHER --reason "schema facet updated" --meta '{"facet": "schema"}'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The run's id.")
    var runID: String

    @Option(help: "What kind of fact.")
    var kind = "OTHER"

    @Option(help: "What it says.")
    var reason: String?

    @Option(help: "JSON metadata.")
    var meta: String?

    @Option(help: "When: \(TimeArgument.help) (default: now).")
    var at: String?

    func run() throws {
        let at = try at.map { try TimeArgument.parse($0, option: "--at") }
        let ledger = try global.open(.create)
        let annotation = try ledger.annotate(runID, kind: kind, at: at, reason: reason, metadata: meta)
        print("\(annotation.runID): \(annotation.kind) noted (annotation \(annotation.id))")
    }
}

struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Show or set jobs' limits of concurrently active runs.",
        discussion: """
            A run started while its job has as many active runs as its limit moves at once to \
            its lifecycle's skip state (Databricks SKIPPED, with outcome \
            MAXIMUM_CONCURRENT_RUNS_REACHED), its reason naming an active run. A job without a \
            limit of its own gets its lifecycle's default: 1 for databricks, none for the others.

            Examples:
              runledger jobs
              runledger jobs nightly-etl --max-active 2
              runledger jobs warehouse-refresh --unlimited
              runledger jobs warehouse-refresh --clear
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "A job, to set its limit.")
    var job: String?

    @Option(help: "The most runs of the job that may be active at once (0 skips every new run).")
    var maxActive: Int?

    @Flag(help: "No limit for the job, whatever its lifecycle's default.")
    var unlimited = false

    @Flag(help: "Remove the job's own limit: its lifecycle's default applies again.")
    var clear = false

    func validate() throws {
        let choices = [maxActive != nil, unlimited, clear].filter { $0 }.count
        if job == nil && choices > 0 { throw ValidationError("Name the job whose limit to set.") }
        if job != nil && choices != 1 { throw ValidationError("Give one of --max-active N, --unlimited, --clear.") }
        if let maxActive, maxActive < 0 { throw ValidationError("--max-active must be 0 or more, not \(maxActive).") }
    }

    func run() throws {
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

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove whole terminal runs that ended before a time, with their history.",
        discussion: """
            The one way rows leave a ledger. A run stays while a run that stays is linked to it \
            (parent, retry, upstream, dependant). With --archive, the runs are first copied \
            into that ledger file (created if missing), where `runledger --db FILE history` \
            reads them. The prune is recorded in the ledger's prunes table.

            Examples:
              runledger prune --terminal-before 90d --archive runs-2026-q3.db
              runledger prune --terminal-before 2026-01-01
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Remove terminal runs that ended before this: \(TimeArgument.help).")
    var terminalBefore: String

    @Option(help: "A ledger file to copy the runs into first.")
    var archive: String?

    func run() throws {
        let cutoff = try TimeArgument.parse(terminalBefore, option: "--terminal-before")
        let ledger = try global.open(.readWrite)
        let report = try ledger.prune(terminalBefore: cutoff, archive: archive)
        var text = "Pruned \(report.runs) runs and \(report.changes) changes that ended before \(cutoff.iso8601)"
        if let archive = report.archive { text += ", archived to \(archive)" }
        if report.kept > 0 { text += "; kept \(report.kept) linked to runs that stay" }
        print(text + ".")
    }
}
