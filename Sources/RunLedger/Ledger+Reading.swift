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

    /// Every lifecycle the ledger knows, by name.
    public func lifecycles() throws -> [Lifecycle] {
        try read { try Store(connection: $0).lifecycles() }
    }

    /// The lifecycle named `name`, or nil if there is none.
    public func lifecycle(named name: String) throws -> Lifecycle? {
        try read { try Store(connection: $0).lifecycles(named: name).first }
    }
}
