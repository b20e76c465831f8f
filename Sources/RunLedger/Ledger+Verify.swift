/// Something `Ledger.verify()` found wrong in a ledger file.
public struct LedgerProblem: Sendable, Hashable, CustomStringConvertible {
    /// Which check failed: a rule's tag (``Rule``: `wrong_from_state`, `illegal_transition`,
    /// `not_initial`, `time_backwards`, `derived_state`, `no_such_run`, `history_order`,
    /// `bad_value`), or `schema`, `builtin_lifecycle`, `lifecycle_definition`, `integrity`,
    /// `foreign_key`, `stats`.
    public var check: String
    /// The rule the stored rows break, when the check is one (``check`` is its tag).
    public var rule: Rule? { Rule(rawValue: check) }
    /// The run concerned, if one is.
    public var runID: String?
    /// The history row concerned, if one is.
    public var seq: Int64?
    /// One sentence saying what is wrong.
    public var detail: String

    /// Makes a problem.
    public init(check: String, runID: String? = nil, seq: Int64? = nil, detail: String) {
        self.check = check
        self.runID = runID
        self.seq = seq
        self.detail = detail
    }

    /// "check: detail".
    public var description: String { "\(check): \(detail)" }
}

/// What `Ledger.verify()` checked and found.
public struct VerificationReport: Sendable, Hashable {
    /// Runs checked.
    public var runs: Int
    /// History rows checked.
    public var changes: Int
    /// What is wrong, at most `limit` of it (nothing when the file is clean).
    public var problems: [LedgerProblem]
    /// Whether more problems were found than `problems` holds.
    public var isTruncated: Bool

    /// Whether the file passed every check.
    public var isClean: Bool { problems.isEmpty }
}

extension Ledger {
    /// Checks every rule of the ledger over the whole file, as written, whichever client
    /// wrote it, and runs SQLite's integrity check.
    ///
    /// The triggers refuse rule-breaking writes, but a client can drop them (or disable them
    /// for its connection) and write anything. This finds what such a client left: history
    /// rows that do not chain (a row whose `from_state` is not the previous row's `to_state`,
    /// an edge the lifecycle lacks, a first row that is not an initial state, time going
    /// backwards), runs whose `state` or `updated_at` do not follow their last row, runs
    /// without history and rows without a run, invalid JSON, built-in lifecycles that differ
    /// from this library's, triggers or views that are missing or altered, and stats tables
    /// (`stats_run_durations`, `stats_state_durations`) that disagree with the runs and
    /// their history.
    ///
    /// On PostgreSQL, instead of SQLite's integrity check and its comparison with a fresh
    /// file, it compares the installed rules with this library's: a trigger missing,
    /// disabled, set to fire only for replication, or not runledger's, a function whose body
    /// was replaced, a rules record that is not this library's.
    ///
    /// ```swift
    /// let report = try Ledger(path: "runs.db", configuration: .init(mode: .readOnly)).verify()
    /// for problem in report.problems { print(problem) }
    /// ```
    ///
    /// - Parameter limit: The most problems to return (the count is still exact for runs and
    ///   changes).
    /// - Returns: The numbers of runs and changes checked, and every problem found.
    /// - Throws: ``SQLiteError`` (`PostgresError` on PostgreSQL) when the ledger cannot be read.
    public func verify(limit: Int = 1000) throws -> VerificationReport {
        try read { try Store(connection: $0).verify(limit: limit) }
    }
}
