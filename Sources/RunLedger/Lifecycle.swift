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

    /// Makes a lifecycle.
    public init(
        name: String, description: String = "", isBuiltin: Bool = false, states: [State], transitions: [Transition]
    ) {
        self.name = name
        self.description = description
        self.isBuiltin = isBuiltin
        self.states = states
        self.transitions = transitions
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
