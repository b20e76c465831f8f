import ArgumentParser
import RunLedger
import RunLedgerOutput

struct PinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin",
        abstract: "Pin a run so that no prune removes it; list the pins.",
        discussion: """
            A pinned run stays through every prune, whatever its options, and the ledger's \
            triggers refuse to delete it whichever client tries. Pinning a pinned run keeps \
            its first pin. `runledger unpin RUN` lets the next prune remove it again.

            Examples:
              runledger pin 01938f2e-... --reason "the incident of 2026-11-30"
              runledger pin
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The run to pin; without it, list the pins.")
    var runID: String?

    @Option(help: ArgumentHelp("Why it is kept.", valueName: "text"))
    var reason: String?

    func validate() throws {
        if runID == nil && reason != nil { throw ValidationError("Name the run to pin.") }
    }

    func run() throws {
        if let runID {
            let ledger = try global.open(.readWrite)
            let pin = try ledger.pin(runID, reason: reason)
            print("Pinned \(pin.runID) since \(pin.pinnedAt.iso8601).")
            return
        }
        let ledger = try global.open(.readOnly)
        var table = Table(columns: [.init("run_id"), .init("pinned_at"), .init("actor"), .init("reason")])
        for pin in try ledger.pins() {
            table.append([
                .text(pin.runID), .time(pin.pinnedAt), pin.actor.map { .text($0) } ?? .null,
                pin.reason.map { .text($0) } ?? .null,
            ])
        }
        print(output.format.render(table), terminator: "")
    }
}
