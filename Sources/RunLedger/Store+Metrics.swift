/// The SQL of metrics (`Ledger.metrics(maxJobs:now:)`): what Prometheus scrapes, from the
/// stats tables the triggers keep and the active runs, never from the history.
///
/// Entries into a state are counted without reading `state_changes`: each history row of a
/// run after its first ends the stay its predecessor began, and `stats_state_durations`
/// counts those stays by the state they left. So the rows that entered a state are the stays
/// that left it plus the runs in it now, the active ones (`runs` through its partial index of
/// active runs) and the ended ones (`stats_run_durations`, by terminal state). Runs a prune
/// took out stay in the counters through the tallies their delete added to
/// (`pruned_state_entries`, `pruned_run_durations`).
extension Store {
    /// The metrics of the whole ledger, read at `now`; refuses a ledger with more than
    /// `maxJobs` jobs.
    func metrics(maxJobs: Int, now: Timestamp) throws -> LedgerMetrics {
        try MetricsReader(connection: connection, now: now).read(maxJobs: maxJobs)
    }
}

/// The queries behind `Ledger.metrics(maxJobs:now:)` and how their rows become metrics.
private struct MetricsReader {
    let connection: Database
    let now: Timestamp

    /// The joins that give a run `AS r` its state's and outcome's types (`s`, `o`).
    private static let typeJoins = """
        LEFT JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = r.state
        LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = r.outcome
        """

    /// For each boundary of `LedgerMetrics.durationBuckets`, the runs of a group of stats rows
    /// `AS d` wholly under it: a row is when every duration its bucket key stands for is (the
    /// key sorts below the boundary's own key), or when its largest duration is. One sum per
    /// boundary over the rows in key order, with no sort: cheaper than a bucket number per
    /// row grouped on.
    private static let cumulativeCounts = LedgerMetrics.durationBucketMicroseconds.map { bound in
        "sum(CASE WHEN d.bucket < \(DurationHistogram.key(of: bound)) OR d.max_us <= \(bound) THEN d.runs ELSE 0 END)"
    }.joined(separator: ", ")

    /// Ended runs, from their stats table, per job, lifecycle, terminal state and outcome
    /// (`''` for none): runs, total µs, the largest duration (a bound), then the cumulative
    /// counts. Types are joined afterwards, on these few rows, not on every bucket.
    private static let ended = """
        SELECT d.job, d.lifecycle, d.state, d.outcome, sum(d.runs), sum(d.total_us), max(d.max_us), \(cumulativeCounts)
        FROM stats_run_durations AS d WHERE d.runs > 0
        GROUP BY d.job, d.lifecycle, d.state, d.outcome
        """

    /// Pruned runs, from their tally (`pruned_run_durations`), in the columns of ``ended``:
    /// they stay in the duration histogram's counters, never in the runs gauge.
    private static let pruned = """
        SELECT d.job, d.lifecycle, d.state, d.outcome, sum(d.runs), sum(d.total_us), max(d.max_us), \(cumulativeCounts)
        FROM pruned_run_durations AS d
        GROUP BY d.job, d.lifecycle, d.state, d.outcome
        """

    /// History rows of pruned runs, by the state they entered: job, lifecycle, state, rows.
    private static let prunedEntries = "SELECT job, lifecycle, state, entries FROM pruned_state_entries"

    /// Active runs (the partial index of active runs): job, lifecycle, state, runs, the
    /// oldest's creation.
    private static let active = """
        SELECT r.job, r.lifecycle, r.state, count(*), min(r.created_at) FROM runs AS r WHERE r.ended_at IS NULL
        GROUP BY r.job, r.lifecycle, r.state
        """

    /// Stays that ended, by the state they left: job, lifecycle, state, stays.
    private static let stays = """
        SELECT job, lifecycle, state, sum(stays) FROM stats_state_durations WHERE stays > 0
        GROUP BY job, lifecycle, state
        """

    /// Every state of every lifecycle, in display order, with its canonical type.
    private static let states = """
        SELECT lifecycle, state, canonical_type FROM lifecycle_states ORDER BY lifecycle, position, state
        """

    /// The canonical type each outcome refines its run's to.
    private static let outcomes = "SELECT lifecycle, outcome, canonical_type FROM lifecycle_outcomes"

    /// For the jobs given, as a JSON array of `[job, longest success µs, longest failure µs
    /// or null]` (from the stats table): the last success (the latest end of a run that
    /// counts as COMPLETED), and the runs that count as FAILED or CRASHED and ended after it
    /// (NULL when the job has no failure).
    ///
    /// Found through the index of runs by job and creation, never a scan of a job's runs:
    /// no run lasted longer than its stats bucket's `max_us` (a bound, even after a run was
    /// taken out). So the newest-created successful run (a walk down the index to the first
    /// one) ended at `e`, and any success that ended later was created after `e` minus the
    /// longest success; a failure that ended after the last success `S` was created after
    /// `S` minus the longest failure.
    private static func health(_ engine: Ledger.Engine) -> String {
        let elements =
            engine == .sqlite ? "json_each(?) AS j" : "json_array_elements(CAST(? AS json)) AS j(value)"
        return """
            WITH bounds AS (
                SELECT CAST(j.value ->> 0 AS text) AS job, CAST(j.value ->> 1 AS bigint) AS success_max_us,
                       CAST(j.value ->> 2 AS bigint) AS failure_max_us
                FROM \(elements)
            ), newest AS (
                SELECT b.job, b.success_max_us, b.failure_max_us, (
                           SELECT r.ended_at FROM runs AS r
                           \(typeJoins)
                           WHERE r.job = b.job AND r.ended_at IS NOT NULL
                             AND coalesce(o.canonical_type, s.canonical_type) = 'COMPLETED'
                           ORDER BY r.created_at DESC LIMIT 1
                       ) AS newest_end
                FROM bounds AS b
            ), last AS MATERIALIZED (
                SELECT n.job, n.failure_max_us,
                       CASE WHEN n.newest_end IS NOT NULL THEN (
                           SELECT max(r.ended_at) FROM runs AS r
                           \(typeJoins)
                           WHERE r.job = n.job AND r.created_at >= n.newest_end - n.success_max_us
                             AND r.ended_at IS NOT NULL AND coalesce(o.canonical_type, s.canonical_type) = 'COMPLETED'
                       ) END AS success_at
                FROM newest AS n
            )
            SELECT l.job, l.success_at,
                   CASE WHEN l.success_at IS NOT NULL AND l.failure_max_us IS NOT NULL THEN (
                       SELECT count(*) FROM runs AS r
                       \(typeJoins)
                       WHERE r.job = l.job AND r.created_at >= l.success_at - l.failure_max_us
                         AND r.ended_at > l.success_at
                         AND coalesce(o.canonical_type, s.canonical_type) IN ('FAILED', 'CRASHED')
                   ) END
            FROM last AS l
            """
    }

    private struct StateKey: Hashable {
        var job: String
        var lifecycle: String
        var state: String
    }

    /// What a job's ended runs say, from the stats table, for its health.
    private struct Ended {
        var successMax: Int64?  // the longest duration of a run that counts as COMPLETED (a bound)
        var failureMax: Int64?  // of one that counts as FAILED or CRASHED
        var failures = 0
    }

    func read(maxJobs: Int) throws -> LedgerMetrics {
        var types: [StateKey: CanonicalType] = [:]  // by lifecycle and state ('' job)
        var statesOf: [String: [String]] = [:]
        try connection.cached(Self.states).forEachRow { row in
            let lifecycle = row.string(at: 0)
            let state = row.string(at: 1)
            statesOf[lifecycle, default: []].append(state)
            types[StateKey(job: "", lifecycle: lifecycle, state: state)] =
                CanonicalType(rawValue: row.string(at: 2)) ?? .pending
        }
        var refined: [StateKey: CanonicalType] = [:]  // by lifecycle and outcome ('' job)
        try connection.cached(Self.outcomes).forEachRow { row in
            refined[StateKey(job: "", lifecycle: row.string(at: 0), state: row.string(at: 1))] =
                CanonicalType(rawValue: row.string(at: 2)) ?? .pending
        }

        var runs: [LedgerMetrics.RunCount] = []
        var current: [StateKey: Int] = [:]  // runs in each state now
        var oldest: [LedgerMetrics.OldestActiveRun] = []
        var jobs = Set<String>()
        try connection.cached(Self.active).forEachRow { row in
            let key = StateKey(job: row.string(at: 0), lifecycle: row.string(at: 1), state: row.string(at: 2))
            let type = types[StateKey(job: "", lifecycle: key.lifecycle, state: key.state)] ?? .pending
            let count = Int(row.int64(at: 3))
            let createdAt = Timestamp(rawValue: row.int64(at: 4))
            jobs.insert(key.job)
            current[key, default: 0] += count
            runs.append(
                LedgerMetrics.RunCount(
                    job: key.job, lifecycle: key.lifecycle, state: key.state, canonicalType: type, runs: count))
            oldest.append(
                LedgerMetrics.OldestActiveRun(
                    job: key.job, lifecycle: key.lifecycle, state: key.state, createdAt: createdAt,
                    ageMicroseconds: max(0, now.rawValue - createdAt.rawValue)))
        }

        struct Series: Hashable {
            var job: String
            var canonicalType: CanonicalType
        }
        struct EndedKey: Hashable {
            var state: StateKey
            var canonicalType: CanonicalType
        }
        let bounds = LedgerMetrics.durationBuckets.count
        var histograms: [Series: LedgerMetrics.RunDurations] = [:]
        var endedRuns: [EndedKey: Int] = [:]
        var ended: [String: Ended] = [:]
        // Ended runs still in the ledger, then pruned ones (counted in the histogram only).
        func addEnded(_ row: Row, pruned: Bool) {
            let key = StateKey(job: row.string(at: 0), lifecycle: row.string(at: 1), state: row.string(at: 2))
            let outcome = StateKey(job: "", lifecycle: key.lifecycle, state: row.string(at: 3))
            // An outcome refines the type of the state the run ended in.
            let type =
                refined[outcome] ?? types[StateKey(job: "", lifecycle: key.lifecycle, state: key.state)] ?? .pending
            let count = Int(row.int64(at: 4))
            let longest = row.int64(at: 6)
            jobs.insert(key.job)
            let series = Series(job: key.job, canonicalType: type)
            var histogram =
                histograms[series]
                ?? LedgerMetrics.RunDurations(
                    job: key.job, canonicalType: type, cumulativeCounts: Array(repeating: 0, count: bounds), count: 0,
                    totalMicroseconds: 0)
            histogram.count += count
            histogram.totalMicroseconds += row.int64(at: 5)
            for index in 0..<bounds {
                histogram.cumulativeCounts[index] += Int(row.int64(at: Int32(7 + index)))
            }
            histograms[series] = histogram
            guard !pruned else { return }
            current[key, default: 0] += count
            endedRuns[EndedKey(state: key, canonicalType: type), default: 0] += count
            switch type {
            case .completed: ended[key.job, default: Ended()].successMax = max(ended[key.job]?.successMax ?? 0, longest)
            case .failed, .crashed:
                ended[key.job, default: Ended()].failureMax = max(ended[key.job]?.failureMax ?? 0, longest)
                ended[key.job, default: Ended()].failures += count
            default: break
            }
        }
        try connection.cached(Self.ended).forEachRow { addEnded($0, pruned: false) }
        try connection.cached(Self.pruned).forEachRow { addEnded($0, pruned: true) }
        for (key, count) in endedRuns {
            runs.append(
                LedgerMetrics.RunCount(
                    job: key.state.job, lifecycle: key.state.lifecycle, state: key.state.state,
                    canonicalType: key.canonicalType, runs: count))
        }

        // Refuse before the costlier part: a ledger over the bound gets no partial metrics.
        guard jobs.count <= maxJobs else {
            throw LedgerError.invalidArgument(
                name: "maxJobs",
                reason:
                    "the ledger has \(jobs.count) jobs, more than the limit of \(maxJobs) for metrics; "
                    + "raise the limit to export every job's series")
        }

        var entries = current
        try connection.cached(Self.stays).forEachRow { row in
            let key = StateKey(job: row.string(at: 0), lifecycle: row.string(at: 1), state: row.string(at: 2))
            entries[key, default: 0] += Int(row.int64(at: 3))
        }
        try connection.cached(Self.prunedEntries).forEachRow { row in
            let key = StateKey(job: row.string(at: 0), lifecycle: row.string(at: 1), state: row.string(at: 2))
            entries[key, default: 0] += Int(row.int64(at: 3))
        }
        // Every state of each lifecycle a job uses, so a counter exists (at 0) before its
        // first increase: Prometheus' increase() cannot see the step from no series to 1.
        for pair in Set(entries.keys.map { [$0.job, $0.lifecycle] }) {
            for state in statesOf[pair[1]] ?? [] {
                entries[StateKey(job: pair[0], lifecycle: pair[1], state: state), default: 0] += 0
            }
        }

        // A job that never succeeded has all its failures consecutive: no walk needed.
        var health: [String: LedgerMetrics.JobHealth] = [:]
        for job in jobs {
            health[job] = LedgerMetrics.JobHealth(
                job: job, lastSuccess: nil, consecutiveFailures: ended[job]?.failures ?? 0)
        }
        let walks = ended.filter { $0.value.successMax != nil }.sorted { $0.key < $1.key }
        if !walks.isEmpty {
            let argument = JSONValue.array(
                walks.map { job, ended in
                    .array([
                        .string(job), .integer(ended.successMax ?? 0), ended.failureMax.map(JSONValue.integer) ?? .null,
                    ])
                }
            ).text
            try connection.cached(Self.health(connection.engine)).forEachRow(arguments: [.text(argument)]) { row in
                let job = row.string(at: 0)
                guard let success = row.optionalInt64(at: 1) else { return }  // none found: all failures count
                health[job] = LedgerMetrics.JobHealth(
                    job: job, lastSuccess: Timestamp(rawValue: success),
                    consecutiveFailures: Int(row.optionalInt64(at: 2) ?? 0))
            }
        }

        let before = Self.ordered
        return LedgerMetrics(
            readAt: now,
            runs: runs.sorted {
                before($0.job, $1.job) ?? before($0.lifecycle, $1.lifecycle) ?? before($0.state, $1.state)
                    ?? before($0.canonicalType.rawValue, $1.canonicalType.rawValue) ?? false
            },
            stateChanges: entries.map {
                LedgerMetrics.StateEntries(
                    job: $0.key.job, lifecycle: $0.key.lifecycle, state: $0.key.state, entries: $0.value)
            }.sorted {
                before($0.job, $1.job) ?? before($0.lifecycle, $1.lifecycle) ?? before($0.state, $1.state) ?? false
            },
            runDurations: histograms.values.sorted {
                before($0.job, $1.job) ?? before($0.canonicalType.rawValue, $1.canonicalType.rawValue) ?? false
            },
            oldestActiveRuns: oldest.sorted {
                before($0.job, $1.job) ?? before($0.lifecycle, $1.lifecycle) ?? before($0.state, $1.state) ?? false
            },
            jobs: health.values.sorted { before($0.job, $1.job) ?? false })
    }

    /// Whether one text sorts before another, comparing UTF-8 bytes (the same order on every
    /// platform and engine); nil when they are the same bytes.
    private static func ordered(_ left: String, _ right: String) -> Bool? {
        left.utf8.elementsEqual(right.utf8) ? nil : left.utf8.lexicographicallyPrecedes(right.utf8)
    }
}
