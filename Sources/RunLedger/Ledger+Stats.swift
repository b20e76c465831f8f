extension Ledger {
    /// Stats per job or per lifecycle: runs, active runs, runs per canonical type and per
    /// state, success rate, run durations, and time spent per state.
    ///
    /// ```swift
    /// for group in try ledger.stats(StatsQuery(grouping: .lifecycle)) {
    ///     print(group.group, group.runs, group.successRate ?? .nan, group.duration?.p95 ?? .nan)
    /// }
    /// ```
    ///
    /// Read in one snapshot. Groups come sorted by name.
    public func stats(_ query: StatsQuery = StatsQuery()) throws -> [RunStats] {
        try read { connection in
            try StatsReader(connection: connection, query: query).read()
        }
    }
}

/// The queries behind `Ledger.stats(_:)`.
private struct StatsReader {
    let connection: Connection
    let query: StatsQuery

    /// `WHERE` conditions on `runs AS r` and their arguments: the same as a run query's.
    private var filter: (sql: String, arguments: [SQLValue]) {
        let (conditions, arguments) = Store.conditions(
            of: RunQuery(
                job: query.job, lifecycle: query.lifecycle, createdSince: query.createdSince,
                createdBefore: query.createdBefore))
        return ((["1"] + conditions).joined(separator: " AND "), arguments)
    }

    private var groupColumn: String { query.grouping == .job ? "r.job" : "r.lifecycle" }

    private func statement(_ sql: String) throws -> Statement {
        let statement = try connection.cached(sql)
        for (index, argument) in filter.arguments.enumerated() { statement.bind(argument, at: Int32(index + 1)) }
        return statement
    }

    func read() throws -> [RunStats] {
        var groups: [String: RunStats] = [:]
        var stateIndex: [String: [String: Int]] = [:]  // group -> "lifecycle\u{0}state" -> index

        // Runs per group and current state.
        // Group the runs first, then look up each group's state: one lookup per group, not
        // per run.
        let current = try statement(
            """
            SELECT g.grp, g.lifecycle, g.state, ifnull(o.canonical_type, s.canonical_type), s.is_terminal, g.n,
                   s.canonical_type
            FROM (
                SELECT \(groupColumn) AS grp, r.lifecycle, r.state, r.outcome, count(*) AS n
                FROM runs AS r WHERE \(filter.sql) GROUP BY 1, 2, 3, 4
            ) AS g
            JOIN lifecycle_states AS s ON s.lifecycle = g.lifecycle AND s.state = g.state
            LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = g.lifecycle AND o.outcome = g.outcome
            """)
        defer { current.reset() }
        while try current.step() {
            let group = current.string(at: 0)
            let refined = CanonicalType(rawValue: current.string(at: 3)) ?? .pending
            let isTerminal = current.int64(at: 4) != 0
            let count = Int(current.int64(at: 5))
            var stats =
                groups[group]
                ?? RunStats(
                    group: group, runs: 0, active: 0, byCanonicalType: [:], successRate: nil, duration: nil,
                    states: [])
            stats.runs += count
            if !isTerminal { stats.active += count }
            stats.byCanonicalType[refined, default: 0] += count
            // One entry per state, whatever outcomes refined it.
            let key = current.string(at: 1) + "\u{0}" + current.string(at: 2)
            if let index = stateIndex[group]?[key] {
                stats.states[index].current += count
            } else {
                stateIndex[group, default: [:]][key] = stats.states.count
                stats.states.append(
                    RunStats.StateTime(
                        lifecycle: current.string(at: 1), state: current.string(at: 2),
                        canonicalType: CanonicalType(rawValue: current.string(at: 6)) ?? .pending,
                        isTerminal: isTerminal, current: count, time: nil))
            }
            groups[group] = stats
        }

        // Durations of terminal runs.
        let durations = try statement(
            """
            SELECT \(groupColumn), r.ended_at - r.created_at
            FROM runs AS r
            WHERE \(filter.sql) AND r.ended_at IS NOT NULL
            """)
        defer { durations.reset() }
        var runDurations: [String: [Double]] = [:]
        while try durations.step() {
            runDurations[durations.string(at: 0), default: []].append(Double(durations.int64(at: 1)) / 1_000_000)
        }

        // Time spent in each state: from a row to the next row of the same run. The rows come
        // run by run, in order (an index walk, no window function), and each stay is the gap
        // between two rows of one run.
        let stays = try statement(
            """
            SELECT r.num, \(groupColumn), r.lifecycle, c.to_state, c.at
            FROM runs AS r JOIN state_changes AS c ON c.run_num = r.num
            WHERE \(filter.sql) ORDER BY r.num, c.seq
            """)
        defer { stays.reset() }
        // Each state is found among its lifecycle's state names by comparing bytes, and each
        // stay goes to a slot numbered by group, lifecycle and state: no String is made and no
        // text is hashed per row.
        let definitions = try Store(connection: connection).lifecycles()
        let stateNames = definitions.map { $0.states.map(\.name) }
        let lifecycleIndex = Dictionary(
            uniqueKeysWithValues: definitions.enumerated().map { ($0.element.name, $0.offset) })
        var groupNames: [String] = []
        var groupIndex: [String: Int] = [:]
        var slots: [Int: [Double]] = [:]
        var currentRun: Int64 = -1
        var group = 0
        var lifecycle = 0
        var previous: (state: Int, at: Int64)?
        while try stays.step() {
            let num = stays.int64(at: 0)
            if num != currentRun {
                currentRun = num
                let name = stays.string(at: 1)
                if let known = groupIndex[name] {
                    group = known
                } else {
                    group = groupNames.count
                    groupIndex[name] = group
                    groupNames.append(name)
                }
                lifecycle = lifecycleIndex[stays.string(at: 2)] ?? -1
                previous = nil
            }
            guard lifecycle >= 0,
                let state = stateNames[lifecycle].firstIndex(where: { stays.text(at: 3, equals: $0) })
            else {
                previous = nil
                continue
            }
            let at = stays.int64(at: 4)
            if let previous {
                slots[(group << 24) | (lifecycle << 12) | previous.state, default: []].append(
                    Double(at - previous.at) / 1_000_000)
            }
            previous = (state, at)
        }
        var stayDurations: [String: [String: [Double]]] = [:]
        for (slot, values) in slots {
            let name = definitions[(slot >> 12) & 0xFFF].name
            let state = stateNames[(slot >> 12) & 0xFFF][slot & 0xFFF]
            stayDurations[groupNames[slot >> 24], default: [:]][name + "\u{0}" + state] = values
        }

        var result: [RunStats] = []
        for group in groups.keys.sorted() {
            guard var stats = groups[group] else { continue }
            let completed = stats.byCanonicalType[.completed] ?? 0
            stats.successRate = stats.terminal > 0 ? Double(completed) / Double(stats.terminal) : nil
            stats.duration = DurationSummary(seconds: runDurations[group] ?? [])
            for (key, values) in stayDurations[group] ?? [:] {
                if let index = stateIndex[group]?[key] {
                    stats.states[index].time = DurationSummary(seconds: values)
                } else {
                    // A state no run of the group is in now, but some passed through.
                    let parts = key.split(separator: "\u{0}", maxSplits: 1).map(String.init)
                    let definition = try Store(connection: connection).lifecycles(named: parts[0]).first?.state(
                        named: parts[1])
                    stats.states.append(
                        RunStats.StateTime(
                            lifecycle: parts[0], state: parts[1], canonicalType: definition?.canonicalType ?? .pending,
                            isTerminal: definition?.isTerminal ?? false, current: 0,
                            time: DurationSummary(seconds: values)))
                }
            }
            stats.states.sort {
                ($0.lifecycle, $0.canonicalType, $0.state) < ($1.lifecycle, $1.canonicalType, $1.state)
            }
            result.append(stats)
        }
        return result
    }
}
