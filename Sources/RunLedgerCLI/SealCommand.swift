import ArgumentParser
import RunLedger
import RunLedgerOutput

struct SealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Seal the history with a SHA-256 chain; print the seal.",
        discussion: """
            Hashes the history rows recorded since the latest seal (every column, in seq \
            order), folds in the latest seal, stores the new seal in the seals table and \
            prints it as one line: runledger-seal v1 id=... seq=... rows=... sha256=... at=.... \
            Keep the lines off the box (a file in git, a log, a ticket): verify --seals FILE \
            then proves that the history was not rewritten, even by a client that dropped the \
            triggers and rewrote a row and everything derived from it. On PostgreSQL it seals \
            up to history_high_water(), so no row that commits later falls inside a seal.

            Examples:
              runledger seal >> /srv/audit/seals.log
              runledger verify --seals /srv/audit/seals.log
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let ledger = try global.open(.readWrite)
        let seal = try ledger.seal()
        guard output.format != .table else {
            print(seal.line)
            return
        }
        var table = Table(columns: [
            .init("id"), .init("kind"), .init("from_seq"), .init("seq"), .init("rows"), .init("previous"),
            .init("sha256"), .init("at"), .init("line"),
        ])
        table.append([
            .integer(seal.id), .text(seal.kind.rawValue), .integer(seal.fromSeq), .integer(seal.seq),
            .integer(seal.rows), .text(seal.previous), .text(seal.sha256), .time(seal.at), .text(seal.line),
        ])
        print(output.format.render(table), terminator: "")
    }
}
