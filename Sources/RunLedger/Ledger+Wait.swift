#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// ``Ledger/wait(for:until:timeout:)`` gave up: the run was still active (and not in the
/// state waited for) when the timeout passed.
public struct WaitTimeout: Error, Sendable, Equatable, CustomStringConvertible {
    /// The run as the wait last read it.
    public var run: Run
    /// The state waited for; nil when the wait was for the run to end.
    public var state: String?
    /// How long the wait lasted.
    public var timeout: Duration

    /// Makes the error (the ledger makes these; tests and tools may too).
    public init(run: Run, state: String?, timeout: Duration) {
        self.run = run
        self.state = state
        self.timeout = timeout
    }

    /// One plain sentence: which run, where it is, and what it did not reach in time.
    public var description: String {
        let goal = state.map { "entered \($0)" } ?? "ended"
        return "Run \(run.id) is still in \(run.state) and has not \(goal) after \(Self.text(timeout))."
    }

    /// A duration as a person reads it: `90s`, `1.5s`, `30m`, `2h`.
    static func text(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        if seconds == seconds.rounded() { return "\(Int(seconds))s" }
        return "\(seconds)s"
    }
}

extension Ledger {
    /// Blocks until the run has ended (is in a terminal state), or has entered `state`, and
    /// returns it; commits by any process count, the `sqlite3` shell's included.
    ///
    /// How the run ended is its ``Run/canonicalType``, refined by its outcome (Databricks'
    /// `TERMINATED` with outcome `FAILED` is ``CanonicalType/failed``). With `state`, the wait
    /// also ends when the run ends elsewhere (a run that failed before it ran never enters
    /// `RUNNING`); a run that entered `state` and left it between two looks counts as having
    /// entered it, and is returned as it is now.
    ///
    /// ```swift
    /// let run = try ledger.wait(for: id, timeout: .seconds(1800))
    /// if run.canonicalType != .completed { print("run \(run.id) ended \(run.canonicalType)") }
    /// let running = try ledger.wait(for: id, until: "RUNNING")
    /// ```
    ///
    /// It costs next to nothing while nothing happens: on SQLite it reads `PRAGMA
    /// data_version` (and this connection's own change count) every 50 ms and reads the run
    /// only when they moved; on PostgreSQL it reads the run's last change every 100 ms. The
    /// ledger's connection is taken only for each look, so other threads may use the ledger
    /// meanwhile. From async code, use the async overload, which sleeps without blocking a
    /// thread and ends when its task is cancelled.
    ///
    /// - Parameters:
    ///   - runID: The run.
    ///   - state: A state of the run's lifecycle to wait for instead of the run's end.
    ///   - timeout: How long to wait at most; nil (the default) to wait as long as it takes.
    /// - Returns: The run, ended or having entered `state`.
    /// - Throws: ``WaitTimeout`` when the timeout passes first; ``LedgerError/noSuchRun(runID:)``;
    ///   ``LedgerError/noSuchState(lifecycle:state:)`` for a `state` the run's lifecycle does
    ///   not have; ``LedgerError/invalidArgument(name:reason:)`` for a negative timeout;
    ///   ``SQLiteError`` (`PostgresError`) when the engine fails.
    public func wait(for runID: String, until state: String? = nil, timeout: Duration? = nil) throws -> Run {
        var waiter = try RunWaiter(ledger: self, runID: runID, state: state, timeout: timeout)
        while true {
            if let run = try waiter.look(at: self) { return run }
            let pause = try waiter.pause()
            usleep(UInt32(pause.components.seconds * 1_000_000 + pause.components.attoseconds / 1_000_000_000_000))
        }
    }
}

/// One wait for a run: where its history stood at the last look, and the commit mark then.
struct RunWaiter: Sendable {
    let runID: String
    let state: String?
    let timeout: Duration?
    let deadline: ContinuousClock.Instant?
    /// Between looks: SQLite's mark is cheap to read, a server's run is read each time.
    let interval: Duration
    private var lastSeq: Int64
    private var mark: Store.CommitMark?
    private var run: Run
    /// Whether the first look (which reads the run whatever the mark) is still to come.
    private var first = true

    /// Reads the run and where its history ends, and checks `state` against its lifecycle.
    init(ledger: Ledger, runID: String, state: String?, timeout: Duration?) throws {
        if let timeout, timeout < .zero {
            throw LedgerError.invalidArgument(name: "timeout", reason: "it is negative")
        }
        self.runID = runID
        self.state = state
        self.timeout = timeout
        // Beyond a century is as good as never (and would overflow the clock's instant).
        self.deadline = timeout.flatMap { $0 > .seconds(3_155_760_000) ? nil : ContinuousClock.now.advanced(by: $0) }
        self.interval = ledger.engine == .sqlite ? .milliseconds(50) : .milliseconds(100)
        let mark = try ledger.withConnection { try Store(connection: $0).commitMark() }
        let (run, lastSeq) = try ledger.read { connection -> (Run, Int64) in
            let store = Store(connection: connection)
            guard let run = try store.run(id: runID) else { throw LedgerError.noSuchRun(runID: runID) }
            if let state, try store.lifecycles(named: run.lifecycle).first?.state(named: state) == nil {
                throw LedgerError.noSuchState(lifecycle: run.lifecycle, state: state)
            }
            return (run, try store.lastSeq(of: runID))
        }
        self.mark = mark
        self.run = run
        self.lastSeq = lastSeq
    }

    /// The run if the wait is over; nil to look again after ``pause()``.
    ///
    /// The mark is read before the run, so a commit between the two is seen now, or moves
    /// the mark for the next look: none is missed.
    mutating func look(at ledger: Ledger) throws -> Run? {
        if first {
            first = false
            return isOver(run, entered: false) ? run : nil
        }
        let mark = try ledger.withConnection { try Store(connection: $0).commitMark() }
        if let mark, mark == self.mark { return nil }
        self.mark = mark
        let runID = self.runID
        let lastSeq = self.lastSeq
        let (run, changes) = try ledger.read { connection -> (Run?, [StateChange]) in
            let store = Store(connection: connection)
            return (try store.run(id: runID), try store.history(of: runID, after: lastSeq) ?? [])
        }
        guard let run else { throw LedgerError.noSuchRun(runID: runID) }  // pruned meanwhile
        self.run = run
        self.lastSeq = changes.last?.seq ?? lastSeq
        return isOver(run, entered: state.map { state in changes.contains { $0.to == state } } ?? false) ? run : nil
    }

    /// How long to sleep before the next look.
    ///
    /// - Throws: ``WaitTimeout`` once the deadline has passed.
    func pause() throws -> Duration {
        guard let deadline, let timeout else { return interval }
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { throw WaitTimeout(run: run, state: state, timeout: timeout) }
        return min(interval, left)
    }

    private func isOver(_ run: Run, entered: Bool) -> Bool {
        run.isTerminal || entered || (state != nil && run.state == state)
    }
}
