extension Lifecycle {
    /// What is wrong with this definition, one sentence each; empty when it is valid.
    ///
    /// A valid lifecycle has a valid name; at least one state, each named once; at least one
    /// initial state; transitions that join its own states, each (from, to, action) once;
    /// every state reachable from an initial state; no plain transition out of a terminal
    /// state (only an action may reopen one); outcomes named once, each of a terminal
    /// canonical type; role states and outcomes that are its own.
    public var problems: [String] {
        var problems: [String] = []
        if (try? Validate.name(name, as: "name")) == nil {
            problems.append("the name must be 1 to 200 characters without control characters")
        }
        if isBuiltin { problems.append("a defined lifecycle cannot be built in") }
        if states.isEmpty { problems.append("it has no state") }
        var names: Set<String> = []
        for state in states {
            if (try? Validate.name(state.name, as: "state")) == nil {
                problems.append("state \"\(state.name)\" must be 1 to 200 characters without control characters")
            }
            if !names.insert(state.name).inserted { problems.append("state \(state.name) is defined twice") }
        }
        if !states.isEmpty && !states.contains(where: \.isInitial) { problems.append("no state is initial") }
        var edges: Set<String> = []
        for transition in transitions {
            for end in [transition.from, transition.to] where !names.contains(end) {
                problems.append("transition \(transition.from) -> \(transition.to) names unknown state \(end)")
            }
            if let action = transition.action, (try? Validate.name(action, as: "action")) == nil {
                problems.append("action \"\(action)\" must be 1 to 200 characters without control characters")
            }
            let key = "\(transition.from)\u{0}\(transition.to)\u{0}\(transition.action ?? "")"
            if !edges.insert(key).inserted {
                problems.append(
                    "transition \(transition.from) -> \(transition.to)\(transition.action.map { " by \($0)" } ?? "") is defined twice"
                )
            }
        }
        for state in states where state.isTerminal {
            for transition in transitions where transition.from == state.name && transition.action == nil {
                problems.append(
                    "terminal state \(state.name) has a plain transition to \(transition.to); only an action may leave a terminal state"
                )
            }
        }
        var reached = Set(states.filter(\.isInitial).map(\.name))
        var frontier = Array(reached)
        while let state = frontier.popLast() {
            for transition in transitions where transition.from == state && reached.insert(transition.to).inserted {
                frontier.append(transition.to)
            }
        }
        for state in states where !reached.contains(state.name) && !states.filter(\.isInitial).isEmpty {
            problems.append("state \(state.name) cannot be reached from an initial state")
        }
        var outcomeNames: Set<String> = []
        for outcome in outcomes {
            if !outcomeNames.insert(outcome.name).inserted {
                problems.append("outcome \(outcome.name) is defined twice")
            }
            if !outcome.canonicalType.isTerminal {
                problems.append(
                    "outcome \(outcome.name) must have a terminal canonical type, not \(outcome.canonicalType.rawValue)"
                )
            }
        }
        let roleStates: [(String, String?)] = [
            ("skip_state", roles.skipState), ("late_state", roles.lateState), ("crash_state", roles.crashState),
            ("retry_state", roles.retryState), ("blocked_state", roles.blockedState),
            ("release_state", roles.releaseState), ("upstream_failed_state", roles.upstreamFailedState),
            ("timeout_state", roles.timeoutState),
        ]
        for (role, state) in roleStates {
            if let state, !names.contains(state) { problems.append("\(role) \(state) is not one of its states") }
        }
        for (role, outcome) in [
            ("skip_outcome", roles.skipOutcome), ("upstream_failed_outcome", roles.upstreamFailedOutcome),
            ("timeout_outcome", roles.timeoutOutcome),
        ] {
            if let outcome, !outcomeNames.contains(outcome) {
                problems.append("\(role) \(outcome) is not one of its outcomes")
            }
        }
        if let limit = roles.defaultMaxActive, limit < 0 { problems.append("default_max_active must be 0 or more") }
        return problems
    }
}

extension Ledger {
    /// Defines a lifecycle of your own, after checking it (``Lifecycle/problems``).
    ///
    /// Defining the same lifecycle again changes nothing; a different definition under a
    /// name in use is refused (a change is a new lifecycle, under a new name).
    ///
    /// ```swift
    /// try ledger.define(Lifecycle(
    ///     name: "deploy",
    ///     states: [
    ///         .init(name: "queued", canonicalType: .pending, isTerminal: false, isInitial: true),
    ///         .init(name: "rolling", canonicalType: .running, isTerminal: false, isInitial: false),
    ///         .init(name: "live", canonicalType: .completed, isTerminal: true, isInitial: false),
    ///         .init(name: "rolled-back", canonicalType: .failed, isTerminal: true, isInitial: false),
    ///     ],
    ///     transitions: [
    ///         .init(from: "queued", to: "rolling"), .init(from: "rolling", to: "live"),
    ///         .init(from: "rolling", to: "rolled-back"),
    ///     ]))
    /// ```
    ///
    /// - Throws: ``LedgerError/invalidLifecycle(name:problems:)`` naming every problem;
    ///   ``LedgerError/lifecycleExists(name:)``.
    public func define(_ lifecycle: Lifecycle) throws {
        let problems = lifecycle.problems
        guard problems.isEmpty else { throw LedgerError.invalidLifecycle(name: lifecycle.name, problems: problems) }
        try write { connection in
            let store = Store(connection: connection)
            if let existing = try store.lifecycles(named: lifecycle.name).first {
                guard existing == lifecycle else { throw LedgerError.lifecycleExists(name: lifecycle.name) }
                return
            }
            do {
                try store.insert(lifecycle)
            } catch let error as any EngineError {
                throw Refusal.generic(error)
            }
        }
    }
}
