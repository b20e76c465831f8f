import ArgumentParser
import Foundation
import RunLedger

struct DefineLifecycleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "define",
        abstract: "Define a lifecycle of your own from a JSON file.",
        discussion: """
            The definition is checked before anything is written: a known canonical type for \
            each state, at least one initial state, every state reachable, no plain \
            transition out of a terminal state (only an action may leave one), no name twice, \
            roles naming its own states. Every problem is named (exit 65). Defining the same \
            lifecycle again changes nothing; another definition under a name in use is \
            refused. README shows the format.

            Examples:
              runledger lifecycles define deploy.json
              cat deploy.json | runledger lifecycles define -
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The JSON file, or - for standard input.")
    var file: String

    func run() throws {
        let data: Data
        do {
            data =
                file == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw CLIError(message: "Cannot read \(file): \(error.localizedDescription).", code: ExitStatus.noInput)
        }
        let lifecycle = try LifecycleFile.decode(data, from: file)
        let ledger = try global.open(.create)
        try ledger.define(lifecycle)
        print(
            "Lifecycle \(lifecycle.name) is defined: \(lifecycle.states.count) states, \(lifecycle.transitions.count) transitions."
        )
    }
}
