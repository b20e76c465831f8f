import ArgumentParser
import RunLedger

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

struct ShowLifecyclesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "List the lifecycles, or show one: its states, transitions, or a diagram.",
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

    @Option(help: "Output format: table, json, csv, mermaid or dot (mermaid and dot need a name).")
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

/// Lifecycles as tables.
enum LifecycleRows {
    static func list(_ lifecycles: [Lifecycle]) -> Table {
        var table = Table(columns: [
            .init("name"), .init("is_builtin", title: "BUILTIN"), .init("states"), .init("transitions"),
            .init("actions"), .init("description"),
        ])
        for lifecycle in lifecycles {
            table.append([
                .text(lifecycle.name), .bool(lifecycle.isBuiltin), .integer(Int64(lifecycle.states.count)),
                .integer(Int64(lifecycle.transitions.count)),
                lifecycle.actions.isEmpty ? .null : .text(lifecycle.actions.joined(separator: " ")),
                .text(lifecycle.description),
            ])
        }
        return table
    }

    static func states(_ lifecycle: Lifecycle) -> Table {
        var table = Table(columns: [
            .init("state"), .init("canonical_type", title: "TYPE"), .init("is_terminal", title: "TERMINAL"),
            .init("is_initial", title: "INITIAL"), .init("description"),
        ])
        for state in lifecycle.states {
            table.append([
                .text(state.name), .text(state.canonicalType.rawValue), .bool(state.isTerminal), .bool(state.isInitial),
                .text(state.description),
            ])
        }
        return table
    }

    static func transitions(_ lifecycle: Lifecycle) -> Table {
        var table = Table(columns: [
            .init("lifecycle"), .init("from_state", title: "FROM"), .init("to_state", title: "TO"), .init("action"),
            .init("description"),
        ])
        for transition in lifecycle.transitions {
            table.append([
                .text(lifecycle.name), .text(transition.from), .text(transition.to), Cell(transition.action),
                .text(transition.description),
            ])
        }
        return table
    }

    static func detail(_ lifecycle: Lifecycle) -> Table {
        Table(
            columns: [.init("name"), .init("description"), .init("is_builtin"), .init("states"), .init("transitions")],
            rows: [
                [
                    .text(lifecycle.name), .text(lifecycle.description), .bool(lifecycle.isBuiltin),
                    .nested(states(lifecycle)), .nested(transitions(lifecycle)),
                ]
            ])
    }
}
