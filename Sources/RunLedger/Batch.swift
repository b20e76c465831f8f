/// The writes of one transaction: what ``Ledger/batch(_:)`` hands its closure.
///
/// It offers the ledger's writes (and a read that sees them). Each write is one SQL
/// statement: a write the ledger refuses leaves nothing behind, and the batch can go on.
/// A `Batch` is valid only inside the closure it was given to.
public final class Batch {
    let store: Store
    private let configuration: Ledger.Configuration
    private var isOpen = true

    init(connection: Database, configuration: Ledger.Configuration) {
        self.store = Store(connection: connection)
        self.configuration = configuration
    }

    /// Ends the batch; any later use is a programmer error.
    func close() { isOpen = false }

    private func checkOpen() {
        precondition(isOpen, "A Batch was used after its batch closure returned.")
    }

    // MARK: - Writes

    /// Same as ``Ledger/start(job:lifecycle:id:state:at:reason:metadata:parent:upstream:maxRetries:scheduledAt:actor:)``,
    /// inside this batch.
    @discardableResult
    public func start(
        job: String, lifecycle: String = "canonical", id: String? = nil, state: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, parent: String? = nil, upstream: [String] = [],
        maxRetries: Int? = nil, scheduledAt: Timestamp? = nil, actor: String? = nil
    ) throws -> Run {
        checkOpen()
        let runID = id ?? RunID.uuidV7()
        try Validate.name(runID, as: "run id")
        try Validate.name(job, as: "job")
        try Validate.name(lifecycle, as: "lifecycle")
        if let state { try Validate.name(state, as: "state") }
        if let parent { try Validate.name(parent, as: "parent run id") }
        for id in upstream { try Validate.name(id, as: "upstream run id") }
        let actor = actor ?? configuration.actor
        try Validate.text(actor, as: "actor", limit: Validate.actorLimit)
        try Validate.text(reason, as: "reason", limit: Validate.reasonLimit)
        try Validate.metadata(metadata)
        if let maxRetries, maxRetries < 0 {
            throw LedgerError.invalidArgument(name: "max retries", reason: "it is negative")
        }
        let at = at ?? Timestamp.now
        try Validate.time(at)
        if let scheduledAt { try Validate.time(scheduledAt) }

        var attempt = 1
        var maxRetries = maxRetries
        if let parent {
            guard let parentRun = try store.run(id: parent) else { throw LedgerError.noSuchRun(runID: parent) }
            attempt = parentRun.attempt + 1
            maxRetries = maxRetries ?? parentRun.maxRetries
        }
        var state = state
        if !upstream.isEmpty {
            var waiting = false
            for id in upstream {
                guard let type = try store.canonicalType(ofRun: id) else { throw LedgerError.noSuchRun(runID: id) }
                waiting = waiting || type != .completed
            }
            if state == nil, waiting, try store.lifecycleExists(lifecycle) {
                state = try store.role("blocked_state", of: lifecycle)
            }
        }
        let num: Int64
        do {
            // A run with upstreams is several statements: refused half-way, none stays.
            num = try store.connection.atomically(upstream.isEmpty ? .one : .several) {
                let num = try store.insertRun(
                    id: runID, job: job, lifecycle: lifecycle, state: state, at: at, actor: actor, reason: reason,
                    attempt: attempt, parentID: parent, maxRetries: maxRetries, scheduledAt: scheduledAt,
                    metadata: metadata)
                for id in upstream where id != runID {
                    try store.insertDependency(runID: runID, upstreamID: id)
                }
                return num
            }
        } catch let error as any EngineError {
            throw try Refusal.explain(
                error, starting: runID, job: job, lifecycle: lifecycle, state: state, parent: parent, in: store)
        }
        // The triggers chose its first state (or skipped it); the rest is what was written.
        guard let current = try store.state(ofRun: num) else { throw LedgerError.noSuchRun(runID: runID) }
        return Run(
            id: runID, job: job, lifecycle: lifecycle, state: current.state, createdAt: at,
            updatedAt: current.updatedAt, endedAt: current.endedAt, outcome: current.outcome, createdBy: actor,
            createdReason: reason, attempt: attempt, parentID: parent, maxRetries: maxRetries,
            scheduledAt: scheduledAt, heartbeatAt: nil, metadata: metadata, canonicalType: current.canonicalType,
            isTerminal: current.isTerminal)
    }

    /// Same as ``Ledger/transition(_:to:expecting:at:reason:metadata:outcome:requestKey:actor:)``, inside this batch.
    @discardableResult
    public func transition(
        _ runID: String, to state: String, expecting expected: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, outcome: String? = nil, requestKey: String? = nil,
        actor: String? = nil
    ) throws -> StateChange {
        checkOpen()
        try Validate.name(state, as: "state")
        return try change(
            runID, expecting: expected, at: at, reason: reason, metadata: metadata, outcome: outcome,
            requestKey: requestKey, actor: actor, action: nil, target: { _ in state })
    }

    /// Same as ``Ledger/perform(_:on:expecting:at:reason:metadata:outcome:requestKey:actor:)``, inside this batch.
    @discardableResult
    public func perform(
        _ action: String, on runID: String, expecting expected: String? = nil, at: Timestamp? = nil,
        reason: String? = nil, metadata: String? = nil, outcome: String? = nil, requestKey: String? = nil,
        actor: String? = nil
    ) throws -> StateChange {
        checkOpen()
        try Validate.name(action, as: "action")
        return try change(
            runID, expecting: expected, at: at, reason: reason, metadata: metadata, outcome: outcome,
            requestKey: requestKey, actor: actor, action: action,
            target: { head in
                if let target = try self.store.target(of: action, from: head.state, in: head.lifecycle) {
                    return target
                }
                guard try self.store.actionExists(action, in: head.lifecycle) else {
                    throw LedgerError.noSuchAction(lifecycle: head.lifecycle, action: action)
                }
                var legal: [String] = []
                for edge in try self.store.edges(from: head.state, in: head.lifecycle) {
                    if let name = edge.action, !legal.contains(name) { legal.append(name) }
                }
                throw LedgerError.illegalAction(runID: runID, state: head.state, action: action, legalActions: legal)
            })
    }

    /// Same as ``Ledger/release(_:at:reason:actor:)``, inside this batch.
    @discardableResult
    public func release(_ runID: String, at: Timestamp? = nil, reason: String? = nil, actor: String? = nil) throws
        -> StateChange
    {
        checkOpen()
        try Validate.name(runID, as: "run id")
        guard let head = try store.head(of: runID) else { throw LedgerError.noSuchRun(runID: runID) }
        guard let blocked = try store.role("blocked_state", of: head.lifecycle), head.state == blocked,
            let release = try store.role("release_state", of: head.lifecycle)
        else {
            throw LedgerError.notBlocked(runID: runID, state: head.state)
        }
        let waiting = try store.upstreams(of: runID).filter { !$0.isCompleted }.map(\.id)
        guard waiting.isEmpty else { throw LedgerError.blockedByUpstream(runID: runID, upstreams: waiting) }
        return try transition(
            runID, to: release, expecting: blocked, at: at, reason: reason ?? "every upstream has completed",
            actor: actor)
    }

    /// Same as ``Ledger/annotate(_:kind:at:reason:metadata:actor:)``, inside this batch.
    @discardableResult
    public func annotate(
        _ runID: String, kind: String, at: Timestamp? = nil, reason: String? = nil, metadata: String? = nil,
        actor: String? = nil
    ) throws -> Annotation {
        checkOpen()
        try Validate.name(runID, as: "run id")
        try Validate.name(kind, as: "kind")
        let actor = actor ?? configuration.actor
        try Validate.text(actor, as: "actor", limit: Validate.actorLimit)
        try Validate.text(reason, as: "reason", limit: Validate.reasonLimit)
        try Validate.metadata(metadata)
        let at = at ?? Timestamp.now
        try Validate.time(at)
        do {
            let id = try store.connection.atomically {
                try store.insertAnnotation(
                    runID: runID, kind: kind, at: at, actor: actor, reason: reason, metadata: metadata)
            }
            return Annotation(
                id: id, runID: runID, at: at, kind: kind, actor: actor, reason: reason, metadata: metadata)
        } catch let error as any EngineError {
            throw Refusal.generic(error)
        }
    }

    /// Same as ``Ledger/heartbeat(_:at:)``, inside this batch.
    public func heartbeat(_ runID: String, at: Timestamp? = nil) throws {
        checkOpen()
        try Validate.name(runID, as: "run id")
        let at = at ?? Timestamp.now
        try Validate.time(at)
        do {
            guard try store.connection.atomically(.one, { try store.heartbeat(runID: runID, at: at) }) else {
                throw LedgerError.noSuchRun(runID: runID)
            }
        } catch let error as any EngineError {
            throw try Refusal.explain(error, heartbeatOf: runID, at: at, in: store)
        }
    }

    /// The run with this id, as this batch sees it.
    public func run(id: String) throws -> Run? {
        checkOpen()
        return try store.run(id: id)
    }

    // MARK: - The one way a change is written

    private func change(
        _ runID: String, expecting expected: String?, at: Timestamp?, reason: String?, metadata: String?,
        outcome: String?, requestKey: String?, actor: String?, action: String?,
        target: (Store.RunHead) throws -> String
    ) throws -> StateChange {
        try Validate.name(runID, as: "run id")
        if let expected { try Validate.name(expected, as: "expected state") }
        if let outcome { try Validate.name(outcome, as: "outcome") }
        if let requestKey { try Validate.name(requestKey, as: "request key") }
        let actor = actor ?? configuration.actor
        try Validate.text(actor, as: "actor", limit: Validate.actorLimit)
        try Validate.text(reason, as: "reason", limit: Validate.reasonLimit)
        try Validate.metadata(metadata)
        if let at { try Validate.time(at) }

        // On a server another session may move the run between reading its head and the
        // insert, whose rules lock the run and see the move (wrong_from_state): the change is
        // then made again from the run's new state, unless the caller expected the old one.
        for attempt in 1...8 {
            let head = try changeHead(runID, requestKey: requestKey, action: action, expected: expected)
            switch head {
            case .recorded(let first): return first
            case .current(let head):
                let state = try target(head)
                // Without an explicit time, never go backwards: a clock stepped back stays at
                // the run's last change time rather than failing the caller.
                let time = at ?? max(Timestamp.now, head.updatedAt)
                do {
                    let seq = try store.connection.atomically {
                        try store.insertChange(
                            runNum: head.num, from: head.state, to: state, at: time, action: action, actor: actor,
                            reason: reason, metadata: metadata, outcome: outcome, requestKey: requestKey)
                    }
                    return StateChange(
                        seq: seq, runID: runID, from: head.state, to: state, at: time, action: action, actor: actor,
                        reason: reason, metadata: metadata, outcome: outcome, requestKey: requestKey)
                } catch let error as any EngineError {
                    let rule = Refusal.rule(of: error)
                    if (rule == .wrongFromState || rule == .duplicateRequest) && attempt < 8 { continue }
                    throw try Refusal.explain(
                        error, changing: runID, head: head, to: state, at: time, outcome: outcome, in: store)
                }
            }
        }
        preconditionFailure("the last attempt returns or throws")
    }

    /// What a change starts from: the change already recorded with its request key, or the
    /// run's head, in the state the caller expects.
    private enum ChangeStart {
        case recorded(StateChange)
        case current(Store.RunHead)
    }

    private func changeHead(_ runID: String, requestKey: String?, action: String?, expected: String?) throws
        -> ChangeStart
    {
        guard let head = try store.head(of: runID) else { throw LedgerError.noSuchRun(runID: runID) }
        // A repeated request returns what the first one recorded, before any other check:
        // the run has moved on since, so its expected state no longer holds.
        if let requestKey, let first = try store.change(requestKey: requestKey) {
            let sameTarget = action == nil ? first.action == nil : first.action == action
            guard first.runID == runID, sameTarget else {
                throw LedgerError.requestKeyReused(key: requestKey, runID: first.runID)
            }
            return .recorded(first)
        }
        if let expected, expected != head.state {
            throw LedgerError.expectedStateConflict(runID: runID, expected: expected, actual: head.state)
        }
        return .current(head)
    }
}

@available(*, unavailable)
extension Batch: Sendable {}
