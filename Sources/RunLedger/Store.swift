/// The ledger's data access: every SQL statement the library writes against a ledger's
/// tables is in `Store` and its `Store+*.swift` extensions (the migrations and their records
/// are the migrator's; `Ledger.query` runs a caller's own). This file holds the SQL of runs
/// and their history.
///
/// A `Store` is a view of one connection inside a transaction that its caller holds (only
/// `attachArchive` and `detachArchive` run outside one, as ATTACH must); it never begins or
/// commits. Statements come from the connection's cache, so each is prepared once per
/// connection, except the one-off queries of `verify` and `prune`.
struct Store {
    let connection: Database

    // MARK: - Runs

    /// The columns `decodeRun` reads: a run row with its state's type (refined by its
    /// outcome), from `runFrom`.
    enum RunColumn: Int32, ColumnList {
        case id, job, lifecycle, state, createdAt, updatedAt, endedAt, outcome, createdBy, createdReason, attempt
        case parentID, maxRetries, scheduledAt, heartbeatAt, metadata, canonicalType, isTerminal

        var expression: String {
            switch self {
            case .id: "r.id"
            case .job: "r.job"
            case .lifecycle: "r.lifecycle"
            case .state: "r.state"
            case .createdAt: "r.created_at"
            case .updatedAt: "r.updated_at"
            case .endedAt: "r.ended_at"
            case .outcome: "r.outcome"
            case .createdBy: "r.created_by"
            case .createdReason: "r.created_reason"
            case .attempt: "r.attempt"
            case .parentID: "r.parent_id"
            case .maxRetries: "r.max_retries"
            case .scheduledAt: "r.scheduled_at"
            case .heartbeatAt: "r.heartbeat_at"
            case .metadata: "r.meta"
            case .canonicalType: "coalesce(o.canonical_type, s.canonical_type)"
            case .isTerminal: "s.is_terminal"
            }
        }
    }

    /// The SELECT list of `decodeRun`.
    static let runColumns = RunColumn.selection

    /// A run row with its state's type (refined by its outcome), joined the way `RunColumn`
    /// expects.
    static let runFrom = """
        FROM runs AS r LEFT JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = r.state
        LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = r.outcome
        """

    /// The run with an id; built once, not at every call.
    static let runByID = "SELECT \(runColumns) \(runFrom) WHERE r.id = ?"

    /// Reads a run from the columns of `RunColumn`.
    static func decodeRun(_ row: Row) -> Run {
        Run(
            id: row.string(RunColumn.id), job: row.string(RunColumn.job),
            lifecycle: row.string(RunColumn.lifecycle), state: row.string(RunColumn.state),
            createdAt: row.timestamp(RunColumn.createdAt), updatedAt: row.timestamp(RunColumn.updatedAt),
            endedAt: row.optionalTimestamp(RunColumn.endedAt), outcome: row.optionalString(RunColumn.outcome),
            createdBy: row.optionalString(RunColumn.createdBy),
            createdReason: row.optionalString(RunColumn.createdReason),
            attempt: Int(row.int64(RunColumn.attempt)), parentID: row.optionalString(RunColumn.parentID),
            maxRetries: row.optionalInt64(RunColumn.maxRetries).map { Int($0) },
            scheduledAt: row.optionalTimestamp(RunColumn.scheduledAt),
            heartbeatAt: row.optionalTimestamp(RunColumn.heartbeatAt),
            metadata: row.optionalString(RunColumn.metadata),
            // The triggers keep every state typed; a file edited with its triggers dropped
            // could break that, which `verify` reports. Reading it must not crash.
            canonicalType: CanonicalType(rawValue: row.string(RunColumn.canonicalType)) ?? .pending,
            isTerminal: row.bool(RunColumn.isTerminal))
    }

    /// The run with this id.
    func run(id: String) throws -> Run? {
        try connection.cached(Self.runByID).fetchOne(id, decode: Self.decodeRun)
    }

    /// What the triggers decided for a run: its state (for a new run, its first state, or the
    /// skip state of a job at its limit) with the state's type, its last change and its end.
    struct RunState {
        let state: String
        let updatedAt: Timestamp
        let endedAt: Timestamp?
        let outcome: String?
        let canonicalType: CanonicalType
        let isTerminal: Bool
    }

    /// The columns of `RunState`: those of `RunColumn` that the triggers decide.
    enum RunStateColumn: Int32, ColumnList {
        case state, updatedAt, endedAt, outcome, canonicalType, isTerminal

        var expression: String {
            switch self {
            case .state: RunColumn.state.expression
            case .updatedAt: RunColumn.updatedAt.expression
            case .endedAt: RunColumn.endedAt.expression
            case .outcome: RunColumn.outcome.expression
            case .canonicalType: RunColumn.canonicalType.expression
            case .isTerminal: RunColumn.isTerminal.expression
            }
        }
    }

    /// A run's state, by its compact key (see `state(ofRun:)`); built once.
    static let runStateByNum = "SELECT \(RunStateColumn.selection) \(runFrom) WHERE r.num = ?"

    /// The state of the run with a compact key, and only that: a new run's other columns are
    /// what its caller wrote.
    func state(ofRun num: Int64) throws -> RunState? {
        try connection.cached(Self.runStateByNum).fetchOne(num) { row in
            RunState(
                state: row.string(RunStateColumn.state), updatedAt: row.timestamp(RunStateColumn.updatedAt),
                endedAt: row.optionalTimestamp(RunStateColumn.endedAt),
                outcome: row.optionalString(RunStateColumn.outcome),
                canonicalType: CanonicalType(rawValue: row.string(RunStateColumn.canonicalType)) ?? .pending,
                isTerminal: row.bool(RunStateColumn.isTerminal))
        }
    }

    /// What a transition needs to know of a run, and nothing more.
    struct RunHead {
        let num: Int64
        let lifecycle: String
        let state: String
        let updatedAt: Timestamp
    }

    static let headByID = "SELECT num, lifecycle, state, updated_at FROM runs WHERE id = ?"
    /// On a server, the head locks its row: see `head(of:)`.
    static let headByIDForUpdate = headByID + " FOR NO KEY UPDATE"

    /// The run's key, lifecycle, state and last change time, for a change of the run (in a
    /// write transaction). On PostgreSQL the run's row stays locked until the transaction
    /// ends, so that the writers of one run take turns, as SQLite's one writer does: the
    /// change starts from the head it read, and its time is not before another's. (`FOR NO
    /// KEY UPDATE`, the lock the history's rules take: it does not hold up sessions that
    /// only refer to the run, such as a new retry of it naming it as parent.)
    func head(of runID: String) throws -> RunHead? {
        try connection.cached(connection.engine == .sqlite ? Self.headByID : Self.headByIDForUpdate)
            .fetchOne(runID) { row in
                RunHead(
                    num: row.int64(at: 0), lifecycle: row.string(at: 1), state: row.string(at: 2),
                    updatedAt: Timestamp(rawValue: row.int64(at: 3)))
            }
    }

    /// Whether a run with this id is recorded (for reads: unlike `head(of:)`, it locks nothing).
    func runExists(_ runID: String) throws -> Bool {
        try connection.cached("SELECT 1 FROM runs WHERE id = ?").fetchOne(runID) { _ in true } ?? false
    }

    /// The canonical type a run counts as now (its state's, refined by its outcome).
    func canonicalType(ofRun runID: String) throws -> CanonicalType? {
        try connection.cached("SELECT \(RunColumn.canonicalType.expression) \(Self.runFrom) WHERE r.id = ?")
            .fetchOne(runID) { CanonicalType(rawValue: $0.string(at: 0)) } ?? nil
    }

    static let insertRunSQL = """
        INSERT INTO runs (id, job, lifecycle, state, created_at, created_by, created_reason, attempt, parent_id, meta,
                          max_retries, scheduled_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Inserts a run; the triggers record its first state. Returns its key.
    func insertRun(
        id: String, job: String, lifecycle: String, state: String?, at: Timestamp, actor: String?, reason: String?,
        attempt: Int, parentID: String?, maxRetries: Int?, scheduledAt: Timestamp?, metadata: String?
    ) throws -> Int64 {
        try connection.cached(
            connection.returning(Self.insertRunSQL, "num")
        ).execute(
            id, job, lifecycle, state, at.rawValue, actor, reason, attempt, parentID, metadata, maxRetries,
            scheduledAt?.rawValue)
        return connection.lastInsertRowID
    }

    /// The `WHERE` conditions of a query on `runs AS r`, and their arguments, in order.
    static func conditions(of query: RunQuery) -> (conditions: [String], arguments: [SQLValue]) {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let job = query.job {
            conditions.append("r.job = ?")
            arguments.append(.text(job))
        }
        if let lifecycle = query.lifecycle {
            conditions.append("r.lifecycle = ?")
            arguments.append(.text(lifecycle))
        }
        if let state = query.state {
            conditions.append("r.state = ?")
            arguments.append(.text(state))
        }
        switch query.status {
        case .any: break
        case .active: conditions.append("r.ended_at IS NULL")
        case .terminal: conditions.append("r.ended_at IS NOT NULL")
        }
        if let since = query.createdSince {
            conditions.append("r.created_at >= ?")
            arguments.append(.integer(since.rawValue))
        }
        if let before = query.createdBefore {
            conditions.append("r.created_at < ?")
            arguments.append(.integer(before.rawValue))
        }
        if let type = query.canonicalType {
            conditions.append("coalesce(o.canonical_type, s.canonical_type) = ?")
            arguments.append(.text(type.rawValue))
        }
        if let cursor = query.olderThan {
            // The first term bounds the scan of runs_by_created_at (whose entries end with
            // num, the rowid), the second breaks ties at the cursor's own time.
            conditions.append(
                "r.created_at <= (SELECT created_at FROM runs WHERE id = ?) AND (r.created_at < "
                    + "(SELECT created_at FROM runs WHERE id = ?) OR r.num < (SELECT num FROM runs WHERE id = ?))")
            arguments += [.text(cursor), .text(cursor), .text(cursor)]
        }
        return (conditions, arguments)
    }

    /// The runs a query matches, newest first.
    func runs(matching query: RunQuery) throws -> [Run] {
        let (conditions, filterArguments) = Self.conditions(of: query)
        var arguments = filterArguments
        var sql = "SELECT \(Self.runColumns) \(Self.runFrom)"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY r.created_at DESC, r.num DESC"
        if let limit = query.limit {
            sql += " LIMIT ?"
            arguments.append(.integer(Int64(limit)))
        }
        // At most 2^8 shapes of this query exist, so caching each is bounded.
        return try connection.cached(sql).fetchAll(arguments: arguments, decode: Self.decodeRun)
    }

    /// How many runs a query matches, whatever its limit.
    func count(matching query: RunQuery) throws -> Int {
        let (conditions, arguments) = Self.conditions(of: query)
        var sql = "SELECT count(*) \(Self.runFrom)"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        return try connection.cached(sql).fetchAll(arguments: arguments) { Int($0.int64(at: 0)) }.first ?? 0
    }

    /// The histories of these runs, oldest change first, by run id (a run not recorded is
    /// left out): one query through `state_changes_by_run`.
    func histories(of runIDs: [String]) throws -> [String: [StateChange]] {
        var histories: [String: [StateChange]] = [:]
        // Bounded batches, so that the statements cached stay few and within the engines'
        // limits on parameters.
        var start = 0
        while start < runIDs.count {
            let batch = Array(runIDs[start..<min(start + 100, runIDs.count)])
            start += batch.count
            let marks = Array(repeating: "?", count: batch.count).joined(separator: ", ")
            let sql = """
                SELECT \(ChangeColumn.selection)
                FROM runs AS r JOIN state_changes AS c ON c.run_num = r.num
                WHERE r.id IN (\(marks)) ORDER BY c.seq
                """
            try connection.prepare(sql).forEachRow(arguments: batch.map { .text($0) }) { row in
                let change = Self.decodeChange(row)
                histories[change.runID, default: []].append(change)
            }
        }
        return histories
    }

    // MARK: - History

    /// The columns `decodeChange` reads, of `state_changes AS c` and its run `runs AS r`.
    enum ChangeColumn: Int32, ColumnList {
        case seq, from, to, at, action, actor, reason, metadata, outcome, requestKey, runID

        var expression: String {
            switch self {
            case .seq: "c.seq"
            case .from: "c.from_state"
            case .to: "c.to_state"
            case .at: "c.at"
            case .action: "c.action"
            case .actor: "c.actor"
            case .reason: "c.reason"
            case .metadata: "c.meta"
            case .outcome: "c.outcome"
            case .requestKey: "c.request_key"
            case .runID: "r.id"
            }
        }
    }

    /// The change made with a request key, with its run's id.
    static let changeByRequestKey = """
        SELECT \(ChangeColumn.selection) FROM state_changes AS c JOIN runs AS r ON r.num = c.run_num
        WHERE c.request_key = ?
        """
    /// A run's changes after a seq, in order.
    static let historyAfter = """
        SELECT \(ChangeColumn.selection)
        FROM runs AS r JOIN state_changes AS c ON c.run_num = r.num
        WHERE r.id = ? AND c.seq > ? ORDER BY c.seq
        """

    /// Reads a change from the columns of `ChangeColumn`; the run's id from its column
    /// unless the caller knows it (which spares a String per row).
    static func decodeChange(_ row: Row, runID: String? = nil) -> StateChange {
        StateChange(
            seq: row.int64(ChangeColumn.seq), runID: runID ?? row.string(ChangeColumn.runID),
            from: row.optionalString(ChangeColumn.from), to: row.string(ChangeColumn.to),
            at: row.timestamp(ChangeColumn.at), action: row.optionalString(ChangeColumn.action),
            actor: row.optionalString(ChangeColumn.actor), reason: row.optionalString(ChangeColumn.reason),
            metadata: row.optionalString(ChangeColumn.metadata), outcome: row.optionalString(ChangeColumn.outcome),
            requestKey: row.optionalString(ChangeColumn.requestKey))
    }

    /// The change made with this request key, and its run's id, if there is one.
    func change(requestKey: String) throws -> StateChange? {
        try connection.cached(Self.changeByRequestKey).fetchOne(requestKey) { Self.decodeChange($0) }
    }

    static let insertChangeSQL = """
        INSERT INTO state_changes (run_num, from_state, to_state, at, action, actor, reason, meta, outcome, request_key)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Appends a change to the run's history; the triggers check it. Returns its `seq`.
    func insertChange(
        runNum: Int64, from: String, to: String, at: Timestamp, action: String?, actor: String?, reason: String?,
        metadata: String?, outcome: String?, requestKey: String?
    ) throws -> Int64 {
        try connection.cached(
            connection.returning(Self.insertChangeSQL, "seq")
        ).execute(runNum, from, to, at.rawValue, action, actor, reason, metadata, outcome, requestKey)
        return connection.lastInsertRowID
    }

    /// The run's changes in order (those after `seq`, if given), or nil when there is no
    /// such run.
    func history(of runID: String, after seq: Int64 = 0) throws -> [StateChange]? {
        let changes = try connection.cached(Self.historyAfter).fetchAll(runID, seq) {
            Self.decodeChange($0, runID: runID)
        }
        if changes.isEmpty, try !runExists(runID) { return nil }
        return changes
    }
}

extension Row {
    /// The column as a time (NULL reads as the epoch).
    func timestamp<Column: ColumnList>(_ column: Column) -> Timestamp { Timestamp(rawValue: int64(column)) }

    /// The column as a time, or nil when NULL.
    func optionalTimestamp<Column: ColumnList>(_ column: Column) -> Timestamp? {
        optionalInt64(column).map(Timestamp.init(rawValue:))
    }
}
