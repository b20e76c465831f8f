import ArgumentParser
import RunLedger

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the ledger file, or migrate its schema.",
        discussion: """
            An existing ledger is migrated to this version's schema. Safe to run again: an \
            up-to-date ledger is left as it is.

            Example:
              runledger --db runs.db init
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
