import RunLedger

/// Lifecycles as tables.
package enum LifecycleRows {
    package static func list(_ lifecycles: [Lifecycle]) -> Table {
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

    package static func states(_ lifecycle: Lifecycle) -> Table {
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

    package static func transitions(_ lifecycle: Lifecycle) -> Table {
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

    package static func detail(_ lifecycle: Lifecycle) -> Table {
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
