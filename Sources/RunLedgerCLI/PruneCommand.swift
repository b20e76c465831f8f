import ArgumentParser
import RunLedger

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove runs that ended before a time, with history.",
        discussion: """
            The one way rows leave a ledger: a terminal run goes whole, with its history. A \
            run stays while a run that stays is linked to it (parent, retry, upstream, \
            dependant). With --archive, the runs are first copied into that ledger file \
            (created if missing), where `runledger --db FILE history` reads them. The prune is recorded in the ledger's prunes table.

            Examples:
              runledger prune --terminal-before 90d --archive runs-2026-q3.db
              runledger prune --terminal-before 2026-01-01
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Remove terminal runs that ended before this: \(TimeArgument.help).", valueName: "time"))
    var terminalBefore: String

    @Option(help: ArgumentHelp("A ledger file to copy the runs into first.", valueName: "path"))
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
