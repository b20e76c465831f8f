import RunLedger

/// Runs as table rows.
package enum RunRows {
    package static let columns: [Table.Column] = [
        .init("id"), .init("job"), .init("lifecycle"), .init("state"), .init("canonical_type", title: "TYPE"),
        .init("is_terminal", title: "TERMINAL"), .init("outcome"), .init("attempt"),
        .init("parent_id", title: "PARENT"),
        .init("created_at", title: "CREATED"), .init("updated_at", title: "UPDATED"), .init("ended_at", title: "ENDED"),
    ]

    package static func table(_ runs: [Run]) -> Table {
        Table(
            columns: columns,
            rows: runs.map { run in
                [
                    .text(run.id), .text(run.job), .text(run.lifecycle), .text(run.state),
                    .text(run.canonicalType.rawValue), .bool(run.isTerminal), Cell(run.outcome),
                    .integer(Int64(run.attempt)), Cell(run.parentID), .time(run.createdAt), .time(run.updatedAt),
                    Cell(run.endedAt),
                ]
            })
    }
}

/// State changes as table rows.
package enum ChangeRows {
    /// The columns of a timeline.
    package static let timelineColumns: [Table.Column] = [
        .init("seq"), .init("at"), .init("from_state", title: "FROM"), .init("to_state", title: "TO"),
        .init("canonical_type", title: "TYPE"), .init("previous_state_seconds", title: "AFTER"),
        .init("outcome"), .init("action"), .init("actor"), .init("reason"), .init("meta"),
    ]

    /// A whole timeline: each change with its canonical type and the time spent before it.
    package static func timeline(_ timeline: RunTimeline) -> Table {
        var table = Table(columns: timelineColumns)
        for (index, change) in timeline.changes.enumerated() {
            table.append(
                row(
                    change, canonicalType: timeline.canonicalType(of: change.to, outcome: change.outcome),
                    secondsInPrevious: timeline.secondsInPreviousState(at: index)))
        }
        return table
    }

    /// One change as a timeline row.
    package static func row(_ change: StateChange, canonicalType: CanonicalType?, secondsInPrevious: Double?) -> [Cell]
    {
        [
            .integer(change.seq), .time(change.at), Cell(change.from), .text(change.to), Cell(canonicalType?.rawValue),
            Cell(seconds: secondsInPrevious), Cell(change.outcome), Cell(change.action), Cell(change.actor),
            Cell(change.reason), Cell(json: change.metadata),
        ]
    }

    /// Changes of any runs, as rows.
    package static func changes(_ changes: [StateChange]) -> Table {
        Table(
            columns: [
                .init("seq"), .init("run_id"), .init("from_state"), .init("to_state"), .init("at"), .init("action"),
                .init("actor"), .init("reason"), .init("outcome"),
            ],
            rows: changes.map { change in
                [
                    .integer(change.seq), .text(change.runID), Cell(change.from), .text(change.to), .time(change.at),
                    Cell(change.action), Cell(change.actor), Cell(change.reason), Cell(change.outcome),
                ]
            })
    }

    /// One change just recorded: a line for people, a row for JSON and CSV.
    package static func render(_ change: StateChange, format: OutputFormat) -> String {
        if format == .table {
            let action = change.action.map { " by \($0)" } ?? ""
            let outcome = change.outcome.map { " [\($0)]" } ?? ""
            return "\(change.runID): \(change.from ?? "-") -> \(change.to)\(action)\(outcome) (seq \(change.seq))\n"
        }
        let table = Table(
            columns: [
                .init("seq"), .init("run_id"), .init("from_state"), .init("to_state"), .init("at"), .init("action"),
                .init("actor"), .init("reason"), .init("meta"),
            ],
            rows: [
                [
                    .integer(change.seq), .text(change.runID), Cell(change.from), .text(change.to), .time(change.at),
                    Cell(change.action), Cell(change.actor), Cell(change.reason), Cell(json: change.metadata),
                ]
            ])
        return format.render(table)
    }
}

/// Annotations as table rows: what `history` prints below a run's changes.
package enum AnnotationRows {
    package static func table(_ annotations: [Annotation]) -> Table {
        Table(
            columns: [.init("at"), .init("kind"), .init("actor"), .init("reason"), .init("meta")],
            rows: annotations.map {
                [.time($0.at), .text($0.kind), Cell($0.actor), Cell($0.reason), Cell(json: $0.metadata)]
            })
    }
}
