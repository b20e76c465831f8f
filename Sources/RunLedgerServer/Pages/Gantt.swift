import RunLedger

/// Timelines as SVG, drawn by the server: lanes of stays over a time axis.
enum Gantt {
    /// One stay of a run in a state: from the change that entered it to the next change
    /// (or now, while the run is in it; a terminal state's stay is its instant).
    struct Stay {
        var state: String
        var canonicalType: CanonicalType?
        var start: Timestamp
        var end: Timestamp
        var isTerminal: Bool
        var runID: String
        var seq: Int64

        /// Seconds in the state; nil for a terminal state (the run ends there).
        var seconds: Double? { isTerminal ? nil : end.seconds(since: start) }

        /// What the segment says: the state and how long the run stayed.
        var label: String { seconds.map { "\(state) \(HTML.span($0))" } ?? state }
    }

    /// A point on a lane: an annotation.
    struct Marker {
        var at: Timestamp
        var title: String
    }

    /// One lane: a label (a link), the stays drawn on it, markers; or a group's heading.
    struct Lane {
        var label: String
        var link: String?
        var stays: [Stay] = []
        var markers: [Marker] = []
        var isHeading = false
        var kind = "run"
    }

    /// A history's stays: one per change, each coloured by the canonical type of the state
    /// it entered (refined by its outcome).
    static func stays(of changes: [StateChange], lifecycle: Lifecycle?, now: Timestamp) -> [Stay] {
        changes.enumerated().map { index, change in
            let state = lifecycle?.state(named: change.to)
            let isTerminal = state?.isTerminal ?? false
            let end = index + 1 < changes.count ? changes[index + 1].at : isTerminal ? change.at : max(now, change.at)
            return Stay(
                state: change.to, canonicalType: lifecycle?.canonicalType(of: change.to, outcome: change.outcome),
                start: change.at, end: end, isTerminal: isTerminal, runID: change.runID, seq: change.seq)
        }
    }

    static let width = 1100.0
    static let labelWidth = 190.0
    static let rightMargin = 110.0
    static let laneHeight = 30.0
    static let axisHeight = 26.0

    /// The lanes over `start`...`end` as one SVG; stays are `g.stay` with `data-state`,
    /// `data-type` and `data-seconds`, each with its label as text (where it fits) and as
    /// a tooltip. With `labelsBelow` false (many lanes), a label that does not fit its
    /// segment is left to the tooltip, but for the lane's last stay, beside its end.
    static func svg(
        _ lanes: [Lane], from start: Timestamp, to end: Timestamp, id: String, labelsBelow: Bool = true
    ) -> String {
        let span = max(end.seconds(since: start), 0.001)
        let plot = width - labelWidth - rightMargin
        func x(_ time: Timestamp) -> Double {
            labelWidth + min(max(time.seconds(since: start) / span, 0), 1) * plot
        }
        // Each stay's label goes inside its segment when it fits, else under the bar, on the
        // first of the label rows where it overlaps nothing.
        struct Placed {
            var inside: Bool
            var row: Int
        }
        var placements: [[Placed]] = []
        var heights: [Double] = []
        for lane in lanes {
            var rowEnds: [Double] = []
            var placed: [Placed] = []
            for (stayIndex, stay) in lane.stays.enumerated() {
                let left = x(stay.start)
                let right = max(x(stay.end), left + 3)
                let textWidth = Double(stay.label.count) * 7 + 8
                if !stay.isTerminal && textWidth <= right - left {
                    placed.append(Placed(inside: true, row: -1))
                    continue
                }
                if !labelsBelow {
                    placed.append(Placed(inside: false, row: stayIndex == lane.stays.count - 1 ? -2 : -3))
                    continue
                }
                if stay.isTerminal {  // the run's end: beside it, in the right margin
                    placed.append(Placed(inside: false, row: -2))
                    continue
                }
                let row = rowEnds.firstIndex { $0 <= left } ?? rowEnds.count
                if row == rowEnds.count { rowEnds.append(0) }
                rowEnds[row] = left + textWidth
                placed.append(Placed(inside: false, row: row))
            }
            placements.append(placed)
            heights.append(lane.isHeading ? laneHeight : laneHeight + Double(rowEnds.count) * 13)
        }
        let height = axisHeight + heights.reduce(0, +) + 8
        var svg = """
            <svg id="\(id)" class="gantt" xmlns="http://www.w3.org/2000/svg" width="\(HTML.number(width))" \
            height="\(HTML.number(height))" viewBox="0 0 \(HTML.number(width)) \(HTML.number(height))" role="img">
            """
        // The axis: five ticks, times in UTC.
        for tick in 0...4 {
            let time = start.adding(seconds: span * Double(tick) / 4)
            let tickX = labelWidth + plot * Double(tick) / 4
            let text = String(time.iso8601.dropFirst(11).prefix(span < 10 ? 11 : 8))
            let anchor = tick == 0 ? "start" : tick == 4 ? "end" : "middle"
            svg += """
                <line x1="\(HTML.number(tickX))" y1="\(HTML.number(axisHeight - 6))" x2="\(HTML.number(tickX))" \
                y2="\(HTML.number(height))" stroke="#eef0f3"/>\
                <text class="axis" x="\(HTML.number(tickX))" y="14" text-anchor="\(anchor)">\
                <title>\(time.iso8601)</title>\(text)</text>
                """
        }
        var top = axisHeight
        for (index, lane) in lanes.enumerated() {
            defer { top += heights[index] }
            if lane.isHeading {
                svg += """
                    <text class="lane-label group" x="6" y="\(HTML.number(top + 19))">\(HTML.escape(lane.label))</text>\
                    <line x1="0" y1="\(HTML.number(top + 2))" x2="\(HTML.number(width))" \
                    y2="\(HTML.number(top + 2))" stroke="#d0d5dd"/>
                    """
                continue
            }
            let label = lane.label.count > 28 ? String(lane.label.prefix(27)) + "…" : lane.label
            var labelText = "<text class=\"lane-label\" x=\"6\" y=\"\(HTML.number(top + 19))\">"
            labelText += "<title>\(HTML.escape(lane.label))</title>\(HTML.escape(label))</text>"
            if let link = lane.link { labelText = "<a href=\"\(HTML.escape(link))\">\(labelText)</a>" }
            svg += "<g class=\"lane\" data-kind=\"\(lane.kind)\">" + labelText
            for (stayIndex, stay) in lane.stays.enumerated() {
                let left = x(stay.start)
                let right = max(x(stay.end), left + 3)
                let seconds = stay.seconds.map { HTML.number($0 * 1000) } ?? ""
                let title = stay.label + " (" + stay.start.iso8601 + ")"
                svg += """
                    <g class="stay" data-state="\(HTML.escape(stay.state))" \
                    data-type="\(stay.canonicalType?.rawValue ?? "")" data-ms="\(seconds)" \
                    data-label="\(HTML.escape(stay.label))"><title>\(HTML.escape(title))</title>\
                    <rect x="\(HTML.number(left))" y="\(HTML.number(top + 4))" width="\(HTML.number(right - left))" \
                    height="\(HTML.number(laneHeight - 8))" rx="2" fill="\(HTML.color(stay.canonicalType))" \
                    stroke="#ffffff" stroke-width="1"/>
                    """
                let placed = placements[index][stayIndex]
                if placed.row == -3 {
                    svg += "</g>"
                    continue
                }
                if placed.inside {
                    svg += "<text x=\"\(HTML.number(left + 4))\" y=\"\(HTML.number(top + 19))\">"
                } else if placed.row == -2 {
                    svg += "<text x=\"\(HTML.number(right + 4))\" y=\"\(HTML.number(top + 19))\">"
                } else {
                    let textX = left
                    let textY = top + laneHeight + 6 + Double(placed.row) * 13
                    svg += """
                        <line x1="\(HTML.number(textX + 1))" y1="\(HTML.number(top + laneHeight - 4))" \
                        x2="\(HTML.number(textX + 1))" y2="\(HTML.number(textY - 8))" stroke="#98a2b3"/>\
                        <text class="below" x="\(HTML.number(textX + 3))" y="\(HTML.number(textY))">
                        """
                }
                svg += "\(HTML.escape(stay.label))</text></g>"
            }
            for marker in lane.markers {
                let markerX = x(marker.at)
                svg += """
                    <g class="annotation"><title>\(HTML.escape(marker.title))</title>\
                    <path d="M\(HTML.number(markerX)) \(HTML.number(top + 1)) l5 5 l-5 5 l-5 -5 z" fill="#1d2330"/>\
                    <line x1="\(HTML.number(markerX))" y1="\(HTML.number(top + 6))" x2="\(HTML.number(markerX))" \
                    y2="\(HTML.number(top + laneHeight - 3))" stroke="#1d2330" stroke-dasharray="2 2"/></g>
                    """
            }
            svg += "</g>"
        }
        return svg + "</svg>"
    }

    /// A small bar of a run's stays for a list row, each stay's width by its share of the
    /// run's life (at least a sliver, so that every state shows).
    static func bar(_ stays: [Stay]) -> String {
        let width = 100.0
        guard let first = stays.first, let last = stays.last else { return "" }
        let total = max(last.end.seconds(since: first.start), 0.001)
        let sliver = 3.0
        let widths = stays.map { max(($0.end.seconds(since: $0.start) / total) * width, sliver) }
        let scale = width / max(widths.reduce(0, +), 0.001)
        var x = 0.0
        var svg = "<svg class=\"bar\" width=\"100\" height=\"12\" viewBox=\"0 0 100 12\">"
        for (stay, stayWidth) in zip(stays, widths) {
            let scaled = stayWidth * scale
            svg += """
                <rect x="\(HTML.number(x))" y="1" width="\(HTML.number(scaled))" height="10" \
                fill="\(HTML.color(stay.canonicalType))"><title>\(HTML.escape(stay.label))</title></rect>
                """
            x += scaled
        }
        return svg + "</svg>"
    }

    /// The colour legend.
    static var legend: String {
        "<p class=\"legend\">"
            + CanonicalType.allCases.map { HTML.badge($0.rawValue, $0) }.joined(separator: " ") + "</p>"
    }
}
