/// How long a job's terminal runs are kept: an age per canonical type of their end, and a
/// number of newest runs kept whatever their age.
///
/// A terminal run may go once it ended longer ago than the age of its canonical type
/// (refined by its outcome: Databricks TERMINATED with FAILED counts as FAILED), or of
/// ``otherwise`` for the types not named; a type with neither is kept. A policy with no age
/// at all and a ``keepLast`` keeps the newest runs and lets every older terminal run go.
/// Whatever the policy, a job's newest run, a pinned run and a run linked to a run that
/// stays are kept.
///
/// ```swift
/// let policy = RetentionPolicy(maxAge: [.failed: 90 * 86_400, .completed: 7 * 86_400], keepLast: 10)
/// try ledger.setRetentionPolicy(policy, for: "nightly-etl")
/// ```
public struct RetentionPolicy: Sendable, Hashable, Codable {
    /// The age past which a run that ended in this canonical type may go, in seconds. Only
    /// terminal types count.
    public var maxAge: [CanonicalType: Int]
    /// The age for the terminal types ``maxAge`` does not name (`*`), in seconds; nil keeps them.
    public var otherwise: Int?
    /// How many of the job's newest runs (of any state) are kept whatever their age; nil or
    /// 0: only the newest one, which is always kept.
    public var keepLast: Int?

    /// A policy.
    ///
    /// - Parameters:
    ///   - maxAge: Ages by canonical type, in seconds.
    ///   - otherwise: The age of the other terminal types, in seconds.
    ///   - keepLast: How many newest runs to keep whatever their age.
    public init(maxAge: [CanonicalType: Int] = [:], otherwise: Int? = nil, keepLast: Int? = nil) {
        self.maxAge = maxAge
        self.otherwise = otherwise
        self.keepLast = keepLast
    }

    /// Whether the policy names an age (else only ``keepLast`` decides).
    public var hasAges: Bool { !maxAge.isEmpty || otherwise != nil }

    /// The age for runs that ended in `type`, in seconds, or nil when they are kept.
    public func age(for type: CanonicalType) -> Int? { maxAge[type] ?? otherwise }

    /// Checks the ages and the count.
    func validate() throws {
        for (type, age) in maxAge {
            guard type.isTerminal else {
                throw LedgerError.invalidArgument(
                    name: "maxAge", reason: "\(type.rawValue) is not a terminal canonical type")
            }
            guard age >= 0 else {
                throw LedgerError.invalidArgument(name: "maxAge", reason: "an age must be 0 seconds or more")
            }
        }
        if let otherwise, otherwise < 0 {
            throw LedgerError.invalidArgument(name: "otherwise", reason: "an age must be 0 seconds or more")
        }
        if let keepLast, keepLast < 0 {
            throw LedgerError.invalidArgument(name: "keepLast", reason: "must be 0 or more")
        }
    }
}

/// A job's stored retention policy, as ``Ledger/retentionPolicies()`` lists it.
public struct JobRetentionPolicy: Sendable, Hashable {
    /// The job.
    public var job: String
    /// Its policy.
    public var policy: RetentionPolicy
    /// When it was set.
    public var setAt: Timestamp
    /// Who set it.
    public var actor: String?
}

/// A run pinned so that no prune removes it.
public struct RunPin: Sendable, Hashable {
    /// The run.
    public var runID: String
    /// When it was pinned.
    public var pinnedAt: Timestamp
    /// Who pinned it.
    public var actor: String?
    /// Why.
    public var reason: String?
}

/// What a prune removes: which runs (by job, age per canonical type, count), and how.
///
/// Every criterion narrows: a run goes only if its job is selected, it is old enough, and it
/// is not among the newest ``RetentionPolicy/keepLast`` of its job. A job's newest run, a pinned run and a
/// run linked to a run that stays (parent, retry, upstream, dependant) always stay.
///
/// ```swift
/// var options = PruneOptions()
/// options.retention = RetentionPolicy(maxAge: [.failed: 90 * 86_400], otherwise: 7 * 86_400)
/// options.jobs = ["nightly-etl"]
/// let report = try ledger.prune(options)
/// ```
public struct PruneOptions: Sendable, Hashable {
    /// The jobs to prune; empty: every job.
    public var jobs: Set<String> = []
    /// Terminal runs that ended before this may go, for every canonical type that
    /// ``retention`` gives no age (`--terminal-before`).
    public var terminalBefore: Timestamp?
    /// Ages by canonical type and a count kept, for every selected job.
    public var retention: RetentionPolicy?
    /// Apply each job's stored policy (``Ledger/setRetentionPolicy(_:for:actor:)``) instead;
    /// jobs without one are left alone. Excludes ``terminalBefore`` and ``retention``.
    public var usePolicies = false
    /// The time ages are counted back from.
    public var now: Timestamp = .now
    /// A ledger file to copy the runs into first.
    public var archive: String?

    /// Options that prune nothing until a criterion is set.
    public init() {}

    /// The options of ``Ledger/prune(terminalBefore:archive:actor:)``.
    public init(terminalBefore: Timestamp, archive: String? = nil) {
        self.terminalBefore = terminalBefore
        self.archive = archive
    }

    /// Checks that the options say what to prune, and say it once.
    func validate() throws {
        if usePolicies, terminalBefore != nil || retention != nil {
            throw LedgerError.invalidArgument(
                name: "usePolicies", reason: "the stored policies exclude other ages and counts")
        }
        try retention?.validate()
        if !usePolicies, terminalBefore == nil, retention?.hasAges != true, retention?.keepLast == nil {
            throw LedgerError.invalidArgument(
                name: "options", reason: "say what to prune: a cutoff, ages, a count kept or the stored policies")
        }
        for job in jobs { try Validate.name(job, as: "job") }
    }
}

/// What a prune removes (or, in a dry run, would remove), counted.
public struct PruneReport: Sendable, Hashable {
    /// Runs removed, with their history.
    public var runs: Int
    /// History rows removed with them.
    public var changes: Int
    /// Annotations removed with them.
    public var annotations = 0
    /// Dependencies removed with them.
    public var dependencies = 0
    /// Received OpenLineage events removed with them.
    public var openLineageEvents = 0
    /// Terminal runs old enough that stay, because a run that stays names them (as parent
    /// or upstream) or is named by them.
    public var kept: Int
    /// Runs the options would remove that stay because they are pinned.
    public var pinned = 0
    /// The ledger file they were copied to first, if any.
    public var archive: String?
    /// Whether nothing was removed: the counts are what a prune would remove.
    public var isDryRun = false
    /// An estimate of the bytes the rows removed take (table and index pages), and how it
    /// was made (``bytesMethod``); what a vacuum then gives back is about this.
    public var bytes: Int64 = 0
    /// How ``bytes`` was estimated: `dbstat` (SQLite's page statistics, by table and index,
    /// in proportion to the rows removed), `pages` (the file's used pages, in proportion to
    /// the rows removed, where SQLite lacks dbstat), `pg_total_relation_size` (PostgreSQL's
    /// sizes of the tables with their indexes, in proportion).
    public var bytesMethod = ""

    /// A report.
    public init(runs: Int, changes: Int, kept: Int, archive: String?) {
        self.runs = runs
        self.changes = changes
        self.kept = kept
        self.archive = archive
    }
}

/// What a vacuum gave back.
public struct VacuumReport: Sendable, Hashable {
    /// The ledger's size before, in bytes (SQLite: pages times page size; PostgreSQL: the
    /// ledger's tables and indexes).
    public var bytesBefore: Int64
    /// Its size after.
    public var bytesAfter: Int64
}
