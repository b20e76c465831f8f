/// What a Prometheus server scrapes from a ledger (``Ledger/metrics(maxJobs:now:)``): runs by
/// state, entries into each state, run durations, the oldest active runs, and each job's
/// last success and failures since, with their rendering in Prometheus' text format.
///
/// Every figure is read from the ledger itself, so nothing that happened between two scrapes
/// is missed: a counter counts every state change ever recorded (of the runs the ledger still
/// holds), not a sample of the runs seen at scrape time.
///
/// ```swift
/// let metrics = try ledger.metrics()
/// try metrics.prometheusText.write(toFile: "/var/lib/node_exporter/runledger.prom", atomically: true, encoding: .utf8)
/// ```
///
/// The families, in ``prometheusText``:
///
/// | family | type | labels | from |
/// |---|---|---|---|
/// | `runledger_runs` | gauge | `job`, `lifecycle`, `state`, `canonical_type` | ``runs`` |
/// | `runledger_state_changes_total` | counter | `job`, `lifecycle`, `to_state` | ``stateChanges`` |
/// | `runledger_run_duration_seconds` | histogram | `job`, `canonical_type` (and `le`) | ``runDurations`` |
/// | `runledger_oldest_active_run_age_seconds` | gauge | `job`, `lifecycle`, `state` | ``oldestActiveRuns`` |
/// | `runledger_last_success_timestamp_seconds` | gauge | `job` | ``jobs`` |
/// | `runledger_consecutive_failures` | gauge | `job` | ``jobs`` |
///
/// Canonical types are refined by outcomes, as everywhere in the ledger: a Databricks run
/// that ended TERMINATED with outcome FAILED counts as FAILED.
///
/// ## Topics
///
/// ### The figures
///
/// - ``readAt``
/// - ``runs``
/// - ``stateChanges``
/// - ``runDurations``
/// - ``oldestActiveRuns``
/// - ``jobs``
/// - ``RunCount``
/// - ``StateEntries``
/// - ``RunDurations``
/// - ``OldestActiveRun``
/// - ``JobHealth``
///
/// ### Prometheus
///
/// - ``prometheusText``
/// - ``durationBuckets``
/// - ``defaultMaxJobs``
///
/// ### Making metrics by hand
///
/// - ``init(readAt:runs:stateChanges:runDurations:oldestActiveRuns:jobs:)``
public struct LedgerMetrics: Sendable, Hashable {
    /// How many runs of a job and lifecycle are in a state now: `runledger_runs`.
    public struct RunCount: Sendable, Hashable {
        /// The runs' job.
        public var job: String
        /// Their lifecycle.
        public var lifecycle: String
        /// The state they are in.
        public var state: String
        /// What the runs count as: the state's canonical type, refined by the outcome the runs
        /// ended with (a state may appear once per type its outcomes give).
        public var canonicalType: CanonicalType
        /// How many runs.
        public var runs: Int

        /// Makes a count.
        public init(job: String, lifecycle: String, state: String, canonicalType: CanonicalType, runs: Int) {
            self.job = job
            self.lifecycle = lifecycle
            self.state = state
            self.canonicalType = canonicalType
            self.runs = runs
        }
    }

    /// How many times runs of a job and lifecycle entered a state: `runledger_state_changes_total`.
    public struct StateEntries: Sendable, Hashable {
        /// The runs' job.
        public var job: String
        /// Their lifecycle.
        public var lifecycle: String
        /// The state entered (a history row's `to_state`).
        public var state: String
        /// How many history rows entered it: the stays in it that ended plus the runs in it
        /// now. Zero for a state of the lifecycle that no run of the job has entered yet.
        public var entries: Int

        /// Makes a count.
        public init(job: String, lifecycle: String, state: String, entries: Int) {
            self.job = job
            self.lifecycle = lifecycle
            self.state = state
            self.entries = entries
        }
    }

    /// The durations of a job's ended runs that count as one canonical type, from creation to
    /// end: one series of `runledger_run_duration_seconds`.
    public struct RunDurations: Sendable, Hashable {
        /// The runs' job.
        public var job: String
        /// The terminal canonical type they ended as (refined by their outcome).
        public var canonicalType: CanonicalType
        /// For each boundary of ``LedgerMetrics/durationBuckets``, in order, the runs that
        /// took at most that long (cumulative, as Prometheus' `le` buckets are).
        public var cumulativeCounts: [Int]
        /// How many runs (the `+Inf` bucket, `_count`).
        public var count: Int
        /// Their durations added up, in microseconds (`_sum`, in seconds).
        public var totalMicroseconds: Int64

        /// Makes a series; `cumulativeCounts` has one count per boundary of
        /// ``LedgerMetrics/durationBuckets``.
        public init(
            job: String, canonicalType: CanonicalType, cumulativeCounts: [Int], count: Int, totalMicroseconds: Int64
        ) {
            self.job = job
            self.canonicalType = canonicalType
            self.cumulativeCounts = cumulativeCounts
            self.count = count
            self.totalMicroseconds = totalMicroseconds
        }
    }

    /// The oldest of the active runs of a job and lifecycle that are in one state:
    /// `runledger_oldest_active_run_age_seconds`, the alert for stuck runs.
    public struct OldestActiveRun: Sendable, Hashable {
        /// The run's job.
        public var job: String
        /// Its lifecycle.
        public var lifecycle: String
        /// The state the runs are in.
        public var state: String
        /// When the oldest of them was created.
        public var createdAt: Timestamp
        /// How long before ``LedgerMetrics/readAt`` that was, in microseconds (0 if after).
        public var ageMicroseconds: Int64

        /// Makes an entry.
        public init(job: String, lifecycle: String, state: String, createdAt: Timestamp, ageMicroseconds: Int64) {
            self.job = job
            self.lifecycle = lifecycle
            self.state = state
            self.createdAt = createdAt
            self.ageMicroseconds = ageMicroseconds
        }
    }

    /// A job's health: `runledger_last_success_timestamp_seconds` and
    /// `runledger_consecutive_failures`.
    public struct JobHealth: Sendable, Hashable {
        /// The job.
        public var job: String
        /// When the job's last successful run ended (the latest `ended_at` of its runs that
        /// count as COMPLETED); nil if none has (the sample is then left out).
        public var lastSuccess: Timestamp?
        /// The job's ended runs that count as FAILED or CRASHED and ended after its last
        /// success (all of them, if it never succeeded). Runs that ended CANCELLED or SKIPPED
        /// neither count nor end the streak.
        public var consecutiveFailures: Int

        /// Makes an entry.
        public init(job: String, lastSuccess: Timestamp?, consecutiveFailures: Int) {
            self.job = job
            self.lastSuccess = lastSuccess
            self.consecutiveFailures = consecutiveFailures
        }
    }

    /// The most jobs ``Ledger/metrics(maxJobs:now:)`` exports unless told otherwise: each job
    /// brings its own series, so the number of series stays bounded.
    public static let defaultMaxJobs = 1000

    /// The upper bounds, in seconds, of `runledger_run_duration_seconds`' buckets, from 10 ms
    /// to a day (a `+Inf` bucket follows).
    ///
    /// Each boundary has at most three significant digits, as the buckets of the ledger's
    /// `stats_run_durations` histogram do, so its counts are exact: a run is in a bucket
    /// when its stats bucket lies wholly below the boundary, or its recorded maximum does.
    /// The one approximation is a run that lasted exactly a boundary, to the microsecond,
    /// whose stats bucket also holds longer runs: it is counted in the next bucket.
    public static let durationBuckets: [Double] = [
        0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200, 21_600, 43_200, 86_400,
    ]

    /// The boundaries of ``durationBuckets`` in microseconds.
    static let durationBucketMicroseconds: [Int64] = durationBuckets.map { Int64(($0 * 1_000_000).rounded()) }

    /// When the ledger was read: the time the ages are measured to.
    public var readAt: Timestamp
    /// Runs per job, lifecycle, state and canonical type, sorted by those.
    public var runs: [RunCount]
    /// Entries into each state per job and lifecycle, sorted by those; every state of each
    /// lifecycle a job's runs use is listed, zero if not entered yet, so that the counter
    /// exists before its first increase.
    public var stateChanges: [StateEntries]
    /// Durations of ended runs per job and canonical type, sorted by those.
    public var runDurations: [RunDurations]
    /// The oldest active run per job, lifecycle and state, sorted by those.
    public var oldestActiveRuns: [OldestActiveRun]
    /// Every job that has runs, sorted by name.
    public var jobs: [JobHealth]

    /// Makes metrics from figures of your own (to render them, or in a test).
    public init(
        readAt: Timestamp, runs: [RunCount], stateChanges: [StateEntries], runDurations: [RunDurations],
        oldestActiveRuns: [OldestActiveRun], jobs: [JobHealth]
    ) {
        self.readAt = readAt
        self.runs = runs
        self.stateChanges = stateChanges
        self.runDurations = runDurations
        self.oldestActiveRuns = oldestActiveRuns
        self.jobs = jobs
    }
}

// MARK: - The text format

extension LedgerMetrics {
    /// The metrics in Prometheus' text exposition format, version 0.0.4 (what `/metrics`
    /// serves, with `Content-Type: text/plain; version=0.0.4`, and what node_exporter's
    /// textfile collector reads).
    ///
    /// One block per family, sorted by name, each opening with its `# HELP` and `# TYPE`
    /// lines (written even when the family has no sample); samples in the order of the
    /// arrays, which ``Ledger/metrics(maxJobs:now:)`` sorts by label values. Label values
    /// escape backslash, double quote and newline (`\\`, `\"`, `\n`) and keep any other
    /// character, UTF-8 included. Seconds are written exactly, as decimals of the ledger's
    /// microseconds. A histogram series lists its cumulative `le` buckets in order, then
    /// `+Inf`, `_sum` and `_count`.
    ///
    /// Related documentation:
    /// <https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format>
    public var prometheusText: String {
        var text = ""
        family(
            &text, "runledger_consecutive_failures", "gauge",
            "Ended runs of the job that failed or crashed since its last success (cancelled and skipped runs neither count nor reset it)."
        )
        for job in jobs {
            sample(&text, "runledger_consecutive_failures", [("job", job.job)], String(job.consecutiveFailures))
        }
        family(
            &text, "runledger_last_success_timestamp_seconds", "gauge",
            "When the job's last run that counts as COMPLETED ended, in seconds since the Unix epoch (absent if none)."
        )
        for job in jobs {
            guard let success = job.lastSuccess else { continue }
            sample(
                &text, "runledger_last_success_timestamp_seconds", [("job", job.job)],
                Self.seconds(success.rawValue))
        }
        family(
            &text, "runledger_oldest_active_run_age_seconds", "gauge",
            "Age (since creation) of the oldest active run of the job and lifecycle in the state.")
        for oldest in oldestActiveRuns {
            sample(
                &text, "runledger_oldest_active_run_age_seconds",
                [("job", oldest.job), ("lifecycle", oldest.lifecycle), ("state", oldest.state)],
                Self.seconds(oldest.ageMicroseconds))
        }
        family(
            &text, "runledger_run_duration_seconds", "histogram",
            "Durations of ended runs, from creation to end, by job and the canonical type they ended as.")
        for series in runDurations {
            let labels = [("job", series.job), ("canonical_type", series.canonicalType.rawValue)]
            for (index, bound) in Self.durationBucketMicroseconds.enumerated() {
                let count = index < series.cumulativeCounts.count ? series.cumulativeCounts[index] : series.count
                sample(
                    &text, "runledger_run_duration_seconds_bucket", labels + [("le", Self.seconds(bound))],
                    String(count))
            }
            sample(&text, "runledger_run_duration_seconds_bucket", labels + [("le", "+Inf")], String(series.count))
            sample(&text, "runledger_run_duration_seconds_sum", labels, Self.seconds(series.totalMicroseconds))
            sample(&text, "runledger_run_duration_seconds_count", labels, String(series.count))
        }
        family(
            &text, "runledger_runs", "gauge",
            "Runs by job, lifecycle, current state and the canonical type they count as (refined by their outcome).")
        for count in runs {
            sample(
                &text, "runledger_runs",
                [
                    ("job", count.job), ("lifecycle", count.lifecycle), ("state", count.state),
                    ("canonical_type", count.canonicalType.rawValue),
                ], String(count.runs))
        }
        family(
            &text, "runledger_state_changes_total", "counter",
            "State changes into each state, by job and lifecycle, from the ledger's history (pruned runs included: it never goes back)."
        )
        for entries in stateChanges {
            sample(
                &text, "runledger_state_changes_total",
                [("job", entries.job), ("lifecycle", entries.lifecycle), ("to_state", entries.state)],
                String(entries.entries))
        }
        return text
    }

    private func family(_ text: inout String, _ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(Self.escapedHelp(help))\n# TYPE \(name) \(type)\n"
    }

    private func sample(_ text: inout String, _ name: String, _ labels: [(String, String)], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            text += labels.map { "\($0.0)=\"\(Self.escapedLabelValue($0.1))\"" }.joined(separator: ",")
            text += "}"
        }
        text += " \(value)\n"
    }

    /// A label value as the text format writes it between double quotes: backslash, double
    /// quote and line feed escaped, every other character as it is.
    static func escapedLabelValue(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// A `# HELP` text: backslash and line feed escaped.
    static func escapedHelp(_ help: String) -> String {
        var escaped = ""
        for scalar in help.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// Microseconds as seconds, written exactly: `1.5`, `3600`, `0.000001`, `-2.25`.
    static func seconds(_ microseconds: Int64) -> String {
        let sign = microseconds < 0 ? "-" : ""
        let magnitude = microseconds.magnitude
        let whole = magnitude / 1_000_000
        let fraction = magnitude % 1_000_000
        guard fraction != 0 else { return sign + String(whole) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.last == "0" { digits.removeLast() }
        return "\(sign)\(whole).\(digits)"
    }
}
