import ArgumentParser

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import run events from another system.",
        discussion: """
            Example:
              runledger import openlineage events.jsonl
            """,
        subcommands: [ImportOpenLineageCommand.self]
    )
}
