import RunLedger

/// Stats as tables.
package enum StatsRows {
    package static func groups(_ stats: [RunStats], key: String, nested: Bool) -> Table {
        var columns: [Table.Column] = [.init(key), .init("runs"), .init("active")]
        columns += CanonicalType.allCases.map { Table.Column($0.rawValue.lowercased()) }
        columns += [
            .init("success_rate", title: "SUCCESS"), .init("duration_p50_seconds", title: "P50"),
            .init("duration_p95_seconds", title: "P95"), .init("duration_max_seconds", title: "MAX"),
        ]
        if nested { columns.append(.init("states")) }
        var table = Table(columns: columns)
        for group in stats {
            var row: [Cell] = [.text(group.group), .integer(Int64(group.runs)), .integer(Int64(group.active))]
            row += CanonicalType.allCases.map { .integer(Int64(group.byCanonicalType[$0] ?? 0)) }
            row += [
                group.successRate.map(Cell.number) ?? .null, Cell(seconds: group.duration?.p50),
                Cell(seconds: group.duration?.p95), Cell(seconds: group.duration?.max),
            ]
            if nested { row.append(.nested(states([group], key: nil))) }
            table.append(row)
        }
        return table
    }

    package static func states(_ stats: [RunStats], key requestedKey: String?) -> Table {
        // Grouped by lifecycle, the group is the lifecycle column already.
        let key = requestedKey == "lifecycle" ? nil : requestedKey
        var columns: [Table.Column] = []
        if let key { columns.append(.init(key)) }
        columns += [
            .init("lifecycle"), .init("state"), .init("canonical_type", title: "TYPE"),
            .init("is_terminal", title: "TERMINAL"), .init("current", title: "NOW"), .init("stays"),
            .init("mean_seconds", title: "MEAN"), .init("p95_seconds", title: "P95"),
        ]
        var table = Table(columns: columns)
        for group in stats {
            for state in group.states {
                var row: [Cell] = key == nil ? [] : [.text(group.group)]
                row += [
                    .text(state.lifecycle), .text(state.state), .text(state.canonicalType.rawValue),
                    .bool(state.isTerminal),
                    .integer(Int64(state.current)), .integer(Int64(state.time?.count ?? 0)),
                    Cell(seconds: state.time?.mean), Cell(seconds: state.time?.p95),
                ]
                table.append(row)
            }
        }
        return table
    }
}
