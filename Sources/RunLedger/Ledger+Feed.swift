extension Ledger {
    /// Changes of every run after `seq`, in `seq` order: the ledger-wide feed, one page of it.
    ///
    /// ```swift
    /// var cursor: Int64 = 0
    /// repeat {
    ///     let page = try ledger.changes(after: cursor, matching: ChangeFilter(canonicalTypes: [.failed]))
    ///     for failed in page.changes { alert(failed) }
    ///     cursor = page.through
    /// } while ...
    /// ```
    ///
    /// Every history row has its place in one global order, `seq`, whichever client wrote it
    /// (the `sqlite3` shell and `psql` included), so a reader that goes on from
    /// ``ChangePage/through`` never skips a change and never reads one twice. Only committed
    /// changes are read: on SQLite, writers commit one at a time, in `seq` order; on
    /// PostgreSQL, where transactions may commit out of `seq` order, the page stops below
    /// the first `seq` still held by an open transaction (`history_high_water()`), so a row
    /// that commits later with a lower `seq` is not passed over. A pruned run's changes are
    /// gone from the feed with it.
    ///
    /// To wait for changes rather than poll, use ``subscribe(from:matching:pollInterval:)``;
    /// to keep a cursor in the ledger, ``acknowledge(_:for:)``.
    ///
    /// - Parameters:
    ///   - seq: The cursor: the changes after it (0 for the whole history).
    ///   - filter: Which changes to return (every one by default).
    ///   - limit: The most changes in the page (1000 by default).
    /// - Returns: The matching changes, and the `seq` read through (the next cursor), which
    ///   is past changes that did not match.
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` for a negative `seq` or a
    ///   `limit` under 1.
    public func changes(after seq: Int64, matching filter: ChangeFilter = .all, limit: Int = 1000) throws
        -> ChangePage
    {
        guard seq >= 0 else {
            throw LedgerError.invalidArgument(name: "seq", reason: "it must be 0 or more, not \(seq)")
        }
        guard limit > 0 else {
            throw LedgerError.invalidArgument(name: "limit", reason: "it must be 1 or more, not \(limit)")
        }
        guard engine == .postgres else {
            return try read { connection in
                let store = Store(connection: connection)
                return try store.changes(
                    after: seq, through: try store.committedHighWater(), matching: filter, limit: limit)
            }
        }
        // Outside a transaction (it needs READ COMMITTED); the read's snapshot comes after it.
        let bound = try withConnection { try Store(connection: $0).committedHighWater() }
        return try read {
            try Store(connection: $0).changes(after: seq, through: bound, matching: filter, limit: limit)
        }
    }

    /// The newest `limit` changes that pass `filter`, oldest first (what `runledger tail`
    /// prints without a cursor), and the `seq` to follow on from.
    public func lastChanges(_ limit: Int, matching filter: ChangeFilter = .all) throws -> ChangePage {
        guard limit >= 0 else {
            throw LedgerError.invalidArgument(name: "limit", reason: "it must be 0 or more, not \(limit)")
        }
        let bound = try withConnection { try Store(connection: $0).committedHighWater() }
        return try read { try Store(connection: $0).lastChanges(limit, through: bound, matching: filter) }
    }

    /// Every change committed after `seq`, by any process, as it commits: an endless
    /// sequence, in `seq` order, none skipped and none twice, until the task is cancelled
    /// (the sequence then ends) or reading fails (it throws).
    ///
    /// ```swift
    /// for try await change in ledger.subscribe(from: cursor, matching: ChangeFilter(jobs: ["nightly-etl"])) {
    ///     handle(change)
    /// }
    /// ```
    ///
    /// The subscription reads on a connection of its own, opened at the first `next()`.
    /// Between changes it waits without reading the ledger: on SQLite it checks
    /// `PRAGMA data_version` every `pollInterval` (a number SQLite changes when another
    /// connection commits; no file read), on PostgreSQL it LISTENs on `runledger_changes`,
    /// which the history's trigger notifies at each commit, and checks the socket every
    /// `pollInterval` (no round trip). Either way a change is delivered within about one
    /// `pollInterval` of its commit; the cost while idle is one cheap check per interval.
    /// The reads themselves are short and synchronous.
    ///
    /// To resume after a crash, keep the last `seq` handled (``acknowledge(_:for:)`` keeps
    /// it in the ledger) and subscribe from it.
    ///
    /// - Parameters:
    ///   - seq: The cursor: the changes after it (0 for the whole history).
    ///   - filter: Which changes to deliver (every one by default).
    ///   - pollInterval: How often to check for others' commits while idle (50 ms by default).
    /// - Returns: The feed; iterate it (or its ``LedgerFeed/pages``) from one task.
    public func subscribe(
        from seq: Int64, matching filter: ChangeFilter = .all, pollInterval: Duration = .milliseconds(50)
    ) -> LedgerFeed {
        LedgerFeed(ledger: self, from: seq, filter: filter, pollInterval: pollInterval)
    }

    /// A new connection to this ledger, read-only, for a reader of its own (a subscription):
    /// its `data_version` changes with every commit, the owning ledger's own included.
    func connectReader() throws -> Ledger {
        var configuration = configuration
        configuration.mode = .readOnly
        guard engine == .postgres else { return try Ledger(path: path, configuration: configuration) }
        return try withConnection { Ledger(remote: try $0.remoteConnectAgain(), configuration: configuration) }
    }

    /// Starts watching others' commits on this ledger's connection (see `Database.watchCommits`).
    func watchCommits() throws { try withConnection { try $0.watchCommits() } }

    /// Whether others may have committed since the last call (see `Database.othersCommitted`).
    func othersCommitted() throws -> Bool { try withConnection { try $0.othersCommitted() } }

    // MARK: - Consumers

    /// The consumer's cursor: every change up to it is handled. A consumer that does not
    /// exist is made, at `seq` (its first changes are those after it), or at the newest
    /// committed change when `seq` is nil (it handles what comes next).
    ///
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` for an empty name, one over
    ///   200 bytes, or a negative `seq`.
    @discardableResult
    public func openConsumer(_ name: String, at seq: Int64? = nil) throws -> Int64 {
        try Self.checkConsumerName(name)
        if let seq, seq < 0 {
            throw LedgerError.invalidArgument(name: "seq", reason: "it must be 0 or more, not \(seq)")
        }
        if let cursor = try read({ try Store(connection: $0).consumerSeq(name) }) { return cursor }
        let start = try seq ?? withConnection { try Store(connection: $0).committedHighWater() }
        return try write { connection in
            let store = Store(connection: connection)
            try store.createConsumer(name, at: start, now: .now)
            return try store.consumerSeq(name) ?? start
        }
    }

    /// Moves the consumer's cursor on to `seq`, after the changes up to it are handled;
    /// never back (an older `seq` leaves it where it is).
    ///
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` when there is no such
    ///   consumer (make it with ``openConsumer(_:at:)``) or `seq` is negative.
    public func acknowledge(_ seq: Int64, for consumer: String) throws {
        guard seq >= 0 else {
            throw LedgerError.invalidArgument(name: "seq", reason: "it must be 0 or more, not \(seq)")
        }
        let found = try write { try Store(connection: $0).acknowledge(consumer, through: seq, now: .now) }
        guard found else {
            throw LedgerError.invalidArgument(name: "consumer", reason: "there is no consumer named \(consumer)")
        }
    }

    /// Every consumer, by name, with its lag: the changes after its cursor and the age of the
    /// oldest of them at `now`.
    public func consumers(now: Timestamp = .now) throws -> [Consumer] {
        try read { try Store(connection: $0).consumers(now: now) }
    }

    /// Deletes a consumer (its cursor with it); false when there was none.
    @discardableResult
    public func removeConsumer(_ name: String) throws -> Bool {
        try write { try Store(connection: $0).removeConsumer(name) }
    }

    private static func checkConsumerName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 200 else {
            throw LedgerError.invalidArgument(
                name: "consumer", reason: "a consumer's name is 1 to 200 bytes, not \(name.utf8.count)")
        }
    }
}
