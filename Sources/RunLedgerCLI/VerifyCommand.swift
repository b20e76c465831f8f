import ArgumentParser
import RunLedger
import RunLedgerOutput

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every rule, and that the rules are in place.",
        discussion: """
            Finds what a client that dropped or bypassed the triggers may have written: \
            history rows that do not chain or break their lifecycle, runs whose state does not \
            follow their history, time going backwards, missing or altered triggers and \
            built-in lifecycles, invalid JSON, and SQLite integrity errors. Reads only. Exit 0 \
            when clean, 65 when anything is wrong.

            Examples:
              runledger verify
              runledger --db archive.db verify --format json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Report at most this many problems.", valueName: "n"))
    var limit = 1000

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1, not \(limit).") }
    }

    func run() throws {
        let ledger = try global.open(.readOnly)
        let report = try ledger.verify(limit: limit)
        var table = Table(columns: [.init("check"), .init("run_id", title: "RUN"), .init("seq"), .init("detail")])
        for problem in report.problems {
            table.append([
                .text(problem.check), Cell(problem.runID), problem.seq.map(Cell.integer) ?? .null,
                .text(problem.detail),
            ])
        }
        if report.isClean {
            if output.format == .table {
                print(
                    "Ledger \(ledger.path) is sound: \(report.runs) runs and \(report.changes) changes follow every rule."
                )
            } else {
                print(output.format.render(table), terminator: "")
            }
            return
        }
        print(output.format.render(table), terminator: "")
        let more = report.isTruncated ? " (and more; raise --limit)" : ""
        throw CLIError.data("\(ledger.path) breaks the ledger's rules: \(report.problems.count) problems\(more).")
    }
}
