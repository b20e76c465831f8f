/// The SQL of the ledger-wide feed (`Ledger.changes(after:matching:limit:)`,
/// `Ledger.subscribe`) and of consumers, the named cursors over it.
///
/// The feed reads `state_changes` by its primary key, `seq`, from a cursor up to a bound
/// every row under which has committed: on SQLite the newest `seq` of the read's snapshot
/// (one writer at a time: rows commit in `seq` order), on PostgreSQL `history_high_water()`
/// (rows may commit out of `seq` order there; see rules/state_changes.sql).
extension Store {
    /// The extra columns of a feed row, after `ChangeColumn`'s: the run's job and lifecycle,
    /// the state's canonical type refined by the change's outcome, and whether it is terminal.
    private static let feedColumns = """
        r.job, r.lifecycle, coalesce(o.canonical_type, s.canonical_type), s.is_terminal
        """

    /// One filter's condition: its argument is a JSON array of the values let through, or
    /// NULL for any.
    private func filter(_ column: String) -> String {
        connection.engine == .sqlite
            ? "(? IS NULL OR \(column) IN (SELECT value FROM json_each(?)))"
            : "(CAST(? AS text) IS NULL OR \(column) IN (SELECT json_array_elements_text(CAST(? AS json))))"
    }

    /// The feed's query, oldest first or newest first.
    private func feedSQL(newestFirst: Bool = false) -> String {
        """
        SELECT \(ChangeColumn.selection), \(Self.feedColumns)
        FROM state_changes AS c JOIN runs AS r ON r.num = c.run_num
        JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = c.to_state
        LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = c.outcome
        WHERE c.seq > ? AND c.seq <= ?
          AND \(filter("r.job")) AND \(filter("r.lifecycle"))
          AND \(filter("coalesce(o.canonical_type, s.canonical_type)"))
        ORDER BY c.seq\(newestFirst ? " DESC" : "") LIMIT ?
        """
    }

    /// The arguments of `feedSQL()`'s filters: for each, a JSON array of the values let
    /// through, or NULL, twice.
    private func filterArguments(_ filter: ChangeFilter) -> [SQLValue] {
        func list<Value>(_ values: Set<Value>?, _ text: (Value) -> String) -> SQLValue {
            guard let values else { return .null }
            return .text(JSONValue.array(values.map { .string(text($0)) }.sorted { $0.text < $1.text }).text)
        }
        let jobs = list(filter.jobs) { $0 }
        let lifecycles = list(filter.lifecycles) { $0 }
        let types = list(filter.canonicalTypes) { $0.rawValue }
        return [jobs, jobs, lifecycles, lifecycles, types, types]
    }

    /// A feed row: the change (`ChangeColumn`'s columns), then `feedColumns`.
    private static func decodeFeedChange(_ row: Row) -> LedgerChange {
        LedgerChange(
            change: decodeChange(row), job: row.string(at: 11), lifecycle: row.string(at: 12),
            canonicalType: CanonicalType(rawValue: row.string(at: 13)) ?? .pending, isTerminal: row.int64(at: 14) != 0)
    }

    /// The newest `seq` below which every history row has committed. On PostgreSQL it must
    /// run outside a transaction (history_high_water() needs READ COMMITTED); a read that
    /// begins after it sees every row up to it.
    func committedHighWater() throws -> Int64 {
        let sql =
            connection.engine == .sqlite
            ? "SELECT ifnull(max(seq), 0) FROM state_changes" : "SELECT history_high_water()"
        return try connection.cached(sql).fetchOne { $0.int64(at: 0) } ?? 0
    }

    /// The changes after `seq` and up to `bound` that pass `filter`, in `seq` order, at most
    /// `limit`; and the `seq` read through.
    func changes(after seq: Int64, through bound: Int64, matching filter: ChangeFilter, limit: Int) throws
        -> ChangePage
    {
        guard bound > seq else { return ChangePage(changes: [], through: seq) }
        let changes = try connection.cached(feedSQL()).fetchAll(
            arguments: [.integer(seq), .integer(bound)] + filterArguments(filter) + [.integer(Int64(limit))],
            decode: Self.decodeFeedChange)
        // A full page read up to its last change; a shorter one, up to the bound.
        let through = changes.count == limit ? changes[changes.count - 1].seq : bound
        return ChangePage(changes: changes, through: through)
    }

    /// The newest `limit` changes up to `bound` that pass `filter`, oldest first; the page
    /// reads through `bound`.
    func lastChanges(_ limit: Int, through bound: Int64, matching filter: ChangeFilter) throws -> ChangePage {
        let changes = try connection.cached(feedSQL(newestFirst: true)).fetchAll(
            arguments: [.integer(0), .integer(bound)] + filterArguments(filter) + [.integer(Int64(limit))],
            decode: Self.decodeFeedChange)
        return ChangePage(changes: changes.reversed(), through: bound)
    }

    // MARK: - Consumers

    /// The consumer's cursor, or nil when there is no consumer of that name.
    func consumerSeq(_ name: String) throws -> Int64? {
        try connection.cached("SELECT seq FROM consumers WHERE name = ?").fetchOne(name) { $0.int64(at: 0) }
    }

    /// Makes the consumer, at `seq`, if it does not exist.
    func createConsumer(_ name: String, at seq: Int64, now: Timestamp) throws {
        try connection.cached(
            "INSERT INTO consumers (name, seq, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING"
        ).execute(name, seq, now.rawValue, now.rawValue)
    }

    /// Moves the consumer's cursor on to `seq`, never back (of two acknowledgements racing,
    /// the greater stays); false when there is no such consumer.
    func acknowledge(_ name: String, through seq: Int64, now: Timestamp) throws -> Bool {
        let greatest = connection.engine == .sqlite ? "max" : "greatest"
        try connection.cached(
            "UPDATE consumers SET seq = \(greatest)(seq, ?), updated_at = ? WHERE name = ?"
        ).execute(seq, now.rawValue, name)
        return connection.changes > 0
    }

    /// Deletes the consumer; false when there was none.
    func removeConsumer(_ name: String) throws -> Bool {
        try connection.cached("DELETE FROM consumers WHERE name = ?").execute(name)
        return connection.changes > 0
    }

    /// Every consumer with its lag, by name, read at `now`: the changes after its cursor
    /// (counted on the primary key's range) and the age of the first of them.
    func consumers(now: Timestamp) throws -> [Consumer] {
        try connection.cached(
            """
            SELECT k.name, k.seq, k.created_at, k.updated_at,
                   (SELECT count(*) FROM state_changes AS c WHERE c.seq > k.seq),
                   (SELECT c.at FROM state_changes AS c WHERE c.seq > k.seq ORDER BY c.seq LIMIT 1)
            FROM consumers AS k ORDER BY k.name
            """
        ).fetchAll { row in
            let oldest = row.optionalInt64(at: 5)
            return Consumer(
                name: row.string(at: 0), seq: row.int64(at: 1), createdAt: Timestamp(rawValue: row.int64(at: 2)),
                updatedAt: Timestamp(rawValue: row.int64(at: 3)), lagChanges: Int(row.int64(at: 4)),
                lagSeconds: oldest.map { max(0, Double(now.rawValue - $0) / 1_000_000) } ?? 0)
        }
    }
}
