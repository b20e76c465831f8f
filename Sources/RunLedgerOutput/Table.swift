import RunLedger

/// One value of a result, typed so that each format renders it its own way.
package enum Cell: Equatable, Sendable {
    case text(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    /// A point in time: ISO-8601 text in every format.
    case time(Timestamp)
    /// A duration in seconds: a number in JSON and CSV, a readable span in a table.
    case seconds(Double)
    /// JSON text the ledger validated: embedded as JSON in JSON output, as text elsewhere.
    case json(String)
    /// A nested table: an array of objects in JSON; its row count elsewhere.
    case nested(Table)
    case null

    package init(_ text: String?) { self = text.map(Cell.text) ?? .null }
    package init(_ time: Timestamp?) { self = time.map(Cell.time) ?? .null }
    package init(seconds: Double?) { self = seconds.map(Cell.seconds) ?? .null }
    package init(json: String?) { self = json.map(Cell.json) ?? .null }
}

/// A neutral result: named columns and rows of cells, rendered by a formatter.
package struct Table: Equatable, Sendable {
    /// A column: its key (snake_case, as JSON and CSV name it) and its table heading.
    package struct Column: Equatable, Sendable {
        package let key: String
        package let title: String

        package init(_ key: String, title: String? = nil) {
            self.key = key
            self.title = title ?? key.uppercased()
        }
    }

    package var columns: [Column]
    package var rows: [[Cell]]

    package init(columns: [Column], rows: [[Cell]] = []) {
        self.columns = columns
        self.rows = rows
    }

    package mutating func append(_ row: [Cell]) {
        precondition(row.count == columns.count, "A row has \(row.count) cells for \(columns.count) columns.")
        rows.append(row)
    }
}

/// The formats data can be printed in.
package enum OutputFormat: String, CaseIterable, Sendable {
    case table, json, csv

    /// Renders a table in this format, ending with a newline.
    package func render(_ table: Table) -> String {
        switch self {
        case .table: TableFormatter.render(table)
        case .json: JSONFormatter.render(table)
        case .csv: CSVFormatter.render(table)
        }
    }
}
