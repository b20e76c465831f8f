import RunLedger

/// `/lifecycles` and `/lifecycles/{name}`: the lifecycles, and one lifecycle's graph as
/// SVG (states in columns by their distance from a start state, edges as arrows, action
/// edges dashed and labelled), with its states, transitions and outcomes as tables.
struct LifecyclePage {
    var name: String?

    func render(_ ledger: Ledger) throws -> Page {
        guard let name else {
            var html =
                "<h1>Lifecycles</h1><table id=\"lifecycles\"><thead><tr><th>NAME</th><th class=\"num\">STATES</th>"
            html += "<th class=\"num\">TRANSITIONS</th></tr></thead><tbody>"
            for lifecycle in try ledger.lifecycles() {
                html += "<tr><td>\(HTML.lifecycleLink(lifecycle.name))</td><td class=\"num\">\(lifecycle.states.count)"
                html += "</td><td class=\"num\">\(lifecycle.transitions.count)</td></tr>"
            }
            return Page(HTML.layout(title: "Lifecycles", current: "/lifecycles", html + "</tbody></table>"))
        }
        guard let lifecycle = try ledger.lifecycle(named: name) else {
            throw PageError.notFound("no lifecycle is named \(name)")
        }
        var html = "<h1>Lifecycle \(HTML.escape(lifecycle.name))</h1>"
        html += "<p><a href=\"/\(HTML.escape(HTML.query([("lifecycle", lifecycle.name)])))\">Its runs</a></p>"
        html += Self.graph(lifecycle) + Gantt.legend
        html += "<h2>States</h2><table id=\"states\"><thead><tr><th>STATE</th><th>TYPE</th><th>INITIAL</th>"
        html += "<th>TERMINAL</th><th>DESCRIPTION</th></tr></thead><tbody>"
        for state in lifecycle.states {
            html +=
                "<tr><td>\(HTML.badge(state.name, state.canonicalType))</td><td>\(state.canonicalType.rawValue)</td>"
            html += "<td>\(state.isInitial ? "yes" : "no")</td><td>\(state.isTerminal ? "yes" : "no")</td>"
            html += "<td>\(HTML.escape(state.description))</td></tr>"
        }
        html += "</tbody></table><h2>Transitions</h2><table id=\"transitions\"><thead><tr><th>FROM</th><th>TO</th>"
        html += "<th>ACTION</th><th>DESCRIPTION</th></tr></thead><tbody>"
        for transition in lifecycle.transitions {
            html += "<tr><td>\(HTML.escape(transition.from))</td><td>\(HTML.escape(transition.to))</td>"
            html +=
                "<td>\(HTML.escape(transition.action ?? "-"))</td><td>\(HTML.escape(transition.description))</td></tr>"
        }
        html += "</tbody></table>"
        if !lifecycle.outcomes.isEmpty {
            html += "<h2>Outcomes</h2><table id=\"outcomes\"><thead><tr><th>OUTCOME</th><th>TYPE</th>"
            html += "<th>DESCRIPTION</th></tr></thead><tbody>"
            for outcome in lifecycle.outcomes {
                html += "<tr><td>\(HTML.escape(outcome.name))</td><td>\(outcome.canonicalType.rawValue)</td>"
                html += "<td>\(HTML.escape(outcome.description))</td></tr>"
            }
            html += "</tbody></table>"
        }
        return Page(HTML.layout(title: "Lifecycle \(lifecycle.name)", current: "/lifecycles", html))
    }

    /// The graph: a column per distance from the start states (states no start reaches
    /// last), boxes coloured by canonical type (terminal ones with a double border).
    static func graph(_ lifecycle: Lifecycle) -> String {
        var depth: [String: Int] = [:]
        var queue = lifecycle.states.filter(\.isInitial).map(\.name)
        for name in queue { depth[name] = 0 }
        var index = 0
        while index < queue.count {
            let name = queue[index]
            index += 1
            for transition in lifecycle.transitions where transition.from == name && depth[transition.to] == nil {
                depth[transition.to] = (depth[name] ?? 0) + 1
                queue.append(transition.to)
            }
        }
        let deepest = depth.values.max() ?? 0
        for state in lifecycle.states where depth[state.name] == nil { depth[state.name] = deepest + 1 }
        var rows: [Int: Int] = [:]
        var position: [String: (x: Double, y: Double)] = [:]
        let boxWidth = 150.0
        let boxHeight = 38.0
        let columnGap = 90.0
        let rowGap = 30.0
        for state in lifecycle.states {
            let column = depth[state.name] ?? 0
            let row = rows[column, default: 0]
            rows[column] = row + 1
            position[state.name] = (
                40 + Double(column) * (boxWidth + columnGap), 40 + Double(row) * (boxHeight + rowGap)
            )
        }
        let width = 60 + Double((depth.values.max() ?? 0) + 1) * (boxWidth + columnGap) - columnGap
        let height = 60 + Double(rows.values.max() ?? 1) * (boxHeight + rowGap)
        var svg = """
            <svg id="graph" xmlns="http://www.w3.org/2000/svg" width="\(HTML.number(width))" \
            height="\(HTML.number(height))" viewBox="0 0 \(HTML.number(width)) \(HTML.number(height))" role="img">\
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" \
            orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#667085"/></marker></defs>
            """
        var backEdges = 0
        for transition in lifecycle.transitions {
            guard let from = position[transition.from], let to = position[transition.to] else { continue }
            let dashed = transition.action == nil ? "" : " stroke-dasharray=\"5 3\""
            let path: String
            let labelX: Double
            let labelY: Double
            if to.x > from.x {
                let (x1, y1, x2, y2) = (from.x + boxWidth, from.y + boxHeight / 2, to.x, to.y + boxHeight / 2)
                path =
                    "M\(HTML.number(x1)) \(HTML.number(y1)) C\(HTML.number(x1 + 40)) \(HTML.number(y1)) "
                    + "\(HTML.number(x2 - 40)) \(HTML.number(y2)) \(HTML.number(x2)) \(HTML.number(y2))"
                labelX = (x1 + x2) / 2
                labelY = (y1 + y2) / 2 - 4
            } else {
                // Back or sideways: along the gaps, never through a box: out of the source's
                // left side into the gap beside its column, along it to the gap above the
                // target's row, along that to the target, into its top. Each such edge is
                // shifted a little, so that edges sharing a gap stay apart.
                backEdges += 1
                let shift = Double(backEdges % 5) * 3
                let x1 = from.x
                let y1 = from.y + boxHeight / 2 + shift / 2
                let gapX = from.x - 12 - shift
                let gapY = to.y - rowGap / 2 - shift / 2 + 4
                let x2 = to.x + boxWidth / 2 + 20 + shift * 2
                path =
                    "M\(HTML.number(x1)) \(HTML.number(y1)) L\(HTML.number(gapX)) \(HTML.number(y1)) "
                    + "L\(HTML.number(gapX)) \(HTML.number(gapY)) L\(HTML.number(x2)) \(HTML.number(gapY)) "
                    + "L\(HTML.number(x2)) \(HTML.number(to.y))"
                labelX = (gapX + x2) / 2
                labelY = gapY - 3
            }
            svg += """
                <g class="edge" data-from="\(HTML.escape(transition.from))" data-to="\(HTML.escape(transition.to))">\
                <path d="\(path)" fill="none" stroke="#667085" stroke-width="1.3"\(dashed) marker-end="url(#arrow)"/>
                """
            if let action = transition.action {
                svg += "<text x=\"\(HTML.number(labelX))\" y=\"\(HTML.number(labelY))\" text-anchor=\"middle\" "
                svg += "class=\"axis\">\(HTML.escape(action))</text>"
            }
            svg += "</g>"
        }
        for state in lifecycle.states {
            guard let at = position[state.name] else { continue }
            svg += """
                <g class="state" data-state="\(HTML.escape(state.name))"><title>\(HTML.escape(state.description))</title>\
                <rect x="\(HTML.number(at.x))" y="\(HTML.number(at.y))" width="\(HTML.number(boxWidth))" \
                height="\(HTML.number(boxHeight))" rx="6" fill="\(HTML.color(state.canonicalType))" stroke="#1d2330" \
                stroke-width="\(state.isTerminal ? "2.5" : "1")"/>\
                <text x="\(HTML.number(at.x + boxWidth / 2))" y="\(HTML.number(at.y + 16))" text-anchor="middle">\
                \(HTML.escape(state.name))</text>\
                <text class="axis" x="\(HTML.number(at.x + boxWidth / 2))" y="\(HTML.number(at.y + 30))" \
                text-anchor="middle">\(state.canonicalType.rawValue)\(state.isInitial ? " · start" : "")</text></g>
                """
        }
        return svg + "</svg>"
    }
}
