import ArgumentParser
import RunLedger
import RunLedgerOutput

struct ShowLifecyclesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "List the lifecycles, or show one, or draw its diagram.",
        discussion: """
            Without a name: each lifecycle with its numbers of states and transitions and its \
            actions. With a name: its states (canonical type, terminal, initial) and its \
            transitions (with action names); --format mermaid or dot prints a state diagram \
            (render DOT with Graphviz: dot -Tsvg). In CSV, a lifecycle is its list of \
            transitions.

            Examples:
              runledger lifecycles
              runledger lifecycles opencue
              runledger lifecycles prefect --format dot | dot -Tsvg > prefect.svg
              runledger lifecycles domino --format mermaid
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv, mermaid, dot
    }

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A lifecycle's name.")
    var name: String?

    @Option(
        help: ArgumentHelp(
            "Output format: table, json, csv, mermaid or dot (mermaid and dot need a name).", valueName: "format"))
    var format: Format = .table

    func validate() throws {
        if name == nil && (format == .mermaid || format == .dot) {
            throw ValidationError("--format \(format.rawValue) draws one lifecycle: name it.")
        }
    }

    func run() throws {
        let ledger = try global.open(.readOnly)
        guard let name else {
            let table = LifecycleRows.list(try ledger.lifecycles())
            print(OutputFormat(rawValue: format.rawValue)?.render(table) ?? "", terminator: "")
            return
        }
        guard let lifecycle = try ledger.lifecycle(named: name) else { throw LedgerError.noSuchLifecycle(name: name) }
        switch format {
        case .mermaid: print(Diagrams.mermaid(lifecycle), terminator: "")
        case .dot: print(Diagrams.dot(lifecycle), terminator: "")
        case .json: print(OutputFormat.json.render(LifecycleRows.detail(lifecycle)), terminator: "")
        case .csv: print(OutputFormat.csv.render(LifecycleRows.transitions(lifecycle)), terminator: "")
        case .table:
            var text = "\(lifecycle.name): \(lifecycle.description)\n\n"
            text += OutputFormat.table.render(LifecycleRows.states(lifecycle)) + "\n"
            text += OutputFormat.table.render(LifecycleRows.transitions(lifecycle))
            print(text, terminator: "")
        }
    }
}
