extension Ledger {
    /// The run with this id, or nil if there is none.
    public func run(id: String) throws -> Run? {
        try read { try Store(connection: $0).run(id: id) }
    }

    /// The run's history: every change, oldest first, the first one entering its first state.
    ///
    /// ```swift
    /// for change in try ledger.history(of: run.id) {
    ///     print(change.seq, change.at, change.from ?? "(start)", "->", change.to, change.reason ?? "")
    /// }
    /// ```
    ///
    /// - Throws: ``LedgerError/noSuchRun(runID:)``.
    public func history(of runID: String) throws -> [StateChange] {
        guard let changes = try read({ try Store(connection: $0).history(of: runID) }) else {
            throw LedgerError.noSuchRun(runID: runID)
        }
        return changes
    }

    /// The runs that match `query`, newest first.
    ///
    /// ```swift
    /// let active = try ledger.runs(matching: RunQuery(lifecycle: "domino", status: .active))
    /// ```
    public func runs(matching query: RunQuery = RunQuery()) throws -> [Run] {
        if let limit = query.limit, limit < 0 {
            throw LedgerError.invalidArgument(name: "limit", reason: "it is negative")
        }
        return try read { try Store(connection: $0).runs(matching: query) }
    }

    /// How many runs match `query`, whatever its limit: what a listing cut at its limit
    /// leaves out.
    public func count(matching query: RunQuery = RunQuery()) throws -> Int {
        try read { try Store(connection: $0).count(matching: query) }
    }

    /// The histories of several runs, read in one snapshot: each run's changes, oldest
    /// first, by run id. A run that is not recorded is left out.
    ///
    /// ```swift
    /// let runs = try ledger.runs(matching: RunQuery(limit: 50))
    /// let histories = try ledger.histories(of: runs.map(\.id))
    /// ```
    public func histories(of runIDs: [String]) throws -> [String: [StateChange]] {
        try read { try Store(connection: $0).histories(of: runIDs) }
    }

    /// Every lifecycle the ledger knows, by name.
    public func lifecycles() throws -> [Lifecycle] {
        try read { try Store(connection: $0).lifecycles() }
    }

    /// The lifecycle named `name`, or nil if there is none.
    public func lifecycle(named name: String) throws -> Lifecycle? {
        try read { try Store(connection: $0).lifecycles(named: name).first }
    }
}

extension Ledger {
    /// Every run of the retry chain `runID` belongs to: its root, the runs that retry or
    /// resubmit it, and theirs, by attempt.
    ///
    /// - Throws: ``LedgerError/noSuchRun(runID:)``.
    public func chain(of runID: String) throws -> [Run] {
        let runs = try read { try Store(connection: $0).chain(of: runID) }
        guard !runs.isEmpty else { throw LedgerError.noSuchRun(runID: runID) }
        return runs
    }

    /// The run's annotations, oldest first (the run need not be recorded).
    public func annotations(of runID: String) throws -> [Annotation] {
        try read { try Store(connection: $0).annotations(of: runID) }
    }

    /// The upstream runs `runID` waits for, each with whether it has completed successfully.
    ///
    /// - Throws: ``LedgerError/noSuchRun(runID:)``.
    public func upstreams(of runID: String) throws -> [(id: String, isCompleted: Bool)] {
        try read { connection in
            let store = Store(connection: connection)
            guard try store.runExists(runID) else { throw LedgerError.noSuchRun(runID: runID) }
            return try store.upstreams(of: runID).map { (id: $0.id, isCompleted: $0.isCompleted) }
        }
    }

    /// Every job that sets its own limit of active runs, with its active runs now.
    public func concurrencyLimits() throws -> [JobLimit] {
        try read { try Store(connection: $0).limits() }
    }
}
