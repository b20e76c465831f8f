/// Every SQL statement the ledger runs against its tables, in one place.
///
/// A `Store` is a view of one connection inside a transaction that its caller holds; it
/// never begins or commits. Statements come from the connection's cache, so each is
/// prepared once per connection.
struct Store {
    let connection: Connection

    // MARK: - Runs

    /// The columns `decodeRun` reads, in order.
    static let runColumns = """
        r.id, r.job, r.lifecycle, r.state, r.created_at, r.updated_at, r.created_by, r.created_reason,
        r.attempt, r.parent_id, r.scheduled_at, r.heartbeat_at, r.meta, ifnull(o.canonical_type, s.canonical_type),
        s.is_terminal, r.ended_at, r.outcome, r.max_retries
        """

    /// A run row with its state's type (refined by its outcome), joined the way `decodeRun`
    /// expects.
    static let runFrom = """
        FROM runs AS r LEFT JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = r.state
        LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = r.outcome
        """

    /// The run with an id; built once, not at every call.
    static let runByID = "SELECT \(runColumns) \(runFrom) WHERE r.id = ?"
    /// A run's state, by its compact key (see `state(ofRun:)`).
    static let runStateByNum = """
        SELECT r.state, r.updated_at, r.ended_at, r.outcome, ifnull(o.canonical_type, s.canonical_type), s.is_terminal
        \(runFrom) WHERE r.num = ?
        """

    /// Reads a run from the columns of `runColumns`, starting at `offset`.
    static func decodeRun(_ row: Statement, offset: Int32 = 0) -> Run {
        Run(
            id: row.string(at: offset),
            job: row.string(at: offset + 1),
            lifecycle: row.string(at: offset + 2),
            state: row.string(at: offset + 3),
            createdAt: Timestamp(rawValue: row.int64(at: offset + 4)),
            updatedAt: Timestamp(rawValue: row.int64(at: offset + 5)),
            endedAt: row.optionalInt64(at: offset + 15).map(Timestamp.init(rawValue:)),
            outcome: row.optionalString(at: offset + 16),
            createdBy: row.optionalString(at: offset + 6),
            createdReason: row.optionalString(at: offset + 7),
            attempt: Int(row.int64(at: offset + 8)),
            parentID: row.optionalString(at: offset + 9),
            maxRetries: row.optionalInt64(at: offset + 17).map { Int($0) },
            scheduledAt: row.optionalInt64(at: offset + 10).map(Timestamp.init(rawValue:)),
            heartbeatAt: row.optionalInt64(at: offset + 11).map(Timestamp.init(rawValue:)),
            metadata: row.optionalString(at: offset + 12),
            // The triggers keep every state typed; a file edited with its triggers dropped
            // could break that, which `verify` reports. Reading it must not crash.
            canonicalType: CanonicalType(rawValue: row.string(at: offset + 13)) ?? .pending,
            isTerminal: row.int64(at: offset + 14) != 0)
    }

    /// The run with this id.
    func run(id: String) throws -> Run? {
        let statement = try connection.cached(Self.runByID)
        defer { statement.reset() }
        statement.bind(id, at: 1)
        return try statement.step() ? Self.decodeRun(statement) : nil
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

    /// The state of the run with a compact key, and only that: a new run's other columns are
    /// what its caller wrote.
    func state(ofRun num: Int64) throws -> RunState? {
        let statement = try connection.cached(Self.runStateByNum)
        defer { statement.reset() }
        statement.bind(num, at: 1)
        guard try statement.step() else { return nil }
        return RunState(
            state: statement.string(at: 0), updatedAt: Timestamp(rawValue: statement.int64(at: 1)),
            endedAt: statement.optionalInt64(at: 2).map(Timestamp.init(rawValue:)),
            outcome: statement.optionalString(at: 3),
            canonicalType: CanonicalType(rawValue: statement.string(at: 4)) ?? .pending,
            isTerminal: statement.int64(at: 5) != 0)
    }

    /// What a transition needs to know of a run, and nothing more.
    struct RunHead {
        let num: Int64
        let lifecycle: String
        let state: String
        let updatedAt: Timestamp
    }

    /// The run's key, lifecycle, state and last change time.
    func head(of runID: String) throws -> RunHead? {
        let statement = try connection.cached("SELECT num, lifecycle, state, updated_at FROM runs WHERE id = ?")
        defer { statement.reset() }
        statement.bind(runID, at: 1)
        guard try statement.step() else { return nil }
        return RunHead(
            num: statement.int64(at: 0), lifecycle: statement.string(at: 1), state: statement.string(at: 2),
            updatedAt: Timestamp(rawValue: statement.int64(at: 3)))
    }

    /// Inserts a run; the triggers record its first state. Returns its key.
    func insertRun(
        id: String, job: String, lifecycle: String, state: String?, at: Timestamp, actor: String?, reason: String?,
        attempt: Int, parentID: String?, maxRetries: Int?, scheduledAt: Timestamp?, metadata: String?
    ) throws -> Int64 {
        let statement = try connection.cached(
            """
            INSERT INTO runs (id, job, lifecycle, state, created_at, created_by, created_reason, attempt, parent_id, meta,
                              max_retries, scheduled_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        defer { statement.reset() }
        statement.bind(id, at: 1)
        statement.bind(job, at: 2)
        statement.bind(lifecycle, at: 3)
        statement.bind(state, at: 4)
        statement.bind(at.rawValue, at: 5)
        statement.bind(actor, at: 6)
        statement.bind(reason, at: 7)
        statement.bind(Int64(attempt), at: 8)
        statement.bind(parentID, at: 9)
        statement.bind(metadata, at: 10)
        statement.bind(maxRetries.map(Int64.init), at: 11)
        statement.bind(scheduledAt?.rawValue, at: 12)
        try statement.run()
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
        // At most 2^6 shapes of this query exist, so caching each is bounded.
        let statement = try connection.cached(sql)
        defer { statement.reset() }
        for (index, argument) in arguments.enumerated() { statement.bind(argument, at: Int32(index + 1)) }
        var runs: [Run] = []
        while try statement.step() { runs.append(Self.decodeRun(statement)) }
        return runs
    }

    // MARK: - History

    /// The columns `decodeChange` reads, of `state_changes AS c`.
    static let changeColumns =
        "c.seq, c.from_state, c.to_state, c.at, c.action, c.actor, c.reason, c.meta, c.outcome, c.request_key"

    /// The change made with a request key, with its run's id.
    static let changeByRequestKey = """
        SELECT \(changeColumns), r.id FROM state_changes AS c JOIN runs AS r ON r.num = c.run_num
        WHERE c.request_key = ?
        """
    /// A run's changes after a seq, in order.
    static let historyAfter = """
        SELECT \(changeColumns)
        FROM runs AS r JOIN state_changes AS c ON c.run_num = r.num
        WHERE r.id = ? AND c.seq > ? ORDER BY c.seq
        """

    /// Reads a change from the columns of `changeColumns`.
    static func decodeChange(_ row: Statement, runID: String) -> StateChange {
        StateChange(
            seq: row.int64(at: 0), runID: runID, from: row.optionalString(at: 1), to: row.string(at: 2),
            at: Timestamp(rawValue: row.int64(at: 3)), action: row.optionalString(at: 4),
            actor: row.optionalString(at: 5),
            reason: row.optionalString(at: 6), metadata: row.optionalString(at: 7), outcome: row.optionalString(at: 8),
            requestKey: row.optionalString(at: 9))
    }

    /// The change made with this request key, and its run's id, if there is one.
    func change(requestKey: String) throws -> StateChange? {
        let statement = try connection.cached(Self.changeByRequestKey)
        defer { statement.reset() }
        statement.bind(requestKey, at: 1)
        guard try statement.step() else { return nil }
        return Self.decodeChange(statement, runID: statement.string(at: 10))
    }

    /// Appends a change to the run's history; the triggers check it. Returns its `seq`.
    func insertChange(
        runNum: Int64, from: String, to: String, at: Timestamp, action: String?, actor: String?, reason: String?,
        metadata: String?, outcome: String?, requestKey: String?
    ) throws -> Int64 {
        let statement = try connection.cached(
            """
            INSERT INTO state_changes (run_num, from_state, to_state, at, action, actor, reason, meta, outcome, request_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        defer { statement.reset() }
        statement.bind(runNum, at: 1)
        statement.bind(from, at: 2)
        statement.bind(to, at: 3)
        statement.bind(at.rawValue, at: 4)
        statement.bind(action, at: 5)
        statement.bind(actor, at: 6)
        statement.bind(reason, at: 7)
        statement.bind(metadata, at: 8)
        statement.bind(outcome, at: 9)
        statement.bind(requestKey, at: 10)
        try statement.run()
        return connection.lastInsertRowID
    }

    /// The run's changes in order (those after `seq`, if given), or nil when there is no
    /// such run.
    func history(of runID: String, after seq: Int64 = 0) throws -> [StateChange]? {
        let statement = try connection.cached(Self.historyAfter)
        defer { statement.reset() }
        statement.bind(runID, at: 1)
        statement.bind(seq, at: 2)
        var changes: [StateChange] = []
        while try statement.step() { changes.append(Self.decodeChange(statement, runID: runID)) }
        if changes.isEmpty, try head(of: runID) == nil { return nil }
        return changes
    }

    // MARK: - Lifecycles

    /// Whether a lifecycle of this name exists.
    func lifecycleExists(_ name: String) throws -> Bool {
        let statement = try connection.cached("SELECT 1 FROM lifecycles WHERE name = ?")
        defer { statement.reset() }
        statement.bind(name, at: 1)
        return try statement.step()
    }

    /// Whether the lifecycle has this state.
    func stateExists(_ state: String, in lifecycle: String) throws -> Bool {
        let statement = try connection.cached("SELECT 1 FROM lifecycle_states WHERE lifecycle = ? AND state = ?")
        defer { statement.reset() }
        statement.bind(lifecycle, at: 1)
        statement.bind(state, at: 2)
        return try statement.step()
    }

    /// The edges out of `state`, as (to, action) pairs in definition order.
    func edges(from state: String, in lifecycle: String) throws -> [(to: String, action: String?)] {
        let statement = try connection.cached(
            "SELECT to_state, action FROM lifecycle_transitions WHERE lifecycle = ? AND from_state = ? ORDER BY rowid")
        defer { statement.reset() }
        statement.bind(lifecycle, at: 1)
        statement.bind(state, at: 2)
        var edges: [(to: String, action: String?)] = []
        while try statement.step() { edges.append((statement.string(at: 0), statement.optionalString(at: 1))) }
        return edges
    }

    /// The target of `action` from `state`, if the lifecycle has that edge.
    func target(of action: String, from state: String, in lifecycle: String) throws -> String? {
        let statement = try connection.cached(
            "SELECT to_state FROM lifecycle_transitions WHERE lifecycle = ? AND from_state = ? AND action = ?")
        defer { statement.reset() }
        statement.bind(lifecycle, at: 1)
        statement.bind(state, at: 2)
        statement.bind(action, at: 3)
        return try statement.step() ? statement.string(at: 0) : nil
    }

    /// Whether the lifecycle defines `action` anywhere.
    func actionExists(_ action: String, in lifecycle: String) throws -> Bool {
        let statement = try connection.cached("SELECT 1 FROM lifecycle_transitions WHERE lifecycle = ? AND action = ?")
        defer { statement.reset() }
        statement.bind(lifecycle, at: 1)
        statement.bind(action, at: 2)
        return try statement.step()
    }

    /// The names of the lifecycle's initial states, in position order.
    func initialStates(of lifecycle: String) throws -> [String] {
        let statement = try connection.cached(
            "SELECT state FROM lifecycle_states WHERE lifecycle = ? AND is_initial = 1 ORDER BY position")
        defer { statement.reset() }
        statement.bind(lifecycle, at: 1)
        var states: [String] = []
        while try statement.step() { states.append(statement.string(at: 0)) }
        return states
    }

    /// Every lifecycle, with its states and transitions, by name.
    func lifecycles(named name: String? = nil) throws -> [Lifecycle] {
        let filter = name == nil ? "" : " WHERE lifecycle = ?1"
        var lifecycles: [Lifecycle] = []
        var index: [String: Int] = [:]
        let heads = try connection.cached(
            """
            SELECT name, description, is_builtin, skip_state, skip_outcome, late_state, crash_state, retry_state,
                   blocked_state, release_state, upstream_failed_state, upstream_failed_outcome, default_max_active
            FROM lifecycles\(name == nil ? "" : " WHERE name = ?1") ORDER BY name
            """)
        defer { heads.reset() }
        if let name { heads.bind(name, at: 1) }
        while try heads.step() {
            index[heads.string(at: 0)] = lifecycles.count
            let roles = Lifecycle.Roles(
                skipState: heads.optionalString(at: 3), skipOutcome: heads.optionalString(at: 4),
                lateState: heads.optionalString(at: 5), crashState: heads.optionalString(at: 6),
                retryState: heads.optionalString(at: 7), blockedState: heads.optionalString(at: 8),
                releaseState: heads.optionalString(at: 9), upstreamFailedState: heads.optionalString(at: 10),
                upstreamFailedOutcome: heads.optionalString(at: 11),
                defaultMaxActive: heads.optionalInt64(at: 12).map { Int($0) })
            lifecycles.append(
                Lifecycle(
                    name: heads.string(at: 0), description: heads.string(at: 1), isBuiltin: heads.int64(at: 2) != 0,
                    states: [], transitions: [], roles: roles))
        }
        let states = try connection.cached(
            """
            SELECT lifecycle, state, canonical_type, is_terminal, is_initial, description
            FROM lifecycle_states\(filter) ORDER BY lifecycle, position, state
            """)
        defer { states.reset() }
        if let name { states.bind(name, at: 1) }
        while try states.step() {
            guard let at = index[states.string(at: 0)] else { continue }
            lifecycles[at].states.append(
                Lifecycle.State(
                    name: states.string(at: 1),
                    canonicalType: CanonicalType(rawValue: states.string(at: 2)) ?? .pending,
                    isTerminal: states.int64(at: 3) != 0, isInitial: states.int64(at: 4) != 0,
                    description: states.string(at: 5)))
        }
        let transitions = try connection.cached(
            """
            SELECT lifecycle, from_state, to_state, action, description
            FROM lifecycle_transitions\(filter) ORDER BY lifecycle, rowid
            """)
        defer { transitions.reset() }
        if let name { transitions.bind(name, at: 1) }
        while try transitions.step() {
            guard let at = index[transitions.string(at: 0)] else { continue }
            lifecycles[at].transitions.append(
                Lifecycle.Transition(
                    from: transitions.string(at: 1), to: transitions.string(at: 2),
                    action: transitions.optionalString(at: 3), description: transitions.string(at: 4)))
        }
        let outcomes = try connection.cached(
            "SELECT lifecycle, outcome, canonical_type, description FROM lifecycle_outcomes\(filter) ORDER BY lifecycle, rowid"
        )
        defer { outcomes.reset() }
        if let name { outcomes.bind(name, at: 1) }
        while try outcomes.step() {
            guard let at = index[outcomes.string(at: 0)] else { continue }
            lifecycles[at].outcomes.append(
                Lifecycle.Outcome(
                    name: outcomes.string(at: 1),
                    canonicalType: CanonicalType(rawValue: outcomes.string(at: 2)) ?? .failed,
                    description: outcomes.string(at: 3)))
        }
        return lifecycles
    }
}
