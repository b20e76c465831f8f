/// The SQL of stats (`Ledger.stats(_:)`): ended runs, stays and active runs as histogram
/// rows, summarized per group.
extension Store {
    /// Stats per job or per lifecycle, as `Ledger.stats(_:)` describes them.
    func stats(_ query: StatsQuery) throws -> [RunStats] {
        try StatsReader(connection: connection, query: query).read()
    }
}

/// The queries behind `Ledger.stats(_:)`: ended runs, stays and active runs as histogram
/// rows, from the ledger's stats tables or, for a time window, from the runs themselves;
/// then one summary per group.
private struct StatsReader {
    let connection: Database
    let query: StatsQuery

    private var groupColumn: String { query.grouping == .job ? "job" : "lifecycle" }

    /// Whether the stats tables answer the query: they hold every run, so only a time window
    /// needs the runs themselves.
    private var fromStatsTables: Bool { query.createdSince == nil && query.createdBefore == nil }

    /// `WHERE` conditions on `runs AS r` and their arguments: the same as a run query's. The
    /// stats tables share the `job` and `lifecycle` columns, and are read as `AS r` too.
    private var filter: (sql: String, arguments: [SQLValue]) {
        let (conditions, arguments) = Store.conditions(
            of: RunQuery(
                job: query.job, lifecycle: query.lifecycle, createdSince: query.createdSince,
                createdBefore: query.createdBefore))
        return ((["TRUE"] + conditions).joined(separator: " AND "), arguments)
    }

    /// Ended runs, from the stats table: group, lifecycle, state, outcome ('' for none), then
    /// a histogram row.
    private var endedFromTable: String {
        """
        SELECT r.\(groupColumn), r.lifecycle, r.state, r.outcome, r.bucket, r.runs, r.total_us, r.min_us, r.max_us
        FROM stats_run_durations AS r WHERE \(filter.sql)
        """
    }

    /// Numbers the distinct texts of a column without making a String per row: a text equal
    /// to the row before's, or (while there are few) to one seen before, is found by comparing
    /// bytes; only a new one is read and hashed.
    private struct Interner {
        var names: [String] = []
        private var bytes: [[UInt8]] = []
        private var numbers: [String: Int] = [:]
        private var last = -1
        private var lastBytes: [UInt8] = []  // bytes[last], kept apart: the hot comparison

        mutating func number(of row: Row, column: Int32) -> Int {
            if last >= 0, lastBytes.withUnsafeBufferPointer({ row.text(at: column, equals: $0) }) {
                return last
            }
            if names.count <= 16,
                let seen = bytes.firstIndex(where: { text in
                    text.withUnsafeBufferPointer { row.text(at: column, equals: $0) }
                })
            {
                last = seen
            } else {
                var text: [UInt8] = []
                row.appendText(at: column, to: &text)
                let name = String(decoding: text, as: UTF8.self)
                if let known = numbers[name] {
                    last = known
                } else {
                    last = names.count
                    numbers[name] = last
                    names.append(name)
                    bytes.append(text)
                }
            }
            lastBytes = bytes[last]
            return last
        }
    }

    /// Ended runs of a time window, from the runs themselves, counted in the same buckets.
    private func endedFromRuns(into groups: inout [String: Group]) throws {
        struct Slot: Hashable {
            var group, lifecycle, state, outcome: Int
            var bucket: Int64
        }
        let (filter, arguments) = self.filter
        var names = [Interner](repeating: Interner(), count: 4)
        var slots: [Slot: DurationHistogram.Bucket] = [:]
        try connection.cached(
            """
            SELECT r.\(groupColumn), r.lifecycle, r.state, coalesce(r.outcome, ''), r.ended_at - r.created_at
            FROM runs AS r WHERE \(filter) AND r.ended_at IS NOT NULL
            """
        ).forEachRow(arguments: arguments) { row in
            let duration = row.int64(at: 4)
            let slot = Slot(
                group: names[0].number(of: row, column: 0), lifecycle: names[1].number(of: row, column: 1),
                state: names[2].number(of: row, column: 2), outcome: names[3].number(of: row, column: 3),
                bucket: DurationHistogram.key(of: duration))
            slots[slot, default: DurationHistogram.Bucket(count: 0, total: 0, min: duration, max: duration)].add(
                duration)
        }
        for (slot, bucket) in slots {
            let state = StateKey(lifecycle: names[1].names[slot.lifecycle], state: names[2].names[slot.state])
            let group = names[0].names[slot.group]
            groups[group, default: Group()].ended[state, default: [:]][names[3].names[slot.outcome], default: 0] +=
                bucket.count
            groups[group, default: Group()].durations.add(key: slot.bucket, bucket)
        }
    }

    /// Stays that ended, from the stats table: group, lifecycle, state, then a histogram row.
    private var staysFromTable: String {
        """
        SELECT r.\(groupColumn), r.lifecycle, r.state, r.bucket, r.stays, r.total_us, r.min_us, r.max_us
        FROM stats_state_durations AS r WHERE \(filter.sql)
        """
    }

    /// Stays that ended, of the runs in a time window, from their history: the rows come run
    /// by run, in order (an index walk), and each stay is the gap between two rows of a run,
    /// counted in the same buckets as the stats table.
    private func staysFromHistory(into groups: inout [String: Group]) throws {
        struct Slot: Hashable {
            var group, lifecycle, state: Int
            var bucket: Int64
        }
        let (filter, arguments) = self.filter
        var names = [Interner](repeating: Interner(), count: 3)
        var slots: [Slot: DurationHistogram.Bucket] = [:]
        var run: Int64 = -1
        var group = 0
        var lifecycle = 0
        var previous: (state: Int, at: Int64)?
        try connection.cached(
            """
            SELECT r.num, r.\(groupColumn), r.lifecycle, c.to_state, c.at
            FROM runs AS r JOIN state_changes AS c ON c.run_num = r.num
            WHERE \(filter) ORDER BY r.num, c.seq
            """
        ).forEachRow(arguments: arguments) { row in
            let num = row.int64(at: 0)
            if num != run {
                run = num
                group = names[0].number(of: row, column: 1)
                lifecycle = names[1].number(of: row, column: 2)
                previous = nil
            }
            let state = names[2].number(of: row, column: 3)
            let at = row.int64(at: 4)
            if let previous {
                let duration = at - previous.at
                let slot = Slot(
                    group: group, lifecycle: lifecycle, state: previous.state,
                    bucket: DurationHistogram.key(of: duration))
                slots[slot, default: DurationHistogram.Bucket(count: 0, total: 0, min: duration, max: duration)].add(
                    duration)
            }
            previous = (state, at)
        }
        for (slot, bucket) in slots {
            let key = StateKey(lifecycle: names[1].names[slot.lifecycle], state: names[2].names[slot.state])
            groups[names[0].names[slot.group], default: Group()].stays[key, default: DurationHistogram()].add(
                key: slot.bucket, bucket)
        }
    }

    /// Active runs: group, lifecycle, state, count.
    private var activeRuns: String {
        """
        SELECT r.\(groupColumn), r.lifecycle, r.state, count(*)
        FROM runs AS r WHERE \(filter.sql) AND r.ended_at IS NULL
        GROUP BY 1, 2, 3
        """
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
    /// come together (the tables' order), so a key's texts are numbered by `Interner`s
    /// without a String per row; `body` gets each key with its histogram.
    private func histograms(_ sql: String, keyColumns: Int32, _ body: ([String], DurationHistogram) -> Void) throws {
        var names = [Interner](repeating: Interner(), count: Int(keyColumns))
        var key = [Int](repeating: -1, count: Int(keyColumns))  // the current key's text numbers
        var histogram = DurationHistogram()
        try connection.cached(sql).forEachRow(arguments: filter.arguments) { row in
            var changed = false
            for column in 0..<Int(keyColumns) {
                let number = names[column].number(of: row, column: Int32(column))
                guard number != key[column] else { continue }
                if !changed {
                    if key[0] >= 0 { body(Self.texts(of: key, in: names), histogram) }
                    histogram = DurationHistogram()
                    changed = true
                }
                key[column] = number
            }
            histogram.add(
                key: row.int64(at: keyColumns),
                DurationHistogram.Bucket(
                    count: Int(row.int64(at: keyColumns + 1)), total: row.int64(at: keyColumns + 2),
                    min: row.int64(at: keyColumns + 3), max: row.int64(at: keyColumns + 4)))
        }
        if key[0] >= 0 { body(Self.texts(of: key, in: names), histogram) }
    }

    /// The texts a key's numbers stand for. (Not a nested function of `histograms`: one that
    /// captured its variables, called from the row closure, made every access to them a
    /// dynamic exclusivity check, 15% of `stats` on the tables.)
    private static func texts(of key: [Int], in names: [Interner]) -> [String] {
        key.indices.map { names[$0].names[key[$0]] }
    }

    func read() throws -> [RunStats] {
        var groups: [String: Group] = [:]

        try connection.cached(activeRuns).forEachRow(arguments: filter.arguments) { row in
            let key = StateKey(lifecycle: row.string(at: 1), state: row.string(at: 2))
            groups[row.string(at: 0), default: Group()].active[key, default: 0] += Int(row.int64(at: 3))
        }

        if fromStatsTables {
            try histograms(endedFromTable, keyColumns: 4) { key, histogram in
                let state = StateKey(lifecycle: key[1], state: key[2])
                let runs = histogram.entries.reduce(0) { $0 + $1.bucket.count }
                groups[key[0], default: Group()].ended[state, default: [:]][key[3], default: 0] += runs
                groups[key[0], default: Group()].durations.add(histogram)
            }
            try histograms(staysFromTable, keyColumns: 3) { key, histogram in
                groups[key[0], default: Group()].stays[StateKey(lifecycle: key[1], state: key[2]), default: .init()]
                    .add(histogram)
            }
        } else {
            try endedFromRuns(into: &groups)
            try staysFromHistory(into: &groups)
        }

        let types = try self.types()
        return groups.keys.sorted().compactMap { name in
            groups[name].map { summarize(name, $0, types) }
        }
    }

    /// The canonical type of every state (and whether it is terminal) and of every outcome.
    private struct Types {
        var states: [StateKey: (type: CanonicalType, isTerminal: Bool)] = [:]
        var outcomes: [StateKey: CanonicalType] = [:]  // keyed by lifecycle and outcome
    }

    private func types() throws -> Types {
        var types = Types()
        let states = try connection.cached("SELECT lifecycle, state, canonical_type, is_terminal FROM lifecycle_states")
        try states.forEachRow { row in
            types.states[StateKey(lifecycle: row.string(at: 0), state: row.string(at: 1))] = (
                CanonicalType(rawValue: row.string(at: 2)) ?? .pending, row.int64(at: 3) != 0
            )
        }
        try connection.cached("SELECT lifecycle, outcome, canonical_type FROM lifecycle_outcomes").forEachRow { row in
            types.outcomes[StateKey(lifecycle: row.string(at: 0), state: row.string(at: 1))] =
                CanonicalType(rawValue: row.string(at: 2)) ?? .pending
        }
        return types
    }

    private func summarize(_ name: String, _ group: Group, _ types: Types) -> RunStats {
        var stats = RunStats(
            group: name, runs: 0, active: 0, byCanonicalType: [:], successRate: nil,
            duration: DurationSummary(histogram: group.durations), states: [])
        var states: [StateKey: RunStats.StateTime] = [:]
        func entry(_ key: StateKey) -> RunStats.StateTime {
            let type = types.states[key]
            return states[key]
                ?? RunStats.StateTime(
                    lifecycle: key.lifecycle, state: key.state, canonicalType: type?.type ?? .pending,
                    isTerminal: type?.isTerminal ?? false, current: 0, time: nil)
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
                    types.outcomes[StateKey(lifecycle: key.lifecycle, state: outcome)] ?? state.canonicalType
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
