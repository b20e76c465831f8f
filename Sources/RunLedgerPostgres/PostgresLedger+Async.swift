public import RunLedger

extension Ledger {
    /// Opens the ledger in a PostgreSQL database as `Ledger(postgres:configuration:)`
    /// does, on a thread of its own rather than the caller's (connecting waits for the network).
    ///
    /// ```swift
    /// let ledger = try await Ledger.open(postgres: "postgresql://scheduler@db.internal/runs")
    /// ```
    public static func open(postgres uri: String, configuration: Configuration = Configuration()) async throws
        -> Ledger
    {
        try await LedgerThread.once { try Ledger(postgres: uri, configuration: configuration) }
    }
}
