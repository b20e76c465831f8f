/// A named state machine: its states and the transitions between them.
///
/// Built in: `canonical`, `databricks`, `openlineage`, `opencue`, `domino`, `prefect`. A
/// lifecycle that is built in or used by a run is immutable; a change is a new lifecycle.
public struct Lifecycle: Sendable, Hashable, Codable {
    /// One state of a lifecycle.
    public struct State: Sendable, Hashable, Codable {
        /// The state's name, spelled as its source spells it (`WAITING_FOR_RETRY`, `Retrieved Cache`).
        public var name: String
        /// The canonical type the state maps to.
        public var canonicalType: CanonicalType
        /// Whether the state ends a run (only an action edge may leave it).
        public var isTerminal: Bool
        /// Whether a run may start in this state.
        public var isInitial: Bool
        /// What the state means.
        public var description: String

        /// Makes a state.
        public init(
            name: String, canonicalType: CanonicalType, isTerminal: Bool, isInitial: Bool, description: String = ""
        ) {
            self.name = name
            self.canonicalType = canonicalType
            self.isTerminal = isTerminal
            self.isInitial = isInitial
            self.description = description
        }
    }

    /// One legal transition of a lifecycle.
    public struct Transition: Sendable, Hashable, Codable {
        /// The state the run leaves.
        public var from: String
        /// The state the run enters.
        public var to: String
        /// The action that takes this edge, or nil for a plain transition. An edge with an
        /// action is taken only by performing that action.
        public var action: String?
        /// What the transition means.
        public var description: String

        /// Makes a transition.
        public init(from: String, to: String, action: String? = nil, description: String = "") {
            self.from = from
            self.to = to
            self.action = action
            self.description = description
        }
    }

    /// An outcome a terminal change may carry (Databricks' `result_state`), refining the
    /// canonical type of the state it ends in.
    public struct Outcome: Sendable, Hashable, Codable {
        /// The outcome's name (`FAILED`, `MAXIMUM_CONCURRENT_RUNS_REACHED`).
        public var name: String
        /// The canonical type a run that ended with it counts as.
        public var canonicalType: CanonicalType
        /// What it means.
        public var description: String

        /// Makes an outcome.
        public init(name: String, canonicalType: CanonicalType, description: String = "") {
            self.name = name
            self.canonicalType = canonicalType
            self.description = description
        }
    }

    /// The states the ledger's semantics use; each may be absent.
    public struct Roles: Sendable, Hashable, Codable {
        /// Where a run goes at once when its job is at its concurrency limit.
        public var skipState: String?
        /// The outcome that skip carries.
        public var skipOutcome: String?
        /// Where the sweep moves runs still waiting past their scheduled time.
        public var lateState: String?
        /// Where the sweep moves runs whose heartbeat stopped.
        public var crashState: String?
        /// Entering it counts as a retry, against a run's `maxRetries`.
        public var retryState: String?
        /// Where a run waits for its upstream runs.
        public var blockedState: String?
        /// Where a waiting run goes when its upstream runs have all completed.
        public var releaseState: String?
        /// Where a run goes when an upstream run fails; absent: it stays, with an annotation.
        public var upstreamFailedState: String?
        /// The outcome that move carries.
        public var upstreamFailedOutcome: String?
        /// Where the sweep moves runs past a deadline (``Deadline``); absent: they stay, with an
        /// annotation.
        public var timeoutState: String?
        /// The outcome that move carries.
        public var timeoutOutcome: String?
        /// The limit of active runs per job, for jobs without a limit of their own; nil: none.
        public var defaultMaxActive: Int?

        /// Makes roles; every one is absent by default.
        public init(
            skipState: String? = nil, skipOutcome: String? = nil, lateState: String? = nil, crashState: String? = nil,
            retryState: String? = nil, blockedState: String? = nil, releaseState: String? = nil,
            upstreamFailedState: String? = nil, upstreamFailedOutcome: String? = nil, timeoutState: String? = nil,
            timeoutOutcome: String? = nil, defaultMaxActive: Int? = nil
        ) {
            self.skipState = skipState
            self.skipOutcome = skipOutcome
            self.lateState = lateState
            self.crashState = crashState
            self.retryState = retryState
            self.blockedState = blockedState
            self.releaseState = releaseState
            self.upstreamFailedState = upstreamFailedState
            self.upstreamFailedOutcome = upstreamFailedOutcome
            self.timeoutState = timeoutState
            self.timeoutOutcome = timeoutOutcome
            self.defaultMaxActive = defaultMaxActive
        }
    }

    /// The lifecycle's name, its identity.
    public var name: String
    /// What the lifecycle is.
    public var description: String
    /// Whether the lifecycle ships with runledger.
    public var isBuiltin: Bool
    /// The states, in their display order; the first initial one is where runs start by default.
    public var states: [State]
    /// The legal transitions.
    public var transitions: [Transition]
    /// The outcomes terminal changes may carry.
    public var outcomes: [Outcome]
    /// The states the ledger's semantics use.
    public var roles: Roles

    /// Makes a lifecycle.
    public init(
        name: String, description: String = "", isBuiltin: Bool = false, states: [State], transitions: [Transition],
        outcomes: [Outcome] = [], roles: Roles = Roles()
    ) {
        self.name = name
        self.description = description
        self.isBuiltin = isBuiltin
        self.states = states
        self.transitions = transitions
        self.outcomes = outcomes
        self.roles = roles
    }

    /// The canonical type a run in `state` counts as, refined by its outcome if it has one.
    public func canonicalType(of state: String, outcome: String? = nil) -> CanonicalType? {
        if let outcome, let refined = outcomes.first(where: { $0.name == outcome }) { return refined.canonicalType }
        return self.state(named: state)?.canonicalType
    }

    /// The state named `name`, if the lifecycle has it.
    public func state(named name: String) -> State? {
        states.first { $0.name == name }
    }

    /// The state a run starts in when none is given: the first initial state.
    public var defaultInitialState: State? {
        states.first { $0.isInitial }
    }

    /// The transitions that leave `state`.
    public func transitions(from state: String) -> [Transition] {
        transitions.filter { $0.from == state }
    }

    /// The names of the actions the lifecycle defines, each once, in order of first use.
    public var actions: [String] {
        var seen: Set<String> = []
        return transitions.compactMap(\.action).filter { seen.insert($0).inserted }
    }
}
