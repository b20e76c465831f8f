extension Ledger {
    /// Seals the history: computes the SHA-256 chain over the history rows recorded since
    /// the latest seal, folds in that seal, and stores the new seal in the `seals` table.
    ///
    /// Seals are computed after the fact, from the rows as stored, so any client may keep
    /// writing in plain SQL. Keep each seal's ``Seal/line`` off the box (a file in git, a
    /// log, a ticket): with those lines, ``verify(seals:limit:)`` proves that the history
    /// was not rewritten since, even by a client that dropped the triggers, rewrote a row and
    /// everything derived from it, and recreated the triggers exactly. A seal covers the rows
    /// up to the newest one; on PostgreSQL, up to `history_high_water()`, below which every
    /// row has committed, so that a row committed later never falls inside a sealed range.
    /// A seal is made even when no row is new (it then records only that the history was
    /// unchanged at that time).
    ///
    /// ```swift
    /// let seal = try ledger.seal()
    /// print(seal.line)  // and append it to a file kept off the box
    /// ```
    ///
    /// - Parameter actor: Who seals (else the configuration's actor).
    /// - Returns: The seal stored.
    /// - Throws: ``SQLiteError`` (`PostgresError` on PostgreSQL) when the ledger cannot be
    ///   read or written.
    public func seal(actor: String? = nil) throws -> Seal {
        let actor = actor ?? configuration.actor
        try Validate.text(actor, as: "actor", limit: Validate.actorLimit)
        return try write { try Store(connection: $0).seal(actor: actor) }
    }

    /// Checks the history against its seals: recomputes each seal's chain value from the
    /// rows it covers and names the first row that no longer matches (changed, removed,
    /// added or moved), checks that each seal folds in the one before, and, given the lines
    /// of the seals saved off the box, that the ledger still holds each of those seals
    /// unchanged (a rewritten seals table, or rows removed from the end with their seals).
    ///
    /// The seals before a prune's seal are not recomputed: their rows are no longer all
    /// there. The prune checked them before it removed anything, and its seal, which folds
    /// in the seal made just before, covers every row that stayed; the removed rows are in
    /// the prune's archive, if it had one.
    ///
    /// ```swift
    /// let lines = try String(contentsOfFile: "seals.log", encoding: .utf8).split(separator: "\n")
    /// let report = try ledger.verify(seals: lines.compactMap(Seal.Line.init))
    /// if let seq = report.firstBadSeq { print("rewritten from seq \(seq)") }
    /// ```
    ///
    /// - Parameters:
    ///   - seals: The seals saved off the box (none: only the chain in the ledger is checked).
    ///   - limit: The most problems to return.
    /// - Returns: What was checked and every problem found, each naming a `seq`.
    /// - Throws: ``SQLiteError`` (`PostgresError` on PostgreSQL) when the ledger cannot be read.
    public func verify(seals: [Seal.Line] = [], limit: Int = 1000) throws -> SealReport {
        try read { try Store(connection: $0).verifySeals(saved: seals, limit: limit) }
    }
}
