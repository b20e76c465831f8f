/// What a deadline applies to: the runs of one job, or, by default, those of every job of a
/// lifecycle that has no deadline of its own for the same thing.
public enum DeadlineScope: Sendable, Hashable, Codable {
    /// The runs of this job.
    case job(String)
    /// The runs of this lifecycle, for jobs without a deadline of their own.
    case lifecycle(String)

    /// The job's or lifecycle's name.
    public var name: String {
        switch self {
        case .job(let name), .lifecycle(let name): name
        }
    }

    /// `job` or `lifecycle`, as the `deadlines` table's `scope` column has it.
    public var kind: String {
        switch self {
        case .job: "job"
        case .lifecycle: "lifecycle"
        }
    }
}

/// How long a run may take, or stay in one state, before ``Ledger/sweep(now:lateAfter:heartbeatTimeout:batchSize:)``
/// times it out (a row of `deadlines`).
///
/// A run's time counts from when it was due: its `scheduledAt`, or its creation when it has
/// none or was created later. A stay's counts from when the run entered the state. Past
/// either, the sweep moves the run to its lifecycle's timeout state (canonical FAILED,
/// Databricks TERMINATED with outcome TIMEDOUT, Prefect TimedOut), or, where the lifecycle
/// has none or no plain edge to it from the run's state, annotates the run once.
public struct Deadline: Sendable, Hashable, Codable {
    /// The job, or the lifecycle, it applies to.
    public var scope: DeadlineScope
    /// The state whose stays it limits; nil for the whole run (a maximum run time).
    public var state: String?
    /// The limit, in seconds.
    public var seconds: Double
    /// When it was set.
    public var setAt: Timestamp
    /// Who set it.
    public var actor: String?

    /// A deadline as the ledger holds it.
    public init(scope: DeadlineScope, state: String?, seconds: Double, setAt: Timestamp, actor: String? = nil) {
        self.scope = scope
        self.state = state
        self.seconds = seconds
        self.setAt = setAt
        self.actor = actor
    }
}

/// How often a job must succeed (a row of `job_freshness`): a freshness violation when none
/// of its runs ended COMPLETED (refined by outcome) within ``staleAfter`` seconds.
public struct FreshnessLimit: Sendable, Hashable, Codable {
    /// The job.
    public var job: String
    /// The longest time without a success, in seconds.
    public var staleAfter: Double
    /// When it was set; while the job has no success, the time counts from here.
    public var setAt: Timestamp
    /// Who set it.
    public var actor: String?

    /// A limit as the ledger holds it.
    public init(job: String, staleAfter: Double, setAt: Timestamp, actor: String? = nil) {
        self.job = job
        self.staleAfter = staleAfter
        self.setAt = setAt
        self.actor = actor
    }
}

/// A job past its freshness limit: no success within ``FreshnessLimit/staleAfter``.
public struct FreshnessViolation: Sendable, Hashable, Codable {
    /// The job.
    public var job: String
    /// Its limit, in seconds.
    public var staleAfter: Double
    /// When its last success ended; nil if it never succeeded.
    public var lastSuccess: Timestamp?
    /// When it became stale: its last success (or, without one, the limit's setting) plus
    /// the limit.
    public var staleSince: Timestamp

    /// A violation.
    public init(job: String, staleAfter: Double, lastSuccess: Timestamp?, staleSince: Timestamp) {
        self.job = job
        self.staleAfter = staleAfter
        self.lastSuccess = lastSuccess
        self.staleSince = staleSince
    }
}
