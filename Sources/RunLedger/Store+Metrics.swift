/// The SQL of metrics (`Ledger.metrics(maxJobs:now:)`): what Prometheus scrapes, from the
/// stats tables the triggers keep and the active runs, never from the history.
///
/// Entries into a state are counted without reading `state_changes`: each history row of a
/// run after its first ends the stay its predecessor began, and `stats_state_durations`
/// counts those stays by the state they left. So the rows that entered a state are the stays
/// that left it plus the runs in it now, the active ones (`runs` through its partial index of
/// active runs) and the ended ones (`stats_run_durations`, by terminal state).
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

    /// The joins that give a run or stats row (`AS r`, `AS d`) its state's and outcome's types.
    private static func typeJoins(_ table: String) -> String {
        """
        LEFT JOIN lifecycle_states AS s ON s.lifecycle = \(table).lifecycle AND s.state = \(table).state
        LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = \(table).lifecycle AND o.outcome = \(table).outcome
        """
    }

    /// The index of the first boundary of `LedgerMetrics.durationBuckets` that a stats row
    /// `AS d` lies wholly under (its count, `durationBuckets.count`, for none): under a
    /// boundary when every duration its bucket key stands for is (the key sorts below the
    /// boundary's own), or when its largest duration is.
    private static let bucketIndex: String = {
        let cases = LedgerMetrics.durationBucketMicroseconds.enumerated().map { index, bound in
            "WHEN d.bucket < \(DurationHistogram.key(of: bound)) OR d.max_us <= \(bound) THEN \(index)"
        }
        return "CASE " + cases.joined(separator: " ") + " ELSE \(LedgerMetrics.durationBuckets.count) END"
    }()

    /// Ended runs, from their stats table: job, lifecycle, state, outcome, canonical type
    /// (refined), duration bucket index, runs, total µs.
    private static let ended = """
        SELECT d.job, d.lifecycle, d.state, d.outcome, coalesce(o.canonical_type, s.canonical_type),
               \(bucketIndex), sum(d.runs), sum(d.total_us)
        FROM stats_run_durations AS d
        \(typeJoins("d"))
        WHERE d.runs > 0
        GROUP BY d.job, d.lifecycle, d.state, d.outcome, 5, 6
        """

    /// Active runs (the partial index of active runs): job, lifecycle, state, canonical type,
    /// runs, the oldest's creation.
    private static let active = """
        SELECT r.job, r.lifecycle, r.state, s.canonical_type, count(*), min(r.created_at)
        FROM runs AS r LEFT JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = r.state
        WHERE r.ended_at IS NULL
        GROUP BY r.job, r.lifecycle, r.state, s.canonical_type
        """

    /// Stays that ended, by the state they left: job, lifecycle, state, stays.
    private static let stays = """
        SELECT job, lifecycle, state, sum(stays) FROM stats_state_durations WHERE stays > 0
        GROUP BY job, lifecycle, state
        """

    /// Every state of every lifecycle: lifecycle, state, in display order.
    private static let states = "SELECT lifecycle, state FROM lifecycle_states ORDER BY lifecycle, position, state"

    /// Per job with ended runs: its last success (the latest end of a run that counts as
    /// COMPLETED), and its runs that count as FAILED or CRASHED and ended after it.
    ///
    /// Found through the index of runs by job and creation, with bounds from the stats
    /// table, never a scan of a job's runs: no run lasted longer than its stats bucket's
    /// `max_us` (a bound, even after a run was taken out). So the newest-created successful
    /// run (a walk down the index to the first one) ended at `e`, and any success that ended
    /// later was created after `e` minus the longest success; a failure that ended after the
    /// last success `S` was created after `S` minus the longest failure. A job that never
    /// succeeded has all its failures consecutive, counted by the stats table.
    private static let health = """
        WITH typed AS (
            SELECT d.job, coalesce(o.canonical_type, s.canonical_type) AS type, d.runs, d.max_us
            FROM stats_run_durations AS d
            \(typeJoins("d"))
            WHERE d.runs > 0
        ), bounds AS (
            SELECT job,
                   max(CASE WHEN type = 'COMPLETED' THEN max_us END) AS success_max_us,
                   max(CASE WHEN type IN ('FAILED', 'CRASHED') THEN max_us END) AS failure_max_us,
                   sum(CASE WHEN type IN ('FAILED', 'CRASHED') THEN runs ELSE 0 END) AS failures
            FROM typed GROUP BY job
        ), newest AS (
            SELECT b.job, b.success_max_us, b.failure_max_us, b.failures,
                   CASE WHEN b.success_max_us IS NOT NULL THEN (
                       SELECT r.ended_at FROM runs AS r
                       \(typeJoins("r"))
                       WHERE r.job = b.job AND r.ended_at IS NOT NULL
                         AND coalesce(o.canonical_type, s.canonical_type) = 'COMPLETED'
                       ORDER BY r.created_at DESC LIMIT 1
                   ) END AS newest_end
            FROM bounds AS b
        ), last AS MATERIALIZED (
            SELECT n.job, n.failure_max_us, n.failures,
                   CASE WHEN n.newest_end IS NOT NULL THEN (
                       SELECT max(r.ended_at) FROM runs AS r
                       \(typeJoins("r"))
                       WHERE r.job = n.job AND r.created_at >= n.newest_end - n.success_max_us
                         AND r.ended_at IS NOT NULL AND coalesce(o.canonical_type, s.canonical_type) = 'COMPLETED'
                   ) END AS success_at
            FROM newest AS n
        )
        SELECT l.job, l.success_at,
               CASE WHEN l.success_at IS NULL THEN l.failures
                    WHEN l.failure_max_us IS NULL THEN 0
                    ELSE (
                        SELECT count(*) FROM runs AS r
                        \(typeJoins("r"))
                        WHERE r.job = l.job AND r.created_at >= l.success_at - l.failure_max_us
                          AND r.ended_at > l.success_at
                          AND coalesce(o.canonical_type, s.canonical_type) IN ('FAILED', 'CRASHED')
                    ) END
        FROM last AS l
        """

    private struct StateKey: Hashable {
        var job: String
        var lifecycle: String
        var state: String
    }

    private struct TypeKey: Hashable {
        var job: String
        var canonicalType: CanonicalType
    }

    private struct Histogram {
        var counts = [Int](repeating: 0, count: LedgerMetrics.durationBuckets.count + 1)  // per index, not cumulative
        var total: Int64 = 0
    }

    func read(maxJobs: Int) throws -> LedgerMetrics {
        var runs: [LedgerMetrics.RunCount] = []
        var current: [StateKey: Int] = [:]  // runs in each state now
        var histograms: [TypeKey: Histogram] = [:]
        var oldest: [LedgerMetrics.OldestActiveRun] = []
        var jobs = Set<String>()

        try connection.cached(Self.active).forEachRow { row in
            let key = StateKey(job: row.string(at: 0), lifecycle: row.string(at: 1), state: row.string(at: 2))
            let type = row.optionalString(at: 3).flatMap(CanonicalType.init(rawValue:)) ?? .pending
            let count = Int(row.int64(at: 4))
            let createdAt = Timestamp(rawValue: row.int64(at: 5))
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

        struct EndedKey: Hashable {
            var state: StateKey
            var canonicalType: CanonicalType
        }
        var ended: [EndedKey: Int] = [:]
        try connection.cached(Self.ended).forEachRow { row in
            let key = StateKey(job: row.string(at: 0), lifecycle: row.string(at: 1), state: row.string(at: 2))
            let type = row.optionalString(at: 4).flatMap(CanonicalType.init(rawValue:)) ?? .pending
            let index = min(max(Int(row.int64(at: 5)), 0), LedgerMetrics.durationBuckets.count)
            let count = Int(row.int64(at: 6))
            jobs.insert(key.job)
            current[key, default: 0] += count
            ended[EndedKey(state: key, canonicalType: type), default: 0] += count
            histograms[TypeKey(job: key.job, canonicalType: type), default: Histogram()].counts[index] += count
            histograms[TypeKey(job: key.job, canonicalType: type), default: Histogram()].total += row.int64(at: 7)
        }
        for (key, count) in ended {
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
        // Every state of each lifecycle a job uses, so a counter exists (at 0) before its
        // first increase: Prometheus' increase() cannot see the step from no series to 1.
        var statesOf: [String: [String]] = [:]
        try connection.cached(Self.states).forEachRow { row in
            statesOf[row.string(at: 0), default: []].append(row.string(at: 1))
        }
        for pair in Set(entries.keys.map { [$0.job, $0.lifecycle] }) {
            for state in statesOf[pair[1]] ?? [] {
                entries[StateKey(job: pair[0], lifecycle: pair[1], state: state), default: 0] += 0
            }
        }

        var health: [String: LedgerMetrics.JobHealth] = [:]
        try connection.cached(Self.health).forEachRow { row in
            let job = row.string(at: 0)
            health[job] = LedgerMetrics.JobHealth(
                job: job, lastSuccess: row.optionalInt64(at: 1).map(Timestamp.init(rawValue:)),
                consecutiveFailures: Int(row.optionalInt64(at: 2) ?? 0))
        }

        let before = Self.byteOrder
        return LedgerMetrics(
            readAt: now,
            runs: runs.sorted {
                before(
                    [$0.job, $0.lifecycle, $0.state, $0.canonicalType.rawValue],
                    [$1.job, $1.lifecycle, $1.state, $1.canonicalType.rawValue])
            },
            stateChanges: entries.map {
                LedgerMetrics.StateEntries(
                    job: $0.key.job, lifecycle: $0.key.lifecycle, state: $0.key.state, entries: $0.value)
            }.sorted { before([$0.job, $0.lifecycle, $0.state], [$1.job, $1.lifecycle, $1.state]) },
            runDurations: histograms.map { key, histogram in
                var cumulative: [Int] = []
                var running = 0
                for count in histogram.counts.dropLast() {
                    running += count
                    cumulative.append(running)
                }
                return LedgerMetrics.RunDurations(
                    job: key.job, canonicalType: key.canonicalType, cumulativeCounts: cumulative,
                    count: running + (histogram.counts.last ?? 0), totalMicroseconds: histogram.total)
            }.sorted { before([$0.job, $0.canonicalType.rawValue], [$1.job, $1.canonicalType.rawValue]) },
            oldestActiveRuns: oldest.sorted {
                before([$0.job, $0.lifecycle, $0.state], [$1.job, $1.lifecycle, $1.state])
            },
            jobs: jobs.map { health[$0] ?? LedgerMetrics.JobHealth(job: $0, lastSuccess: nil, consecutiveFailures: 0) }
                .sorted { before([$0.job], [$1.job]) })
    }

    /// Whether one list of texts sorts before another, comparing UTF-8 bytes: the same order
    /// on every platform and engine.
    private static func byteOrder(_ left: [String], _ right: [String]) -> Bool {
        for (a, b) in zip(left, right) where !a.utf8.elementsEqual(b.utf8) {
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        return left.count < right.count
    }
}
