import ArgumentParser
import RunLedger

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the ledger, or migrate its schema.",
        discussion: """
            An existing ledger is migrated to this version's schema. Safe to run again: an \
            up-to-date ledger is left as it is. On PostgreSQL the ledger is made in the \
            connection's current schema (search_path; `public` unless the URI or the role \
            picks another), which must hold no other tables; the role needs CREATE on it. \
            Several hosts running init at once make one ledger.

            Examples:
              runledger --db runs.db init
              runledger --db postgresql://ops@db.internal:5432/runs init
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let ledger = try global.open(.create)
        let lifecycles = try ledger.lifecycles()
        print(
            "Ledger ready at \(ledger.path) with \(lifecycles.count) lifecycles: \(lifecycles.map(\.name).joined(separator: ", "))."
        )
    }
}
