import RunLedger

/// Renders a `Table` for people: aligned columns under a heading, times in ISO-8601 UTC,
/// durations as short spans (`850ms`, `4.2s`, `3m07s`, `2h05m`, `3d04h`), NULL as `-`.
package enum TableFormatter {
    package static func render(_ table: Table) -> String {
        let cells = table.rows.map { $0.map(text) }
        var widths = table.columns.map { $0.title.count }
        for row in cells {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var output = line(table.columns.map(\.title), widths)
        for row in cells { output += line(row, widths) }
        return output
    }

    private static func line(_ cells: [String], _ widths: [Int]) -> String {
        var text = ""
        for (index, cell) in cells.enumerated() {
            let isLast = index == cells.count - 1
            text += isLast ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
        }
        return text + "\n"
    }

    package static func text(_ cell: Cell) -> String {
        switch cell {
        case .text(let text), .json(let text): escapeControls(text)
        case .integer(let value): String(value)
        case .number(let value): formatNumber((value * 10_000).rounded() / 10_000)
        case .bool(let value): value ? "yes" : "no"
        case .time(let time): time.iso8601
        case .seconds(let seconds): span(seconds)
        case .nested(let table): String(table.rows.count)
        case .null: "-"
        }
    }

    /// A duration as a short span.
    package static func span(_ seconds: Double) -> String {
        let sign = seconds < 0 ? "-" : ""
        let value = abs(seconds)
        if value < 1 { return sign + "\(Int((value * 1000).rounded()))ms" }
        if value < 60 { return sign + formatNumber((value * 10).rounded() / 10) + "s" }
        let whole = Int(value.rounded())
        if whole < 3600 { return sign + "\(whole / 60)m" + pad(whole % 60) + "s" }
        if whole < 86_400 { return sign + "\(whole / 3600)h" + pad(whole / 60 % 60) + "m" }
        return sign + "\(whole / 86_400)d" + pad(whole / 3600 % 24) + "h"
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// A number without a useless ".0".
    package static func formatNumber(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Control characters would break the columns (and could move a terminal's cursor).
    private static func escapeControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\r": escaped += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    escaped += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped
    }
}
