/// The stats of one group of runs (a job, or a lifecycle).
public struct RunStats: Sendable, Hashable {
    /// Time spent in one state of one lifecycle, over every stay that ended.
    public struct StateTime: Sendable, Hashable {
        /// The lifecycle the state belongs to.
        public var lifecycle: String
        /// The state.
        public var state: String
        /// Its canonical type.
        public var canonicalType: CanonicalType
        /// Whether it is terminal.
        public var isTerminal: Bool
        /// Runs currently in this state.
        public var current: Int
        /// Durations of the stays in this state that ended (a run moved on); nil if none did.
        public var time: DurationSummary?
    }

    /// The job or lifecycle the group shares.
    public var group: String
    /// Runs in the group.
    public var runs: Int
    /// Runs whose current state is not terminal.
    public var active: Int
    /// Runs by the canonical type of their current state.
    public var byCanonicalType: [CanonicalType: Int]
    /// COMPLETED runs over terminal runs, from 0 to 1; nil when no run has ended.
    public var successRate: Double?
    /// Durations of terminal runs, from creation to their terminal state.
    public var duration: DurationSummary?
    /// Each state runs of the group are or were in: how many are in it now, and how long
    /// stays in it lasted.
    public var states: [StateTime]

    /// Runs that have ended.
    public var terminal: Int { runs - active }
}
