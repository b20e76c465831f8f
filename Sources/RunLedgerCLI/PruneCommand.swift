import ArgumentParser
import Foundation
import RunLedger

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove old runs, with history: by age, job or count.",
        discussion: """
            The one way rows leave a ledger: a terminal run goes whole, with its history. \
            Every option narrows: a run goes only if its job is chosen (--job), it ended \
            before --terminal-before or longer ago than the age of its canonical type \
            (--older-than, refined by its outcome), and it is not among its job's newest \
            --keep-last runs. Whatever the options, a job's newest run, a pinned run \
            (runledger pin) and a run linked to a run that stays (parent, retry, upstream, \
            dependant) stay. --policy applies each job's stored policy (runledger retention) \
            and leaves jobs without one alone. With --archive, the runs are first copied into \
            that ledger file (created if missing), where `runledger --db FILE history` reads \
            them. The prune is recorded in the ledger's prunes table. --dry-run counts what \
            would go and estimates its bytes; --vacuum then gives the space back (SQLite: the \
            file shrinks).

            Examples:
              runledger prune --terminal-before 90d --archive runs-2026-q3.db
              runledger prune --older-than 'FAILED=90d,COMPLETED=7d,*=30d' --keep-last 10
              runledger prune --job nightly-etl --keep-last 50 --dry-run
              runledger prune --policy --vacuum
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Remove terminal runs that ended before this: \(TimeArgument.help).", valueName: "time"))
    var terminalBefore: String?

    @Option(help: ArgumentHelp(RetentionArgument.help, valueName: "ages"))
    var olderThan: String?

    @Option(help: ArgumentHelp("Keep each job's newest N runs whatever their age.", valueName: "n"))
    var keepLast: Int?

    @Option(name: .customLong("job"), help: ArgumentHelp("Prune only this job (repeatable).", valueName: "job"))
    var jobs: [String] = []

    @Flag(help: "Apply each job's stored retention policy (runledger retention).")
    var policy = false

    @Option(help: ArgumentHelp("A ledger file to copy the runs into first.", valueName: "path"))
    var archive: String?

    @Flag(help: "Count what would go, and its bytes; remove nothing.")
    var dryRun = false

    @Flag(help: "Give the space back after the prune (SQLite VACUUM: the file shrinks).")
    var vacuum = false

    func validate() throws {
        if let keepLast, keepLast < 0 { throw ValidationError("--keep-last must be 0 or more, not \(keepLast).") }
        if policy && (terminalBefore != nil || olderThan != nil || keepLast != nil) {
            throw ValidationError(
                "--policy applies the stored policies: leave out --terminal-before, --older-than, --keep-last.")
        }
        if !policy && terminalBefore == nil && olderThan == nil && keepLast == nil {
            throw ValidationError("Say what to prune: --terminal-before, --older-than, --keep-last or --policy.")
        }
        if dryRun && (vacuum || archive != nil) {
            throw ValidationError("--dry-run changes nothing: leave out --vacuum and --archive.")
        }
    }

    func run() throws {
        var options = PruneOptions()
        options.jobs = Set(jobs)
        options.usePolicies = policy
        options.archive = archive
        if let terminalBefore {
            options.terminalBefore = try TimeArgument.parse(
                terminalBefore, option: "--terminal-before", now: options.now)
        }
        if olderThan != nil || keepLast != nil {
            options.retention = try RetentionArgument.policy(olderThan: olderThan, keepLast: keepLast)
        }
        let ledger = try global.open(dryRun ? .readOnly : .readWrite)
        let report = try ledger.prune(options, dryRun: dryRun)
        var text =
            (dryRun ? "Would prune" : "Pruned")
            + " \(report.runs) runs, \(report.changes) changes, \(report.annotations) annotations, "
            + "\(report.dependencies) dependencies and \(report.openLineageEvents) received events"
        if let cutoff = options.terminalBefore { text += " that ended before \(cutoff.iso8601)" }
        if let archive = report.archive { text += ", archived to \(archive)" }
        if dryRun { text += "; about \(Self.bytes(report.bytes)) (estimated by \(report.bytesMethod))" }
        if report.kept > 0 { text += "; kept \(report.kept) linked to runs that stay" }
        if report.pinned > 0 { text += "; kept \(report.pinned) pinned" }
        print(text + ".")
        if vacuum {
            let space = try ledger.vacuum()
            print("Vacuumed: \(Self.bytes(space.bytesBefore)) -> \(Self.bytes(space.bytesAfter)).")
        }
    }

    /// Bytes for a person: `512 bytes`, `3.2 MB` (powers of 1024, as `serve --max-body`).
    static func bytes(_ count: Int64) -> String {
        let units = ["KB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = "bytes"
        for next in units where value >= 1024 {
            value /= 1024
            unit = next
        }
        return unit == "bytes" ? "\(count) bytes" : String(format: "%.1f", value) + " " + unit
    }
}
