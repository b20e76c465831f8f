/// A rule the ledger file enforces for every client, named by the tag its triggers raise.
///
/// A refused statement fails with SQLite's `SQLITE_CONSTRAINT_TRIGGER` and a message that
/// starts with `runledger:` and the tag (`runledger:illegal_transition: the lifecycle has no
/// such transition`). The library turns the common ones into a ``LedgerError`` that names the
/// run and the states, and any other into ``LedgerError/ruleViolation(rule:message:)``.
/// `verify` reports a stored row that breaks a rule under the same tag
/// (``LedgerProblem/rule``).
///
/// The tags are a public vocabulary: the README's rules table lists them with the triggers
/// that raise them, and a test checks that every tag the rules raise is a case here and every
/// case is raised by some rule.
public enum Rule: String, Sendable, Hashable, CaseIterable, Codable {
    /// History and its companions are append-only: rows leave only with their whole run,
    /// once it is pruned.
    case appendOnly = "append_only"
    /// An outcome on a non-terminal state, or one the lifecycle does not define.
    case badOutcome = "bad_outcome"
    /// A value out of its domain (a negative time, an attempt that does not follow its
    /// parent's, a canonical type that does not exist...).
    case badValue = "bad_value"
    /// A RUNNING-type state while an upstream run has not completed.
    case blockedByUpstream = "blocked_by_upstream"
    /// A new run over its job's limit of active runs, in a lifecycle without a skip state.
    case concurrencyLimit = "concurrency_limit"
    /// `runs.state`, `updated_at`, `ended_at` or `outcome` written other than by a history row.
    case derivedState = "derived_state"
    /// A second lifecycle with a name in use.
    case duplicateLifecycle = "duplicate_lifecycle"
    /// A second outcome with the same name in one lifecycle.
    case duplicateOutcome = "duplicate_outcome"
    /// A history row whose `request_key` is already recorded.
    case duplicateRequest = "duplicate_request"
    /// A second run with the same `id` (or `num`).
    case duplicateRun = "duplicate_run"
    /// A second state with the same name in one lifecycle.
    case duplicateState = "duplicate_state"
    /// The same edge twice in one lifecycle.
    case duplicateTransition = "duplicate_transition"
    /// A history row, annotation or prune record that does not come after every other.
    case historyOrder = "history_order"
    /// A change along an edge the run's lifecycle does not have.
    case illegalTransition = "illegal_transition"
    /// A change to the canonical types, which are fixed.
    case immutableDefinition = "immutable_definition"
    /// A change to a run's identity: id, job, lifecycle, creation, parent, retries.
    case immutableRun = "immutable_run"
    /// A call view (`call_*`) used other than by the triggers.
    case internalCall = "internal_call"
    /// A change to a built-in lifecycle, or to one that a run uses.
    case lifecycleInUse = "lifecycle_in_use"
    /// A lifecycle that does not exist.
    case noSuchLifecycle = "no_such_lifecycle"
    /// A run that does not exist.
    case noSuchRun = "no_such_run"
    /// A state the lifecycle does not have.
    case noSuchState = "no_such_state"
    /// A run's first state that is not an initial state of its lifecycle.
    case notInitial = "not_initial"
    /// A pinned run, which no prune removes and no client may delete.
    case pinnedRun = "pinned_run"
    /// A retry past the run's `max_retries`.
    case retriesExhausted = "retries_exhausted"
    /// A heartbeat for a run that has ended.
    case runEnded = "run_ended"
    /// A change (or heartbeat) earlier than the run's last one.
    case timeBackwards = "time_backwards"
    /// A history row whose `from_state` is not the run's current state.
    case wrongFromState = "wrong_from_state"
}
