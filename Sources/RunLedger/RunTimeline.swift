/// A run with its whole history, its lifecycle, its place in a retry chain, its upstream runs
/// and annotations, read in one snapshot: what a timeline display needs.
public struct RunTimeline: Sendable {
    /// The run.
    public var run: Run
    /// Its lifecycle's definition.
    public var lifecycle: Lifecycle
    /// Its changes, oldest first.
    public var changes: [StateChange]

    /// Makes a timeline.
    public init(run: Run, lifecycle: Lifecycle, changes: [StateChange]) {
        self.run = run
        self.lifecycle = lifecycle
        self.changes = changes
    }

    /// The canonical type of a state of this run's lifecycle, refined by an outcome.
    public func canonicalType(of state: String, outcome: String? = nil) -> CanonicalType? {
        lifecycle.canonicalType(of: state, outcome: outcome)
    }

    /// The runs that retry or resubmit this one.
    public var children: [String] = []
    /// The upstream runs this one waits for, each with whether it has completed.
    public var upstreams: [(id: String, isCompleted: Bool)] = []
    /// Facts about the run that did not move it.
    public var annotations: [Annotation] = []

    /// Seconds the run spent in the state that the change at `index` left (nil for the first).
    public func secondsInPreviousState(at index: Int) -> Double? {
        guard index > 0, index < changes.count else { return nil }
        return changes[index].at.seconds(since: changes[index - 1].at)
    }
}

extension Ledger {
    /// The run, its lifecycle and its history, read in one snapshot.
    ///
    /// ```swift
    /// let timeline = try ledger.timeline(of: run.id)
    /// for (index, change) in timeline.changes.enumerated() {
    ///     let type = timeline.canonicalType(of: change.to, outcome: change.outcome)
    ///     print(change.to, type?.rawValue ?? "-", timeline.secondsInPreviousState(at: index) ?? 0)
    /// }
    /// ```
    ///
    /// - Throws: ``LedgerError/noSuchRun(runID:)``.
    public func timeline(of runID: String) throws -> RunTimeline {
        try read { connection in
            let store = Store(connection: connection)
            guard let run = try store.run(id: runID), let changes = try store.history(of: runID) else {
                throw LedgerError.noSuchRun(runID: runID)
            }
            guard let lifecycle = try store.lifecycles(named: run.lifecycle).first else {
                throw LedgerError.noSuchLifecycle(name: run.lifecycle)
            }
            var timeline = RunTimeline(run: run, lifecycle: lifecycle, changes: changes)
            timeline.children = try store.children(of: runID)
            timeline.upstreams = try store.upstreams(of: runID)
            timeline.annotations = try store.annotations(of: runID)
            return timeline
        }
    }
}
