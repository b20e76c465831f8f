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
    ///
    /// Ended runs and the time spent per state are read from the histograms the ledger
    /// keeps as rows are written (`stats_run_durations`, `stats_state_durations`), so the
    /// cost grows with the number of jobs, states and duration buckets, not with the number
    /// of runs; active runs are counted from the runs themselves. A query with a time window
    /// (`createdSince`, `createdBefore`) builds the same histograms from the runs created in
    /// the window and their history, at a cost that grows with them. Either way, durations
    /// are summarized as `DurationSummary` describes.
    public func stats(_ query: StatsQuery = StatsQuery()) throws -> [RunStats] {
        try read { connection in
            try StatsReader(connection: connection, query: query).read()
        }
    }
}

/// The queries behind `Ledger.stats(_:)`: ended runs, stays and active runs as histogram
/// rows, from the ledger's stats tables or, for a time window, from the runs themselves;
/// then one summary per group.
private struct StatsReader {
    let connection: Connection
    let query: StatsQuery

    /// The bucket key of the duration `d`, in SQL: the expression the ledger's triggers use.
    private static let bucket = "CASE WHEN d < 1000 THEN d ELSE length(d) * 1000 + substr(d, 1, 3) END"

    private var groupColumn: String { query.grouping == .job ? "job" : "lifecycle" }

    /// Whether the stats tables answer the query: they hold every run, so only a time window
    /// needs the runs themselves.
    private var fromStatsTables: Bool { query.createdSince == nil && query.createdBefore == nil }

    /// `WHERE` conditions on `runs AS r` and their arguments: the same as a run query's.
    private var runFilter: (sql: String, arguments: [SQLValue]) {
        let (conditions, arguments) = Store.conditions(
            of: RunQuery(
                job: query.job, lifecycle: query.lifecycle, createdSince: query.createdSince,
                createdBefore: query.createdBefore))
        return ((["1"] + conditions).joined(separator: " AND "), arguments)
    }

    /// `WHERE` conditions on a stats table's job and lifecycle columns.
    private var tableFilter: (sql: String, arguments: [SQLValue]) {
        var conditions = ["1"]
        var arguments: [SQLValue] = []
        if let job = query.job {
            conditions.append("job = ?")
            arguments.append(.text(job))
        }
        if let lifecycle = query.lifecycle {
            conditions.append("lifecycle = ?")
            arguments.append(.text(lifecycle))
        }
        return (conditions.joined(separator: " AND "), arguments)
    }

    private func statement(_ sql: String, _ arguments: [SQLValue]) throws -> Statement {
        let statement = try connection.cached(sql)
        for (index, argument) in arguments.enumerated() { statement.bind(argument, at: Int32(index + 1)) }
        return statement
    }

    /// Ended runs: group, lifecycle, state, outcome ('' for none), then a histogram row.
    private func endedRuns() throws -> Statement {
        if fromStatsTables {
            let (filter, arguments) = tableFilter
            return try statement(
                """
                SELECT \(groupColumn), lifecycle, state, outcome, bucket, runs, total_us, min_us, max_us
                FROM stats_run_durations WHERE \(filter)
                """, arguments)
        }
        let (filter, arguments) = runFilter
        return try statement(
            """
            SELECT grp, lifecycle, state, outcome, \(Self.bucket), count(*), sum(d), min(d), max(d)
            FROM (SELECT r.\(groupColumn) AS grp, r.lifecycle, r.state, ifnull(r.outcome, '') AS outcome,
                         r.ended_at - r.created_at AS d
                  FROM runs AS r WHERE \(filter) AND r.ended_at IS NOT NULL)
            GROUP BY 1, 2, 3, 4, 5
            """, arguments)
    }

    /// Stays that ended: group, lifecycle, state, then a histogram row.
    private func stays() throws -> Statement {
        if fromStatsTables {
            let (filter, arguments) = tableFilter
            return try statement(
                """
                SELECT \(groupColumn), lifecycle, state, bucket, stays, total_us, min_us, max_us
                FROM stats_state_durations WHERE \(filter)
                """, arguments)
        }
        let (filter, arguments) = runFilter
        return try statement(
            """
            SELECT grp, lifecycle, state, \(Self.bucket), count(*), sum(d), min(d), max(d)
            FROM (SELECT r.\(groupColumn) AS grp, r.lifecycle, c.to_state AS state,
                         lead(c.at) OVER (PARTITION BY c.run_num ORDER BY c.seq) - c.at AS d
                  FROM runs AS r JOIN state_changes AS c ON c.run_num = r.num WHERE \(filter))
            WHERE d IS NOT NULL
            GROUP BY 1, 2, 3, 4
            """, arguments)
    }

    /// Active runs: group, lifecycle, state, count.
    private func activeRuns() throws -> Statement {
        let (filter, arguments) = runFilter
        return try statement(
            """
            SELECT r.\(groupColumn), r.lifecycle, r.state, count(*)
            FROM runs AS r WHERE \(filter) AND r.ended_at IS NULL
            GROUP BY 1, 2, 3
            """, arguments)
    }

    /// What is gathered for one group before it is summarized.
    private struct Group {
        var active: [StateKey: Int] = [:]
        var ended: [StateKey: [String: Int]] = [:]  // state -> outcome ('' for none) -> runs
        var durations = DurationHistogram()
        var stays: [StateKey: DurationHistogram] = [:]
    }

    private struct StateKey: Hashable {
        var lifecycle: String
        var state: String
    }

    /// Reads histogram rows whose first `keyColumns` columns are text and name what the
    /// row counts, and whose next five are bucket, count, total, min and max. Rows of one key
    /// come together (the tables' order, or GROUP BY's), so a key's text is read once per
    /// run of rows, not once per row; `body` gets each key with its histogram.
    private static func histograms(
        _ statement: Statement, keyColumns: Int32, _ body: ([String], DurationHistogram) -> Void
    ) throws {
        var key: [UInt8] = []  // the key columns' texts, one after another
        var ends: [Int] = []  // where each column's text ends in `key`
        var histogram = DurationHistogram()
        func flush() {
            guard !ends.isEmpty else { return }
            let texts = ends.indices.map { column in
                String(decoding: key[(column == 0 ? 0 : ends[column - 1])..<ends[column]], as: UTF8.self)
            }
            body(texts, histogram)
        }
        while try statement.step() {
            let same =
                !ends.isEmpty
                && key.withUnsafeBufferPointer { key in
                    var start = 0
                    for column in 0..<Int(keyColumns) {
                        let text = UnsafeBufferPointer(rebasing: key[start..<ends[column]])
                        guard statement.text(at: Int32(column), equals: text) else { return false }
                        start = ends[column]
                    }
                    return true
                }
            if !same {
                flush()
                key.removeAll(keepingCapacity: true)
                ends.removeAll(keepingCapacity: true)
                for column in 0..<keyColumns {
                    statement.appendText(at: column, to: &key)
                    ends.append(key.count)
                }
                histogram = DurationHistogram()
            }
            histogram.add(
                key: statement.int64(at: keyColumns),
                DurationHistogram.Bucket(
                    count: Int(statement.int64(at: keyColumns + 1)), total: statement.int64(at: keyColumns + 2),
                    min: statement.int64(at: keyColumns + 3), max: statement.int64(at: keyColumns + 4)))
        }
        flush()
    }

    func read() throws -> [RunStats] {
        var groups: [String: Group] = [:]

        let active = try activeRuns()
        defer { active.reset() }
        while try active.step() {
            let key = StateKey(lifecycle: active.string(at: 1), state: active.string(at: 2))
            groups[active.string(at: 0), default: Group()].active[key, default: 0] += Int(active.int64(at: 3))
        }

        let ended = try endedRuns()
        defer { ended.reset() }
        try Self.histograms(ended, keyColumns: 4) { key, histogram in
            let state = StateKey(lifecycle: key[1], state: key[2])
            let runs = histogram.entries.reduce(0) { $0 + $1.bucket.count }
            groups[key[0], default: Group()].ended[state, default: [:]][key[3], default: 0] += runs
            groups[key[0], default: Group()].durations.add(histogram)
        }

        let stays = try stays()
        defer { stays.reset() }
        try Self.histograms(stays, keyColumns: 3) { key, histogram in
            groups[key[0], default: Group()].stays[StateKey(lifecycle: key[1], state: key[2]), default: .init()].add(
                histogram)
        }

        let definitions = Dictionary(
            try Store(connection: connection).lifecycles().map { ($0.name, $0) },
            uniquingKeysWith: { first, _ in first })
        return groups.keys.sorted().compactMap { name in
            groups[name].map { summarize(name, $0, definitions) }
        }
    }

    private func summarize(_ name: String, _ group: Group, _ definitions: [String: Lifecycle]) -> RunStats {
        var stats = RunStats(
            group: name, runs: 0, active: 0, byCanonicalType: [:], successRate: nil,
            duration: DurationSummary(histogram: group.durations), states: [])
        var states: [StateKey: RunStats.StateTime] = [:]
        func entry(_ key: StateKey) -> RunStats.StateTime {
            let state = definitions[key.lifecycle]?.state(named: key.state)
            return states[key]
                ?? RunStats.StateTime(
                    lifecycle: key.lifecycle, state: key.state, canonicalType: state?.canonicalType ?? .pending,
                    isTerminal: state?.isTerminal ?? false, current: 0, time: nil)
        }
        for (key, count) in group.active {
            var state = entry(key)
            state.current += count
            states[key] = state
            stats.runs += count
            stats.active += count
            stats.byCanonicalType[state.canonicalType, default: 0] += count
        }
        for (key, outcomes) in group.ended {
            var state = entry(key)
            for (outcome, count) in outcomes {
                state.current += count
                stats.runs += count
                // An outcome refines the canonical type of the state it ends in.
                let refined =
                    definitions[key.lifecycle]?.outcomes.first { $0.name == outcome }?.canonicalType
                    ?? state.canonicalType
                stats.byCanonicalType[refined, default: 0] += count
            }
            states[key] = state
        }
        for (key, histogram) in group.stays {
            var state = entry(key)
            state.time = DurationSummary(histogram: histogram)
            states[key] = state
        }
        let completed = stats.byCanonicalType[.completed] ?? 0
        stats.successRate = stats.terminal > 0 ? Double(completed) / Double(stats.terminal) : nil
        stats.states = states.values.sorted {
            ($0.lifecycle, $0.canonicalType, $0.state) < ($1.lifecycle, $1.canonicalType, $1.state)
        }
        return stats
    }
}
