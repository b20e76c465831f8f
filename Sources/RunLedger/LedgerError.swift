/// A ledger rule or a ledger file refused the request.
///
/// Every case's `description` is one plain sentence that names what was refused and, where
/// it helps, what would have been accepted. SQLite's own failures (I/O, a full disk, a lock
/// held past the busy timeout) are thrown as ``SQLiteError``.
public enum LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The run's lifecycle has no plain transition from its current state to `to`;
    /// `legalTargets` are the states a plain transition could enter (nil `from`: the run's
    /// first state, and `legalTargets` are the initial states).
    case illegalTransition(runID: String, from: String?, to: String, legalTargets: [String])
    /// The edge from the current state to `to` exists, but only as one of `actions`.
    case actionRequired(runID: String, from: String, to: String, actions: [String])
    /// The action exists in the run's lifecycle, but not from the run's current state.
    case illegalAction(runID: String, state: String, action: String, legalActions: [String])
    /// A compare-and-set transition found the run in another state than expected.
    case expectedStateConflict(runID: String, expected: String, actual: String)
    /// A change would be earlier than the run's last change.
    case timeWentBackwards(runID: String, at: Timestamp, lastChange: Timestamp)
    /// No run has this id.
    case noSuchRun(runID: String)
    /// A run with this id already exists.
    case duplicateRun(runID: String)
    /// No lifecycle has this name.
    case noSuchLifecycle(name: String)
    /// The lifecycle has no state of this name.
    case noSuchState(lifecycle: String, state: String)
    /// The lifecycle defines no action of this name.
    case noSuchAction(lifecycle: String, action: String)
    /// An argument is not acceptable (empty, too long, a control character, bad JSON...).
    case invalidArgument(name: String, reason: String)
    /// Another ledger rule refused the statement; `rule` is the trigger's tag
    /// (``Rule/appendOnly``, ``Rule/lifecycleInUse``...), `message` its text.
    case ruleViolation(rule: Rule, message: String)
    /// A run being copied (``Ledger/copy(to:batchSize:)``) is in the target already with
    /// another history, or cannot be carried as it is.
    case copyConflict(runID: String, reason: String)
    /// The path names no ledger file (or an empty one), and the ledger was opened without
    /// creating one.
    case noSuchLedger(path: String)
    /// The path cannot hold a ledger (a directory).
    case cannotOpen(path: String, reason: String)
    /// The file is an SQLite database, but not a runledger ledger.
    case notALedger(path: String)
    /// The ledger was written by a newer runledger, whose schema this one does not know.
    case schemaTooNew(path: String, version: Int, supported: Int)
    /// The ledger's rules (triggers and views) were installed by a newer runledger, whose
    /// rules this one would replace with older ones.
    case rulesTooNew(path: String, version: Int, supported: Int)
    /// The ledger needs migrations that a read-only open cannot apply.
    case schemaTooOld(path: String, version: Int, required: Int)
    /// A migration applied to the ledger differs from the one this library carries.
    case migrationChanged(path: String, version: Int, name: String)
    /// A backup's destination, or another file the call would replace, exists already.
    case fileExists(path: String)
    /// Another connection, in this process or another, has the ledger open, so it cannot be
    /// replaced (``Ledger/restore(from:to:lockTimeout:)``).
    case ledgerInUse(path: String)
    /// The ledger file is on a network or FUSE file system (``FileSystemKind``), where
    /// SQLite's locking is unsafe, and was opened for writing without
    /// ``Ledger/Configuration/allowsUnsafeFileSystem``.
    case unsafeFileSystem(path: String, fileSystem: String)
    /// The call cannot be done on this ledger's engine, or at all; `reason` says what to do.
    case unsupported(operation: String, reason: String)
    /// A backup to restore breaks the ledger's rules (its `verify` found `problems`), or
    /// fails SQLite's integrity check.
    case unsoundBackup(path: String, problems: Int)
    /// The outcome is not one the run's lifecycle defines, or the change does not end the run.
    case invalidOutcome(runID: String, state: String, outcome: String, legalOutcomes: [String])
    /// The run (or, starting a retry, its parent) has used all its retries.
    case retriesExhausted(runID: String, maxRetries: Int)
    /// The run cannot run yet: these upstream runs have not completed successfully.
    case blockedByUpstream(runID: String, upstreams: [String])
    /// The run is not waiting in its lifecycle's blocked state, so there is nothing to release.
    case notBlocked(runID: String, state: String)
    /// The job is at its limit of active runs, and the run's lifecycle has no skip state.
    case concurrencyLimitReached(job: String, maxActive: Int)
    /// The run has ended; it takes no heartbeat.
    case runEnded(runID: String)
    /// The request key was used before for another request (another run, or another kind of change).
    case requestKeyReused(key: String, runID: String)
    /// A lifecycle definition is not valid; `problems` says why, one sentence each.
    case invalidLifecycle(name: String, problems: [String])
    /// A lifecycle of this name exists with another definition.
    case lifecycleExists(name: String)
    /// A read-only query would change something, or is not one statement.
    case queryRefused(reason: String)
    /// SQLite could not compile a query (a syntax error, an unknown table).
    case invalidQuery(message: String)
    /// The history no longer matches its seals from `seq` (see ``Ledger/verify(seals:limit:)``),
    /// so a prune, which would remove the evidence, is refused.
    case sealsBroken(seq: Int64, reason: String)

    /// One plain sentence saying what was refused.
    public var description: String {
        switch self {
        case .illegalTransition(let runID, let from, let to, let targets):
            if let from {
                if targets.isEmpty {
                    return "Run \(runID) cannot go from \(from) to \(to); no plain transition leaves \(from)."
                }
                return
                    "Run \(runID) cannot go from \(from) to \(to); legal next states: \(targets.joined(separator: ", "))."
            }
            let legal = targets.isEmpty ? "none" : targets.joined(separator: ", ")
            return "Run \(runID) cannot start in \(to); initial states: \(legal)."
        case .actionRequired(let runID, let from, let to, let actions):
            return
                "Run \(runID) goes from \(from) to \(to) only by the action \(actions.joined(separator: " or "))."
        case .illegalAction(let runID, let state, let action, let legal):
            let list = legal.isEmpty ? "none" : legal.joined(separator: ", ")
            return "Run \(runID) cannot \(action) from \(state); actions from \(state): \(list)."
        case .expectedStateConflict(let runID, let expected, let actual):
            return "Run \(runID) is in \(actual), not the expected \(expected)."
        case .timeWentBackwards(let runID, let at, let last):
            return "A change of run \(runID) at \(at.iso8601) would be earlier than its last change at \(last.iso8601)."
        case .noSuchRun(let runID):
            return "No run has id \(runID)."
        case .duplicateRun(let runID):
            return "A run with id \(runID) already exists."
        case .noSuchLifecycle(let name):
            return "No lifecycle is named \(name)."
        case .noSuchState(let lifecycle, let state):
            return "Lifecycle \(lifecycle) has no state \(state)."
        case .noSuchAction(let lifecycle, let action):
            return "Lifecycle \(lifecycle) has no action \(action)."
        case .invalidArgument(let name, let reason):
            return "Invalid \(name): \(reason)."
        case .ruleViolation(let rule, let message):
            return "The ledger refused the change (\(rule.rawValue)): \(message)."
        case .copyConflict(let runID, let reason):
            return "Run \(runID) cannot be copied: \(reason)."
        case .noSuchLedger(let path) where path.contains("://"):
            return "No ledger in the database at \(path) (its schema holds no tables); runledger init creates one."
        case .noSuchLedger(let path):
            return "No ledger file at \(path) (missing or empty); runledger init creates one."
        case .cannotOpen(let path, let reason):
            return "Cannot open \(path) as a ledger: \(reason)."
        case .notALedger(let path) where path.contains("://"):
            return "The schema at \(path) holds tables but not a runledger ledger."
        case .notALedger(let path):
            return "\(path) is an SQLite database but not a runledger ledger."
        case .schemaTooNew(let path, let version, let supported):
            return
                "\(path) has schema version \(version), newer than this runledger supports (\(supported)); upgrade runledger."
        case .rulesTooNew(let path, let version, let supported):
            return
                "\(path) has rules version \(version), newer than this runledger's (\(supported)); upgrade runledger."
        case .schemaTooOld(let path, let version, let required):
            return
                "\(path) has schema version \(version) and needs migrating to \(required); open it for writing (runledger init)."
        case .migrationChanged(let path, let version, let name):
            return "\(path) applied migration \(version) (\(name)) with different contents than this runledger carries."
        case .fileExists(let path):
            return "\(path) exists already; choose another path, or allow replacing it (--force)."
        case .ledgerInUse(let path):
            return
                "Another process has the ledger \(path) open; stop its writers and readers, then try again."
        case .unsafeFileSystem(let path, let fileSystem):
            return
                "\(path) is on a \(fileSystem) file system, where SQLite's locking is unsafe; move it to a local disk, or open it anyway (allowsUnsafeFileSystem; RUNLEDGER_ALLOW_UNSAFE_FILESYSTEM=1)."
        case .unsupported(let operation, let reason):
            return "Cannot \(operation): \(reason)."
        case .unsoundBackup(let path, let problems):
            return
                "The backup \(path) is not sound (\(problems) problems; runledger --db \(path) verify lists them); nothing was restored."
        case .invalidOutcome(let runID, let state, let outcome, let legal):
            let list =
                legal.isEmpty
                ? "its lifecycle defines none" : "its lifecycle's outcomes: \(legal.joined(separator: ", "))"
            return
                "Run \(runID) cannot enter \(state) with outcome \(outcome); an outcome goes only with a terminal state, and \(list)."
        case .retriesExhausted(let runID, let maxRetries):
            return "Run \(runID) has used its \(maxRetries) retr\(maxRetries == 1 ? "y" : "ies"); its failure is final."
        case .blockedByUpstream(let runID, let upstreams):
            return "Run \(runID) waits for upstream runs that have not completed: \(upstreams.joined(separator: ", "))."
        case .notBlocked(let runID, let state):
            return "Run \(runID) is in \(state), not waiting in its lifecycle's blocked state."
        case .concurrencyLimitReached(let job, let maxActive):
            return
                "Job \(job) is at its limit of \(maxActive) active runs, and the run's lifecycle has no state to skip to."
        case .runEnded(let runID):
            return "Run \(runID) has ended; it takes no heartbeat."
        case .requestKeyReused(let key, let runID):
            return "Request key \(key) was already used for another request (run \(runID))."
        case .invalidLifecycle(let name, let problems):
            return "Lifecycle \(name) is not valid: \(problems.joined(separator: "; "))."
        case .lifecycleExists(let name):
            return "A lifecycle named \(name) exists with another definition; a changed lifecycle needs a new name."
        case .queryRefused(let reason):
            return "The query was refused: \(reason); runledger sql only reads."
        case .invalidQuery(let message):
            return "The query is not valid SQL here: \(message)."
        case .sealsBroken(let seq, let reason):
            return
                "The history no longer matches its seals from seq \(seq) (\(reason.hasSuffix(".") ? String(reason.dropLast()) : reason)); nothing was pruned, so the evidence stays: run verify --seals."
        }
    }
}
