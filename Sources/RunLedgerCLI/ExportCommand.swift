import ArgumentParser

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export runs as another system's events.",
        discussion: """
            Example:
              runledger export openlineage --since 7d > events.jsonl
            """,
        subcommands: [ExportOpenLineageCommand.self]
    )
}
