/// The async overloads: the same calls, with the same arguments, results and errors as the
/// synchronous ones, for code running in Swift's concurrency (a server's request handler, an
/// actor, a task).
///
/// A synchronous call blocks its thread while it works, and a write may wait for another
/// process's lock up to the busy timeout (30 s by default): on one of the cooperative pool's
/// few threads (as many as cores), a handful of such writes would stall every task of the
/// process. These overloads run the same work on a thread of the ledger's own instead and
/// suspend the calling task meanwhile; the ledger runs them one at a time, in the order they
/// came (its connection is one), so many tasks may share one ledger.
///
/// In async code the compiler picks these (`try await ledger.start(...)`); in synchronous
/// code, and on threads of your own, the synchronous calls remain the cheaper choice. A task
/// cancelled before its call has begun gets `CancellationError` and nothing is written; a call
/// that has begun runs to its end.
extension Ledger {
    // MARK: - Opening

    /// Opens the ledger at `path` as ``init(path:configuration:)`` does, on a thread of its
    /// own rather than the caller's (opening may migrate the file, or wait for another
    /// process's lock).
    ///
    /// ```swift
    /// let ledger = try await Ledger.open(path: "runs.db")
    /// let run = try await ledger.start(job: "nightly-etl", lifecycle: "prefect")
    /// ```
    ///
    /// - Throws: The errors of ``init(path:configuration:)``.
    public static func open(path: String, configuration: Configuration = Configuration()) async throws -> Ledger {
        try await LedgerThread.once { try Ledger(path: path, configuration: configuration) }
    }

    // MARK: - Recording

    /// Starts a run, as ``start(job:lifecycle:id:state:at:reason:metadata:parent:upstream:maxRetries:scheduledAt:actor:)``
    /// does, on the ledger's thread.
    @discardableResult
    public func start(
        job: String, lifecycle: String = "canonical", id: String? = nil, state: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, parent: String? = nil, upstream: [String] = [],
        maxRetries: Int? = nil, scheduledAt: Timestamp? = nil, actor: String? = nil
    ) async throws -> Run {
        try await worker.run {
            try self.start(
                job: job, lifecycle: lifecycle, id: id, state: state, at: at, reason: reason, metadata: metadata,
                parent: parent, upstream: upstream, maxRetries: maxRetries, scheduledAt: scheduledAt, actor: actor)
        }
    }

    /// Moves a run to another state, as ``transition(_:to:expecting:at:reason:metadata:outcome:requestKey:actor:)``
    /// does, on the ledger's thread.
    @discardableResult
    public func transition(
        _ runID: String, to state: String, expecting expected: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, outcome: String? = nil, requestKey: String? = nil,
        actor: String? = nil
    ) async throws -> StateChange {
        try await worker.run {
            try self.transition(
                runID, to: state, expecting: expected, at: at, reason: reason, metadata: metadata, outcome: outcome,
                requestKey: requestKey, actor: actor)
        }
    }

    /// Performs a named action on a run, as ``perform(_:on:expecting:at:reason:metadata:outcome:requestKey:actor:)``
    /// does, on the ledger's thread.
    @discardableResult
    public func perform(
        _ action: String, on runID: String, expecting expected: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, outcome: String? = nil, requestKey: String? = nil,
        actor: String? = nil
    ) async throws -> StateChange {
        try await worker.run {
            try self.perform(
                action, on: runID, expecting: expected, at: at, reason: reason, metadata: metadata, outcome: outcome,
                requestKey: requestKey, actor: actor)
        }
    }

    /// Runs many writes in one transaction, as ``batch(_:)`` does, on the ledger's thread: the
    /// closure runs there, synchronously, and must not keep the ``Batch``.
    ///
    /// ```swift
    /// let runs = try await ledger.batch { batch in
    ///     try (0..<100).map { try batch.start(job: "shard-\($0)").id }
    /// }
    /// ```
    public func batch<T: Sendable>(_ body: @escaping @Sendable (Batch) throws -> T) async throws -> T {
        try await worker.run { try self.batch(body) }
    }

    /// Releases a waiting run, as ``release(_:at:reason:actor:)`` does, on the ledger's thread.
    @discardableResult
    public func release(_ runID: String, at: Timestamp? = nil, reason: String? = nil, actor: String? = nil)
        async throws -> StateChange
    {
        try await worker.run { try self.release(runID, at: at, reason: reason, actor: actor) }
    }

    /// Records an annotation, as ``annotate(_:kind:at:reason:metadata:actor:)`` does, on the
    /// ledger's thread.
    @discardableResult
    public func annotate(
        _ runID: String, kind: String, at: Timestamp? = nil, reason: String? = nil, metadata: String? = nil,
        actor: String? = nil
    ) async throws -> Annotation {
        try await worker.run {
            try self.annotate(runID, kind: kind, at: at, reason: reason, metadata: metadata, actor: actor)
        }
    }

    /// Records a heartbeat, as ``heartbeat(_:at:)`` does, on the ledger's thread.
    public func heartbeat(_ runID: String, at: Timestamp? = nil) async throws {
        try await worker.run { try self.heartbeat(runID, at: at) }
    }

    /// Sets a job's limit of active runs, as ``setConcurrencyLimit(_:for:)`` does, on the
    /// ledger's thread.
    public func setConcurrencyLimit(_ maxActive: Int?, for job: String) async throws {
        try await worker.run { try self.setConcurrencyLimit(maxActive, for: job) }
    }

    /// Removes a job's own limit, as ``clearConcurrencyLimit(for:)`` does, on the ledger's thread.
    public func clearConcurrencyLimit(for job: String) async throws {
        try await worker.run { try self.clearConcurrencyLimit(for: job) }
    }

    /// Sets a deadline, as ``setDeadline(_:state:seconds:actor:)`` does, on the ledger's thread.
    public func setDeadline(_ scope: DeadlineScope, state: String? = nil, seconds: Double, actor: String? = nil)
        async throws
    {
        try await worker.run { try self.setDeadline(scope, state: state, seconds: seconds, actor: actor) }
    }

    /// Removes a deadline, as ``removeDeadline(_:state:)`` does, on the ledger's thread.
    @discardableResult
    public func removeDeadline(_ scope: DeadlineScope, state: String? = nil) async throws -> Bool {
        try await worker.run { try self.removeDeadline(scope, state: state) }
    }

    /// Every deadline, as ``deadlines()`` reads them, on the ledger's thread.
    public func deadlines() async throws -> [Deadline] {
        try await worker.run { try self.deadlines() }
    }

    /// Sets a job's freshness limit, as ``setFreshness(_:staleAfter:actor:)`` does, on the
    /// ledger's thread.
    public func setFreshness(_ job: String, staleAfter: Double, actor: String? = nil) async throws {
        try await worker.run { try self.setFreshness(job, staleAfter: staleAfter, actor: actor) }
    }

    /// Removes a job's freshness limit, as ``removeFreshness(_:)`` does, on the ledger's thread.
    @discardableResult
    public func removeFreshness(_ job: String) async throws -> Bool {
        try await worker.run { try self.removeFreshness(job) }
    }

    /// The jobs past their freshness limit, as ``freshnessViolations(now:)`` finds them, on the
    /// ledger's thread.
    public func freshnessViolations(now: Timestamp = .now) async throws -> [FreshnessViolation] {
        try await worker.run { try self.freshnessViolations(now: now) }
    }

    /// Sweeps late, crashed and overdue runs, as ``sweep(now:lateAfter:heartbeatTimeout:batchSize:)``
    /// does, on the ledger's thread.
    public func sweep(
        now: Timestamp = .now, lateAfter: Double = 5, heartbeatTimeout: Double = 90, batchSize: Int = 500
    ) async throws -> SweepReport {
        try await worker.run {
            try self.sweep(now: now, lateAfter: lateAfter, heartbeatTimeout: heartbeatTimeout, batchSize: batchSize)
        }
    }

    /// Defines a lifecycle, as ``define(_:)`` does, on the ledger's thread.
    public func define(_ lifecycle: Lifecycle) async throws {
        try await worker.run { try self.define(lifecycle) }
    }

    /// Removes old terminal runs, as ``prune(terminalBefore:archive:actor:)`` does, on the
    /// ledger's thread.
    public func prune(terminalBefore cutoff: Timestamp, archive: String? = nil, actor: String? = nil) async throws
        -> PruneReport
    {
        try await worker.run { try self.prune(terminalBefore: cutoff, archive: archive, actor: actor) }
    }

    /// Copies the ledger into another, as ``copy(to:batchSize:)`` does, on this ledger's thread.
    public func copy(to target: Ledger, batchSize: Int = 500) async throws -> CopyReport {
        try await worker.run { try self.copy(to: target, batchSize: batchSize) }
    }

    /// Imports OpenLineage RunEvents, as ``importOpenLineage(_:)`` does, on the ledger's thread.
    public func importOpenLineage(_ text: String) async throws -> OpenLineageImportReport {
        try await worker.run { try self.importOpenLineage(text) }
    }

    /// Imports the OpenLineage RunEvents of several texts, as ``importOpenLineage(texts:)``
    /// does, on the ledger's thread.
    public func importOpenLineage(texts: [String]) async throws -> OpenLineageImportReport {
        try await worker.run { try self.importOpenLineage(texts: texts) }
    }

    // MARK: - Reading

    /// The run with this id, as ``run(id:)`` reads it, on the ledger's thread.
    public func run(id: String) async throws -> Run? {
        try await worker.run { try self.run(id: id) }
    }

    /// The run's history, as ``history(of:)`` reads it, on the ledger's thread.
    public func history(of runID: String) async throws -> [StateChange] {
        try await worker.run { try self.history(of: runID) }
    }

    /// The run's changes after `seq`, as ``changes(of:after:)`` reads them, on the ledger's thread.
    public func changes(of runID: String, after seq: Int64) async throws -> [StateChange] {
        try await worker.run { try self.changes(of: runID, after: seq) }
    }

    /// The run with its history, lifecycle and relations, as ``timeline(of:)`` reads it, on
    /// the ledger's thread.
    public func timeline(of runID: String) async throws -> RunTimeline {
        try await worker.run { try self.timeline(of: runID) }
    }

    /// The runs that match `query`, as ``runs(matching:)`` reads them, on the ledger's thread.
    public func runs(matching query: RunQuery = RunQuery()) async throws -> [Run] {
        try await worker.run { try self.runs(matching: query) }
    }

    /// The retry chain of a run, as ``chain(of:)`` reads it, on the ledger's thread.
    public func chain(of runID: String) async throws -> [Run] {
        try await worker.run { try self.chain(of: runID) }
    }

    /// The run's annotations, as ``annotations(of:)`` reads them, on the ledger's thread.
    public func annotations(of runID: String) async throws -> [Annotation] {
        try await worker.run { try self.annotations(of: runID) }
    }

    /// The upstream runs a run waits for, as ``upstreams(of:)`` reads them, on the ledger's thread.
    public func upstreams(of runID: String) async throws -> [(id: String, isCompleted: Bool)] {
        try await worker.run { try self.upstreams(of: runID) }
    }

    /// Every job's own limit, as ``concurrencyLimits()`` reads them, on the ledger's thread.
    public func concurrencyLimits() async throws -> [JobLimit] {
        try await worker.run { try self.concurrencyLimits() }
    }

    /// Every lifecycle, as ``lifecycles()`` reads them, on the ledger's thread.
    public func lifecycles() async throws -> [Lifecycle] {
        try await worker.run { try self.lifecycles() }
    }

    /// The lifecycle named `name`, as ``lifecycle(named:)`` reads it, on the ledger's thread.
    public func lifecycle(named name: String) async throws -> Lifecycle? {
        try await worker.run { try self.lifecycle(named: name) }
    }

    /// Per-group statistics, as ``stats(_:)`` reads them, on the ledger's thread.
    public func stats(_ query: StatsQuery = StatsQuery()) async throws -> [RunStats] {
        try await worker.run { try self.stats(query) }
    }

    /// The ledger's metrics, as ``metrics(maxJobs:now:)`` reads them, on the ledger's thread.
    public func metrics(maxJobs: Int = LedgerMetrics.defaultMaxJobs, now: Timestamp = .now) async throws
        -> LedgerMetrics
    {
        try await worker.run { try self.metrics(maxJobs: maxJobs, now: now) }
    }

    /// One read-only SQL query, as ``query(_:)`` runs it, on the ledger's thread.
    public func query(_ sql: String) async throws -> QueryResult {
        try await worker.run { try self.query(sql) }
    }

    /// Every rule checked over the whole ledger, as ``verify(limit:)`` does, on the ledger's thread.
    public func verify(limit: Int = 1000) async throws -> VerificationReport {
        try await worker.run { try self.verify(limit: limit) }
    }

    /// Runs as OpenLineage RunEvents, as ``exportOpenLineage(_:)`` writes them, on the ledger's thread.
    public func exportOpenLineage(_ query: OpenLineageExportQuery = OpenLineageExportQuery()) async throws
        -> [String]
    {
        try await worker.run { try self.exportOpenLineage(query) }
    }

    // MARK: - Waiting

    /// Waits until the run has ended, or has entered `state`, as ``wait(for:until:timeout:)``
    /// does, without blocking a thread: each look at the ledger runs on the ledger's thread,
    /// and the task sleeps between looks.
    ///
    /// ```swift
    /// let run = try await ledger.wait(for: id, timeout: .seconds(1800))
    /// ```
    ///
    /// - Throws: The errors of ``wait(for:until:timeout:)``, and `CancellationError` when the
    ///   task is cancelled.
    public func wait(for runID: String, until state: String? = nil, timeout: Duration? = nil) async throws -> Run {
        var waiter = try await worker.run { try RunWaiter(ledger: self, runID: runID, state: state, timeout: timeout) }
        while true {
            let (run, next) = try await worker.run { [waiter] in
                var waiter = waiter
                return (try waiter.look(at: self), waiter)
            }
            if let run { return run }
            waiter = next
            try await Task.sleep(for: try waiter.pause())
        }
    }
}
