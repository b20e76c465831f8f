/// The SQL of lifecycles: their states, transitions, outcomes and roles, read and defined.
extension Store {
    // MARK: - Lookups

    /// Whether a lifecycle of this name exists.
    func lifecycleExists(_ name: String) throws -> Bool {
        try connection.cached("SELECT 1 FROM lifecycles WHERE name = ?").fetchOne(name) { _ in true } ?? false
    }

    /// Whether the lifecycle has this state.
    func stateExists(_ state: String, in lifecycle: String) throws -> Bool {
        try connection.cached("SELECT 1 FROM lifecycle_states WHERE lifecycle = ? AND state = ?")
            .fetchOne(lifecycle, state) { _ in true } ?? false
    }

    /// The edges out of `state`, as (to, action) pairs in definition order.
    func edges(from state: String, in lifecycle: String) throws -> [(to: String, action: String?)] {
        try connection.cached(
            "SELECT to_state, action FROM lifecycle_transitions WHERE lifecycle = ? AND from_state = ? ORDER BY rowid"
        ).fetchAll(lifecycle, state) { row in (to: row.string(at: 0), action: row.optionalString(at: 1)) }
    }

    /// The target of `action` from `state`, if the lifecycle has that edge.
    func target(of action: String, from state: String, in lifecycle: String) throws -> String? {
        try connection.cached(
            "SELECT to_state FROM lifecycle_transitions WHERE lifecycle = ? AND from_state = ? AND action = ?"
        ).fetchOne(lifecycle, state, action) { $0.string(at: 0) }
    }

    /// Whether the lifecycle defines `action` anywhere.
    func actionExists(_ action: String, in lifecycle: String) throws -> Bool {
        try connection.cached("SELECT 1 FROM lifecycle_transitions WHERE lifecycle = ? AND action = ?")
            .fetchOne(lifecycle, action) { _ in true } ?? false
    }

    /// The names of the lifecycle's initial states, in position order.
    func initialStates(of lifecycle: String) throws -> [String] {
        try connection.cached(
            "SELECT state FROM lifecycle_states WHERE lifecycle = ? AND is_initial = 1 ORDER BY position"
        ).fetchAll(lifecycle) { $0.string(at: 0) }
    }

    /// The outcomes a lifecycle defines.
    func outcomes(of lifecycle: String) throws -> [String] {
        try connection.cached("SELECT outcome FROM lifecycle_outcomes WHERE lifecycle = ? ORDER BY rowid")
            .fetchAll(lifecycle) { $0.string(at: 0) }
    }

    /// One role column of a lifecycle (`blocked_state`...), if it is set.
    func role(_ column: String, of lifecycle: String) throws -> String? {
        precondition(column.allSatisfy { $0.isLetter || $0 == "_" }, "not a column name: \(column)")
        return try connection.cached("SELECT \(column) FROM lifecycles WHERE name = ?")
            .fetchOne(lifecycle) { $0.optionalString(at: 0) } ?? nil
    }

    // MARK: - Whole definitions

    /// The columns of a lifecycle's row that `lifecycles(named:)` reads.
    private enum LifecycleColumn: Int32, ColumnList {
        case name, description, isBuiltin, skipState, skipOutcome, lateState, crashState, retryState, blockedState
        case releaseState, upstreamFailedState, upstreamFailedOutcome, timeoutState, timeoutOutcome, defaultMaxActive

        var expression: String {
            switch self {
            case .name: "name"
            case .description: "description"
            case .isBuiltin: "is_builtin"
            case .skipState: "skip_state"
            case .skipOutcome: "skip_outcome"
            case .lateState: "late_state"
            case .crashState: "crash_state"
            case .retryState: "retry_state"
            case .blockedState: "blocked_state"
            case .releaseState: "release_state"
            case .upstreamFailedState: "upstream_failed_state"
            case .upstreamFailedOutcome: "upstream_failed_outcome"
            case .timeoutState: "timeout_state"
            case .timeoutOutcome: "timeout_outcome"
            case .defaultMaxActive: "default_max_active"
            }
        }
    }

    /// The lifecycle rows `lifecycles(named:)` reads; built once, not at every call.
    private static let lifecycleRows = "SELECT \(LifecycleColumn.selection) FROM lifecycles"

    /// Every lifecycle, with its states and transitions, by name.
    func lifecycles(named name: String? = nil) throws -> [Lifecycle] {
        typealias Column = LifecycleColumn
        // With a name, each query takes it as `?1`; without, none takes an argument.
        let arguments = name.map { [SQLValue.text($0)] } ?? []
        let filter = name == nil ? "" : " WHERE lifecycle = ?1"
        var lifecycles = try connection.cached(
            "\(Self.lifecycleRows)\(name == nil ? "" : " WHERE name = ?1") ORDER BY name"
        ).fetchAll(arguments: arguments) { row in
            Lifecycle(
                name: row.string(Column.name), description: row.string(Column.description),
                isBuiltin: row.bool(Column.isBuiltin), states: [], transitions: [],
                roles: Lifecycle.Roles(
                    skipState: row.optionalString(Column.skipState),
                    skipOutcome: row.optionalString(Column.skipOutcome),
                    lateState: row.optionalString(Column.lateState),
                    crashState: row.optionalString(Column.crashState),
                    retryState: row.optionalString(Column.retryState),
                    blockedState: row.optionalString(Column.blockedState),
                    releaseState: row.optionalString(Column.releaseState),
                    upstreamFailedState: row.optionalString(Column.upstreamFailedState),
                    upstreamFailedOutcome: row.optionalString(Column.upstreamFailedOutcome),
                    timeoutState: row.optionalString(Column.timeoutState),
                    timeoutOutcome: row.optionalString(Column.timeoutOutcome),
                    defaultMaxActive: row.optionalInt64(Column.defaultMaxActive).map { Int($0) }))
        }
        var index: [String: Int] = [:]
        for (offset, lifecycle) in lifecycles.enumerated() { index[lifecycle.name] = offset }
        try connection.cached(
            """
            SELECT lifecycle, state, canonical_type, is_terminal, is_initial, description
            FROM lifecycle_states\(filter) ORDER BY lifecycle, position, state
            """
        ).forEachRow(arguments: arguments) { row in
            guard let at = index[row.string(at: 0)] else { return }
            lifecycles[at].states.append(
                Lifecycle.State(
                    name: row.string(at: 1), canonicalType: CanonicalType(rawValue: row.string(at: 2)) ?? .pending,
                    isTerminal: row.int64(at: 3) != 0, isInitial: row.int64(at: 4) != 0,
                    description: row.string(at: 5)))
        }
        try connection.cached(
            """
            SELECT lifecycle, from_state, to_state, action, description
            FROM lifecycle_transitions\(filter) ORDER BY lifecycle, rowid
            """
        ).forEachRow(arguments: arguments) { row in
            guard let at = index[row.string(at: 0)] else { return }
            lifecycles[at].transitions.append(
                Lifecycle.Transition(
                    from: row.string(at: 1), to: row.string(at: 2), action: row.optionalString(at: 3),
                    description: row.string(at: 4)))
        }
        try connection.cached(
            "SELECT lifecycle, outcome, canonical_type, description FROM lifecycle_outcomes\(filter) ORDER BY lifecycle, rowid"
        ).forEachRow(arguments: arguments) { row in
            guard let at = index[row.string(at: 0)] else { return }
            lifecycles[at].outcomes.append(
                Lifecycle.Outcome(
                    name: row.string(at: 1), canonicalType: CanonicalType(rawValue: row.string(at: 2)) ?? .failed,
                    description: row.string(at: 3)))
        }
        return lifecycles
    }

    /// Writes a checked lifecycle: its row, states, transitions and outcomes, then its roles.
    func insert(_ lifecycle: Lifecycle) throws {
        try connection.cached("INSERT INTO lifecycles (name, description) VALUES (?, ?)")
            .execute(lifecycle.name, lifecycle.description)
        let state = try connection.cached(
            """
            INSERT INTO lifecycle_states (lifecycle, state, canonical_type, is_terminal, is_initial, position, description)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        for (offset, definition) in lifecycle.states.enumerated() {
            try state.execute(
                lifecycle.name, definition.name, definition.canonicalType.rawValue, definition.isTerminal,
                definition.isInitial, offset + 1, definition.description)
        }
        let transition = try connection.cached(
            "INSERT INTO lifecycle_transitions (lifecycle, from_state, to_state, action, description) VALUES (?, ?, ?, ?, ?)"
        )
        for definition in lifecycle.transitions {
            try transition.execute(
                lifecycle.name, definition.from, definition.to, definition.action, definition.description)
        }
        let outcome = try connection.cached(
            "INSERT INTO lifecycle_outcomes (lifecycle, outcome, canonical_type, description) VALUES (?, ?, ?, ?)")
        for definition in lifecycle.outcomes {
            try outcome.execute(
                lifecycle.name, definition.name, definition.canonicalType.rawValue, definition.description)
        }
        let roles = lifecycle.roles
        try connection.cached(
            """
            UPDATE lifecycles SET skip_state = ?, skip_outcome = ?, late_state = ?, crash_state = ?, retry_state = ?,
                blocked_state = ?, release_state = ?, upstream_failed_state = ?, upstream_failed_outcome = ?,
                timeout_state = ?, timeout_outcome = ?, default_max_active = ?
            WHERE name = ?
            """
        ).forEachRow(
            arguments: [
                roles.skipState, roles.skipOutcome, roles.lateState, roles.crashState, roles.retryState,
                roles.blockedState, roles.releaseState, roles.upstreamFailedState, roles.upstreamFailedOutcome,
                roles.timeoutState, roles.timeoutOutcome,
            ].map { $0.map(SQLValue.text) ?? .null } + [
                roles.defaultMaxActive.map { .integer(Int64($0)) } ?? .null, .text(lifecycle.name),
            ]
        ) { _ in }
    }
}
