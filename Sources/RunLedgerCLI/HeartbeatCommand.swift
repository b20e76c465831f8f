import ArgumentParser
import RunLedger

struct HeartbeatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heartbeat",
        abstract: "Record that a running run is still alive.",
        discussion: """
            A heartbeat is not a history row. A run that has sent heartbeats and then stops \
            is crashed by the sweep once its last heartbeat is older than the sweep's \
            --heartbeat-timeout. A heartbeat for a run that has ended is refused (exit 65): \
            the sweep may have crashed it.

            Example:
              while work; do runledger heartbeat "$RUN_ID"; sleep 30; done
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The run's id.")
    var runID: String

    @Option(help: ArgumentHelp("The heartbeat's time: \(TimeArgument.help) (default: now).", valueName: "time"))
    var at: String?

    func run() throws {
        let at = try at.map { try TimeArgument.parse($0, option: "--at") }
        let ledger = try global.open(.readWrite)
        try ledger.heartbeat(runID, at: at)
    }
}
