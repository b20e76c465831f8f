import ArgumentParser
import RunLedger

struct UnpinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpin",
        abstract: "Unpin a run: the next prune may remove it.",
        discussion: """
            Examples:
              runledger unpin 01938f2e-...
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The run to unpin.")
    var runID: String

    func run() throws {
        let ledger = try global.open(.readWrite)
        let wasPinned = try ledger.unpin(runID)
        print(wasPinned ? "Unpinned \(runID)." : "\(runID) was not pinned.")
    }
}
