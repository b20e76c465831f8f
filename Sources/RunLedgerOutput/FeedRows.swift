import RunLedger

/// The ledger-wide feed (`runledger tail`) and its consumers (`runledger consumers`) as rows.
package enum FeedRows {
    /// The columns of a feed line.
    package static let changeColumns: [Table.Column] = [
        .init("seq"), .init("run_id"), .init("job"), .init("lifecycle"), .init("from_state"), .init("to_state"),
        .init("canonical_type"), .init("is_terminal"), .init("outcome"), .init("at"), .init("action"),
        .init("actor"), .init("reason"), .init("meta"),
    ]

    /// One change of the feed as a row.
    package static func row(_ change: LedgerChange) -> [Cell] {
        let row = change.change
        return [
            .integer(row.seq), .text(row.runID), .text(change.job), .text(change.lifecycle), Cell(row.from),
            .text(row.to), .text(change.canonicalType.rawValue), .bool(change.isTerminal), Cell(row.outcome),
            .time(row.at), Cell(row.action), Cell(row.actor), Cell(row.reason), Cell(json: row.metadata),
        ]
    }

    /// One change as a JSON object on one line (no newline).
    package static func jsonLine(_ change: LedgerChange) -> String {
        String(JSONFormatter.inline(Table(columns: changeColumns, rows: [row(change)])).dropFirst().dropLast())
    }

    /// Consumers with their lag.
    package static func consumers(_ consumers: [Consumer]) -> Table {
        Table(
            columns: [
                .init("name"), .init("seq"), .init("lag_changes", title: "LAG"),
                .init("lag_seconds", title: "LAG SECONDS"), .init("updated_at", title: "UPDATED"),
                .init("created_at", title: "CREATED"),
            ],
            rows: consumers.map {
                [
                    .text($0.name), .integer($0.seq), .integer(Int64($0.lagChanges)), Cell(seconds: $0.lagSeconds),
                    .time($0.updatedAt), .time($0.createdAt),
                ]
            })
    }
}
