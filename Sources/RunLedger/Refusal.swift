/// A trigger's refusal, turned into a typed ``LedgerError``.
///
/// The rules raise `RAISE(ABORT, 'runledger:<tag>: <sentence>')`; SQLite 3.40 takes only a
/// literal there, so the message cannot name the run or the states. The library reads the
/// tag (``Rule``) and adds what the caller needs from the ledger: the run, its state, the
/// legal targets, the upstreams it waits for.
enum Refusal {
    /// The rule a trigger's refusal names (`illegalTransition` for a message
    /// "runledger:illegal_transition: ..."), or nil for any other error.
    static func rule(of error: any EngineError) -> Rule? {
        guard let message = error.refusalMessage else { return nil }
        let tag = message.dropFirst("runledger:".count).prefix { $0 != ":" }
        return Rule(rawValue: String(tag))
    }

    /// A refusal of a new run.
    static func explain(
        _ error: any EngineError, starting runID: String, job: String, lifecycle: String, state: String?,
        parent: String?,
        in store: Store
    ) throws -> any Error {
        switch rule(of: error) {
        case .duplicateRun: return LedgerError.duplicateRun(runID: runID)
        case .concurrencyLimit:
            let limit = try store.limits().first { $0.job == job }?.maxActive
            let fallback = try store.role("default_max_active", of: lifecycle).flatMap { Int($0) }
            return LedgerError.concurrencyLimitReached(job: job, maxActive: limit ?? fallback ?? 0)
        case .retriesExhausted:
            let parentRun = try parent.flatMap { try store.run(id: $0) }
            return LedgerError.retriesExhausted(runID: parent ?? runID, maxRetries: parentRun?.maxRetries ?? 0)
        case .noSuchLifecycle: return LedgerError.noSuchLifecycle(name: lifecycle)
        case .noSuchState: return LedgerError.noSuchState(lifecycle: lifecycle, state: state ?? "")
        case .notInitial:
            return LedgerError.illegalTransition(
                runID: runID, from: nil, to: state ?? "", legalTargets: try store.initialStates(of: lifecycle))
        case .noSuchRun: return LedgerError.noSuchRun(runID: parent ?? runID)
        default: return generic(error)
        }
    }

    /// A refusal of a change of a run's state.
    static func explain(
        _ error: any EngineError, changing runID: String, head: Store.RunHead, to state: String, at: Timestamp,
        outcome: String?, in store: Store
    ) throws -> any Error {
        switch rule(of: error) {
        case .illegalTransition:
            guard try store.stateExists(state, in: head.lifecycle) else {
                return LedgerError.noSuchState(lifecycle: head.lifecycle, state: state)
            }
            let edges = try store.edges(from: head.state, in: head.lifecycle)
            let actions = edges.filter { $0.to == state }.compactMap(\.action)
            if !actions.isEmpty {
                return LedgerError.actionRequired(runID: runID, from: head.state, to: state, actions: actions)
            }
            var targets: [String] = []
            for edge in edges where edge.action == nil && !targets.contains(edge.to) { targets.append(edge.to) }
            return LedgerError.illegalTransition(runID: runID, from: head.state, to: state, legalTargets: targets)
        case .timeBackwards:
            return LedgerError.timeWentBackwards(runID: runID, at: at, lastChange: head.updatedAt)
        case .badOutcome:
            return LedgerError.invalidOutcome(
                runID: runID, state: state, outcome: outcome ?? "",
                legalOutcomes: try store.outcomes(of: head.lifecycle))
        case .retriesExhausted:
            return LedgerError.retriesExhausted(runID: runID, maxRetries: try store.run(id: runID)?.maxRetries ?? 0)
        case .blockedByUpstream:
            let waiting = try store.upstreams(of: runID).filter { !$0.isCompleted }.map(\.id)
            return LedgerError.blockedByUpstream(runID: runID, upstreams: waiting)
        default:
            return generic(error)
        }
    }

    /// A refusal of a heartbeat.
    static func explain(_ error: any EngineError, heartbeatOf runID: String, at: Timestamp, in store: Store) throws
        -> any Error
    {
        switch rule(of: error) {
        case .runEnded: return LedgerError.runEnded(runID: runID)
        case .timeBackwards:
            let last = try store.run(id: runID)?.heartbeatAt ?? at
            return LedgerError.timeWentBackwards(runID: runID, at: at, lastChange: last)
        default: return generic(error)
        }
    }

    /// Any other refusal: a rule tag becomes ``LedgerError/ruleViolation(rule:message:)``, a
    /// CHECK on JSON becomes invalid metadata, and the engine's own errors pass unchanged.
    static func generic(_ error: any EngineError) -> any Error {
        if let rule = rule(of: error), let refusal = error.refusalMessage {
            let message = refusal.drop { $0 != " " }.dropFirst()
            return LedgerError.ruleViolation(rule: rule, message: String(message))
        }
        if error.isInvalidJSON {
            return LedgerError.invalidArgument(name: "metadata", reason: "it is not valid JSON")
        }
        return error
    }
}
