import ArgumentParser
import RunLedger

struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a whole ledger into another, through its rules.",
        discussion: """
            Carries every run with its history, upstreams, heartbeat and annotations, the \
            lifecycles that are not built in, and the job limits, deadlines, freshness limits, \
            pins and retention policies, writing each row through the target's own rules, then \
            verifies the target. Either side is a SQLite file or a \
            PostgreSQL URI; the target is created if missing. History rows get the target's \
            seq numbers, in the same order. A run already in the target must begin with the \
            same history; its missing rows are added, so an interrupted copy can be run again. \
            Prune records, seals and consumers stay behind: they count the source's seq \
            numbers (seal the target anew).

            Examples:
              runledger copy --from runs.db --to postgresql://ops@db.internal/runs
              runledger copy --from postgresql://ops@db.internal/runs --to backup.db
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The ledger to copy (default: the --db ledger).", valueName: "path|uri"))
    var from: String?

    @Option(help: ArgumentHelp("The ledger to copy into; created if missing.", valueName: "path|uri"))
    var to: String

    @Option(help: ArgumentHelp("Runs written per transaction of the target.", valueName: "count"))
    var batchSize: Int = 500

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, not \(batchSize).") }
    }

    func run() throws {
        let source = try global.open(.readOnly, at: from ?? global.path)
        let target = try global.open(.create, at: to)
        let report = try source.copy(to: target, batchSize: batchSize)
        var text =
            "Copied \(report.runs) runs (\(report.written) changes and annotations written) from \(source.path) to \(target.path)"
        if report.extended > 0 { text += "; completed \(report.extended) runs the target held in part" }
        if report.unchanged > 0 { text += "; \(report.unchanged) runs were there already" }
        if report.lifecycles > 0 { text += "; defined \(report.lifecycles) lifecycles" }
        if report.limits > 0 { text += "; set \(report.limits) job limits" }
        if report.deadlines > 0 { text += "; set \(report.deadlines) deadlines and freshness limits" }
        if report.retention > 0 { text += "; set \(report.retention) pins and retention policies" }
        print(text + ".")
        guard report.verification.isClean else {
            throw CLIError.data(
                "\(target.path) breaks the ledger's rules after the copy: \(report.verification.problems.count) problems (runledger verify lists them)."
            )
        }
        print(
            "Ledger \(target.path) is sound: \(report.verification.runs) runs and \(report.verification.changes) changes follow every rule."
        )
    }
}
