import RunLedger

/// Lifecycles as state diagrams: Mermaid `stateDiagram-v2` and Graphviz DOT.
///
/// Both mark where runs start (from `[*]` / a point) and which states are terminal (to `[*]`
/// / a double border), label action edges with their action, and color states by canonical
/// type.
package enum Diagrams {
    package static func mermaid(_ lifecycle: Lifecycle) -> String {
        let ids = identifiers(lifecycle)
        var lines = ["---", "title: \(lifecycle.name)", "---", "stateDiagram-v2"]
        for state in lifecycle.states {
            lines.append("    state \"\(mermaidText(state.name))\" as \(ids[state.name] ?? "")")
        }
        for state in lifecycle.states where state.isInitial {
            lines.append("    [*] --> \(ids[state.name] ?? "")")
        }
        for transition in lifecycle.transitions {
            let label = transition.action.map { " : \(mermaidText($0))" } ?? ""
            lines.append("    \(ids[transition.from] ?? "") --> \(ids[transition.to] ?? "")\(label)")
        }
        for state in lifecycle.states where state.isTerminal {
            lines.append("    \(ids[state.name] ?? "") --> [*]")
        }
        for type in CanonicalType.allCases {
            let members = lifecycle.states.filter { $0.canonicalType == type }.compactMap { ids[$0.name] }
            guard !members.isEmpty else { continue }
            lines.append("    classDef \(type.rawValue.lowercased()) fill:\(color(type))")
            lines.append("    class \(members.joined(separator: ",")) \(type.rawValue.lowercased())")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    package static func dot(_ lifecycle: Lifecycle) -> String {
        var lines = [
            "digraph \(dotQuote(lifecycle.name)) {",
            "    rankdir=LR;",
            "    labelloc=t;",
            "    label=\(dotQuote("\(lifecycle.name) lifecycle"));",
            "    node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];",
            "    edge [fontname=\"Helvetica\", fontsize=10];",
            "    \"__start\" [shape=point, width=0.15, label=\"\"];",
        ]
        for state in lifecycle.states {
            var attributes = [
                "label=\(dotQuote("\(state.name)\n\(state.canonicalType.rawValue)"))",
                "fillcolor=\(dotQuote(color(state.canonicalType)))",
            ]
            if state.isTerminal { attributes.append("peripheries=2") }
            lines.append("    \(dotQuote(state.name)) [\(attributes.joined(separator: ", "))];")
        }
        for state in lifecycle.states where state.isInitial {
            lines.append("    \"__start\" -> \(dotQuote(state.name));")
        }
        for transition in lifecycle.transitions {
            let attributes = transition.action.map { " [label=\(dotQuote($0)), style=dashed]" } ?? ""
            lines.append("    \(dotQuote(transition.from)) -> \(dotQuote(transition.to))\(attributes);")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Mermaid ids must be plain words: s1, s2, ... in state order.
    private static func identifiers(_ lifecycle: Lifecycle) -> [String: String] {
        var ids: [String: String] = [:]
        for (index, state) in lifecycle.states.enumerated() { ids[state.name] = "s\(index + 1)" }
        return ids
    }

    private static func mermaidText(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "#quot;").replacingOccurrences(of: "\n", with: " ")
    }

    /// A DOT quoted string: quotes and backslashes escaped; a newline becomes a line break.
    private static func dotQuote(_ text: String) -> String {
        var quoted = "\""
        for character in text {
            switch character {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            default: quoted.append(character)
            }
        }
        return quoted + "\""
    }

    private static func color(_ type: CanonicalType) -> String {
        switch type {
        case .scheduled: "#e8eaf6"
        case .pending: "#fff8e1"
        case .running: "#e3f2fd"
        case .completed: "#e8f5e9"
        case .failed: "#ffebee"
        case .cancelled: "#eceff1"
        case .crashed: "#fce4ec"
        case .skipped: "#f5f5f5"
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
