import RunLedger

/// Renders a `Table` as CSV (RFC 4180): a header row of keys, CRLF line ends, fields quoted
/// when they hold a comma, a quote or a line break; times as ISO-8601, durations in seconds,
/// NULL as an empty field.
package enum CSVFormatter {
    package static func render(_ table: Table) -> String {
        var output = table.columns.map { field($0.key) }.joined(separator: ",") + "\r\n"
        for row in table.rows {
            output += row.map { field(text($0)) }.joined(separator: ",") + "\r\n"
        }
        return output
    }

    private static func text(_ cell: Cell) -> String {
        switch cell {
        case .text(let text), .json(let text): text
        case .integer(let value): String(value)
        case .number(let value), .seconds(let value): TableFormatter.formatNumber(value)
        case .bool(let value): value ? "true" : "false"
        case .time(let time): time.iso8601
        case .nested(let table): String(table.rows.count)
        case .null: ""
        }
    }

    private static func field(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
