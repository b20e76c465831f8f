import ArgumentParser
import RunLedger
import RunLedgerOutput

struct SQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Run one read-only SQL query and print its rows.",
        discussion: """
            The query may read any table or view of the schema (see README). Anything that \
            would change the file or the connection (INSERT, UPDATE, DELETE, DROP, CREATE, \
            ATTACH, VACUUM, PRAGMA assignments, load_extension) is refused with exit 65, and \
            the file is left byte for byte as it was.

            Examples:
              runledger sql "SELECT job, count(*) AS runs FROM runs GROUP BY job"
              runledger sql "SELECT * FROM run_timeline WHERE run_id = 'r1'" --format json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The query: one SELECT (or WITH, EXPLAIN, read-only PRAGMA) statement.")
    var query: String

    func run() throws {
        let ledger = try global.open(.readOnly)
        let result = try ledger.query(query)
        var table = Table(columns: result.columns.map { Table.Column($0, title: $0) })
        for row in result.rows {
            table.append(
                row.map { value in
                    switch value {
                    case .null: .null
                    case .integer(let int): .integer(int)
                    case .real(let double): .number(double)
                    case .text(let text): .text(text)
                    case .blob(let bytes): .text("x'" + bytes.map { hex($0) }.joined() + "'")
                    }
                })
        }
        print(output.format.render(table), terminator: "")
    }

    private func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
