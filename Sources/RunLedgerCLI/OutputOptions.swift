import ArgumentParser
import RunLedgerOutput

/// The `--format` option of commands that print data.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Output format: table, json or csv.", valueName: "format"))
    var format: OutputFormat = .table
}

extension OutputFormat: ExpressibleByArgument {}
