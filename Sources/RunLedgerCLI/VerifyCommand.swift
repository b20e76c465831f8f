import ArgumentParser
import Foundation
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

            With --seals, also recomputes the seals (runledger seal) and names the first \
            history row that no longer matches; given FILE, the seal lines saved off the box, \
            also finds rows removed from the end with their seals and a rewritten seals table.

            Examples:
              runledger verify
              runledger verify --seals /srv/audit/seals.log
              runledger --db archive.db verify --format json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Report at most this many problems.", valueName: "n"))
    var limit = 1000

    @Flag(help: "Also check the history against its seals (runledger seal).")
    var seals = false

    @Argument(help: ArgumentHelp("With --seals: the seal lines saved off the box.", valueName: "file"))
    var file: String?

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1, not \(limit).") }
        if file != nil, !seals { throw ValidationError("A seals file is read only with --seals.") }
    }

    func run() throws {
        let saved = try file.map(Self.savedSeals) ?? []
        let ledger = try global.open(.readOnly)
        var report = try ledger.verify(limit: limit)
        let sealReport = try seals ? ledger.verify(seals: saved, limit: limit) : nil
        report.problems += sealReport?.problems ?? []
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
                if let sealReport { print(Self.summary(sealReport, file: file)) }
            } else {
                print(output.format.render(table), terminator: "")
            }
            return
        }
        print(output.format.render(table), terminator: "")
        let more = report.isTruncated ? " (and more; raise --limit)" : ""
        if let seq = sealReport?.firstBadSeq {
            throw CLIError.data(
                "\(ledger.path) no longer matches its seals from seq \(seq): \(report.problems.count) problems\(more).")
        }
        throw CLIError.data("\(ledger.path) breaks the ledger's rules: \(report.problems.count) problems\(more).")
    }

    /// The seal lines of a file (other lines are skipped); exit 66 when it cannot be read.
    static func savedSeals(_ path: String) throws -> [Seal.Line] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError(message: "No seals file at \(path).", code: ExitStatus.noInput)
        }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap(Seal.Line.init)
    }

    /// One sentence on a clean check of the seals.
    static func summary(_ report: SealReport, file: String?) -> String {
        guard report.seals > 0 else {
            return "It has no seals yet (runledger seal makes one): \(report.unsealed) rows are not sealed."
        }
        let unsealed = report.unsealed == 0 ? "" : "; \(report.unsealed) newer rows are not sealed yet"
        let saved = file.map { ", and they match the \(report.saved) seal lines of \($0)" } ?? ""
        return
            "Its history matches its \(report.seals) seals up to seq \(report.sealedThrough) (\(report.rows) rows hashed)\(saved)\(unsealed)."
    }
}
