/// A change of any run, as the ledger-wide feed gives it (``Ledger/changes(after:matching:limit:)``,
/// ``Ledger/subscribe(from:matching:pollInterval:)``): the history row, with what a consumer
/// filters and reacts on, its run's job and lifecycle, and the canonical type of the state it
/// entered (refined by the change's outcome: a Databricks TERMINATED with FAILED counts as
/// FAILED).
public struct LedgerChange: Sendable, Hashable, Codable {
    /// The history row; its `seq` is the change's place in the ledger's one global order.
    public var change: StateChange
    /// The run's job.
    public var job: String
    /// The run's lifecycle.
    public var lifecycle: String
    /// The canonical type of the state entered, refined by the outcome.
    public var canonicalType: CanonicalType
    /// Whether the state entered is terminal.
    public var isTerminal: Bool

    /// A change as the feed gives it.
    public init(change: StateChange, job: String, lifecycle: String, canonicalType: CanonicalType, isTerminal: Bool) {
        self.change = change
        self.job = job
        self.lifecycle = lifecycle
        self.canonicalType = canonicalType
        self.isTerminal = isTerminal
    }

    /// The change's place in the ledger's order.
    public var seq: Int64 { change.seq }
}

/// Which changes a feed gives: those of runs of these jobs, of these lifecycles, entering a
/// state of these canonical types. A nil set (the default) lets every value through; the
/// conditions hold together.
public struct ChangeFilter: Sendable, Hashable {
    /// The jobs whose runs' changes pass (nil: every job).
    public var jobs: Set<String>?
    /// The lifecycles whose runs' changes pass (nil: every lifecycle).
    public var lifecycles: Set<String>?
    /// The canonical types, refined by outcome, of the states entered that pass (nil: every type).
    public var canonicalTypes: Set<CanonicalType>?

    /// A filter; nil for a condition lets every value through.
    public init(jobs: Set<String>? = nil, lifecycles: Set<String>? = nil, canonicalTypes: Set<CanonicalType>? = nil) {
        self.jobs = jobs
        self.lifecycles = lifecycles
        self.canonicalTypes = canonicalTypes
    }

    /// Every change.
    public static let all = ChangeFilter()

    /// Whether the filter lets the change through.
    public func matches(_ change: LedgerChange) -> Bool {
        (jobs?.contains(change.job) ?? true) && (lifecycles?.contains(change.lifecycle) ?? true)
            && (canonicalTypes?.contains(change.canonicalType) ?? true)
    }
}

/// A page of the ledger-wide feed: the changes that matched, in `seq` order, and how far the
/// page read. Every change with a `seq` up to ``through`` was considered, matching or not:
/// the next page starts after it (and a consumer may acknowledge it even when no change
/// matched).
public struct ChangePage: Sendable, Hashable {
    /// The changes that matched, in `seq` order.
    public var changes: [LedgerChange]
    /// The `seq` the page read through: every change up to it, and none after it, is
    /// accounted for (committed changes only: on PostgreSQL, up to a `seq` below which
    /// every row has committed).
    public var through: Int64

    /// A page.
    public init(changes: [LedgerChange], through: Int64) {
        self.changes = changes
        self.through = through
    }
}

/// A named cursor over the ledger's history (the `consumers` table), and how far behind the
/// history it is.
public struct Consumer: Sendable, Hashable, Codable {
    /// Its name.
    public var name: String
    /// Every change up to this `seq` is handled (0: none yet).
    public var seq: Int64
    /// When it was made.
    public var createdAt: Timestamp
    /// When its cursor last moved.
    public var updatedAt: Timestamp
    /// Changes after its cursor.
    public var lagChanges: Int
    /// Seconds from the oldest change it has not handled to the time read (0 when it has
    /// handled every change).
    public var lagSeconds: Double

    /// A consumer as the ledger holds it.
    public init(
        name: String, seq: Int64, createdAt: Timestamp, updatedAt: Timestamp, lagChanges: Int, lagSeconds: Double
    ) {
        self.name = name
        self.seq = seq
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lagChanges = lagChanges
        self.lagSeconds = lagSeconds
    }
}
