import RunLedger

/// Renders a `Table` as JSON: an array of objects with snake_case keys in sorted order,
/// times as ISO-8601 UTC strings, durations as numbers of seconds.
package enum JSONFormatter {
    package static func render(_ table: Table) -> String {
        let keys = table.columns.map(\.key)
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        var output = "["
        for (rowIndex, row) in table.rows.enumerated() {
            output += rowIndex == 0 ? "\n  {" : ",\n  {"
            for (position, index) in order.enumerated() {
                output += (position == 0 ? "" : ", ") + quote(keys[index]) + ": " + value(row[index])
            }
            output += "}"
        }
        return output + (table.rows.isEmpty ? "]\n" : "\n]\n")
    }

    /// A nested table on one line: `[{"a": 1}, {"a": 2}]`.
    package static func inline(_ table: Table) -> String {
        let keys = table.columns.map(\.key)
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        let objects = table.rows.map { row in
            "{" + order.map { quote(keys[$0]) + ": " + value(row[$0]) }.joined(separator: ", ") + "}"
        }
        return "[" + objects.joined(separator: ", ") + "]"
    }

    package static func value(_ cell: Cell) -> String {
        switch cell {
        case .text(let text): quote(text)
        case .integer(let value): String(value)
        case .number(let value), .seconds(let value): value.isFinite ? TableFormatter.formatNumber(value) : "null"
        case .bool(let value): value ? "true" : "false"
        case .time(let time): quote(time.iso8601)
        case .json(let json): json
        case .nested(let table): inline(table)
        case .null: "null"
        }
    }

    /// A JSON string literal (RFC 8259), as the library writes one.
    package static func quote(_ text: String) -> String {
        JSONValue.string(text).text
    }
}
