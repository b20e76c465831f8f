import ArgumentParser

struct LifecyclesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifecycles",
        abstract: "List the lifecycles, show one, or define your own.",
        discussion: """
            Examples:
              runledger lifecycles
              runledger lifecycles prefect --format dot | dot -Tsvg > prefect.svg
              runledger lifecycles define deploy.json
            """,
        subcommands: [ShowLifecyclesCommand.self, DefineLifecycleCommand.self],
        defaultSubcommand: ShowLifecyclesCommand.self
    )
}
