import RunLedger

/// Deadlines and freshness limits as table rows: what `runledger jobs --deadlines` prints.
package enum DeadlineRows {
    package static let columns: [Table.Column] = [
        .init("scope"), .init("name"), .init("kind"), .init("state"), .init("limit_seconds", title: "LIMIT"),
        .init("set_at", title: "SET AT"), .init("actor"),
    ]

    /// One row per deadline (kind `max_runtime` or `state`), then one per freshness limit
    /// (kind `freshness`, scope `job`).
    package static func table(_ deadlines: [Deadline], freshness: [FreshnessLimit]) -> Table {
        var table = Table(columns: columns)
        for deadline in deadlines {
            table.append([
                .text(deadline.scope.kind), .text(deadline.scope.name),
                .text(deadline.state == nil ? "max_runtime" : "state"), Cell(deadline.state),
                .seconds(deadline.seconds), .time(deadline.setAt), Cell(deadline.actor),
            ])
        }
        for limit in freshness {
            table.append([
                .text("job"), .text(limit.job), .text("freshness"), .null, .seconds(limit.staleAfter),
                .time(limit.setAt), Cell(limit.actor),
            ])
        }
        return table
    }
}
