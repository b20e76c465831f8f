/// The SQL of deadlines (`deadlines`) and freshness limits (`job_freshness`): setting and
/// listing them, and the runs and jobs the sweep finds past them.
extension Store {
    // MARK: - Deadlines

    /// Sets a deadline, replacing the one it had for the same scope and state.
    func setDeadline(
        _ scope: DeadlineScope, state: String?, seconds: Double, at: Timestamp, actor: String?
    ) throws {
        try connection.cached(
            """
            INSERT INTO deadlines (scope, name, state, seconds, set_at, actor) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (scope, name, state) DO UPDATE SET seconds = excluded.seconds, set_at = excluded.set_at,
                actor = excluded.actor
            """
        ).execute(scope.kind, scope.name, state ?? "", seconds, at.rawValue, actor)
    }

    /// Removes a deadline; whether there was one.
    func removeDeadline(_ scope: DeadlineScope, state: String?) throws -> Bool {
        let had = try connection.cached("SELECT 1 FROM deadlines WHERE scope = ? AND name = ? AND state = ?")
            .fetchOne(scope.kind, scope.name, state ?? "") { _ in true }
        try connection.cached("DELETE FROM deadlines WHERE scope = ? AND name = ? AND state = ?")
            .execute(scope.kind, scope.name, state ?? "")
        return had != nil
    }

    /// Every deadline: jobs' first, then lifecycles', each by name and state.
    func deadlines() throws -> [Deadline] {
        try connection.cached(
            "SELECT scope, name, state, seconds, set_at, actor FROM deadlines ORDER BY scope, name, state"
        ).fetchAll { row in
            let name = row.string(at: 1)
            let state = row.string(at: 2)
            return Deadline(
                scope: row.string(at: 0) == "job" ? .job(name) : .lifecycle(name), state: state.isEmpty ? nil : state,
                seconds: row.double(at: 3), setAt: Timestamp(rawValue: row.int64(at: 4)),
                actor: row.optionalString(at: 5))
        }
    }

    /// Whether any deadline is set (the sweep skips its deadline query when none is).
    func hasDeadlines() throws -> Bool {
        try connection.cached("SELECT 1 FROM deadlines LIMIT 1").fetchOne { _ in true } ?? false
    }

    // MARK: - Runs past a deadline

    /// An active run past a deadline: where it is, how long it has been there and running,
    /// the limits that apply, and where the sweep may move it.
    struct OverdueRun {
        let runID: String
        let state: String
        /// The lifecycle's timeout state and outcome, when the run has a plain edge to it.
        let target: (state: String, outcome: String?)?
        /// When the run was due (its scheduled time, or its creation when later).
        let dueAt: Timestamp
        /// When it entered its state.
        let enteredAt: Timestamp
        /// The limit on its stay in the state, and on its whole run, in seconds.
        let stateLimit: Double?
        let runLimit: Double?
    }

    /// The annotation kind of a run past a deadline that the sweep could not move.
    static let deadlineAnnotation = "deadline_missed"

    /// Active runs past their stay's deadline or their run's (a job's own, else its
    /// lifecycle's) at `?1`, oldest first, at most `?2`; of those the sweep cannot move (no
    /// timeout state, or no plain edge to it), only the ones not yet annotated in this stay.
    private static func overdueRuns(lockingRuns: Bool) -> String {
        """
        SELECT r.id, r.state, l.timeout_state, l.timeout_outcome,
               CASE WHEN r.scheduled_at > r.created_at THEN r.scheduled_at ELSE r.created_at END,
               r.updated_at, coalesce(js.seconds, ls.seconds), coalesce(jr.seconds, lr.seconds),
               EXISTS (SELECT 1 FROM lifecycle_transitions AS t
                       WHERE t.lifecycle = r.lifecycle AND t.from_state = r.state AND t.to_state = l.timeout_state
                         AND t.action IS NULL)
        FROM runs AS r
        JOIN lifecycles AS l ON l.name = r.lifecycle
        LEFT JOIN deadlines AS js ON js.scope = 'job' AND js.name = r.job AND js.state = r.state
        LEFT JOIN deadlines AS ls ON ls.scope = 'lifecycle' AND ls.name = r.lifecycle AND ls.state = r.state
        LEFT JOIN deadlines AS jr ON jr.scope = 'job' AND jr.name = r.job AND jr.state = ''
        LEFT JOIN deadlines AS lr ON lr.scope = 'lifecycle' AND lr.name = r.lifecycle AND lr.state = ''
        WHERE r.ended_at IS NULL
          AND (r.updated_at + CAST(coalesce(js.seconds, ls.seconds) * 1000000 AS BIGINT) < ?1
               OR CASE WHEN r.scheduled_at > r.created_at THEN r.scheduled_at ELSE r.created_at END
                  + CAST(coalesce(jr.seconds, lr.seconds) * 1000000 AS BIGINT) < ?1)
          AND (EXISTS (SELECT 1 FROM lifecycle_transitions AS t
                       WHERE t.lifecycle = r.lifecycle AND t.from_state = r.state AND t.to_state = l.timeout_state
                         AND t.action IS NULL)
               OR NOT EXISTS (SELECT 1 FROM run_annotations AS a
                              WHERE a.run_id = r.id AND a.kind = '\(deadlineAnnotation)' AND a.at >= r.updated_at))
        ORDER BY r.num LIMIT ?2
        """ + (lockingRuns ? " FOR UPDATE OF r" : "")
    }

    private static let overdueRunsSQL = overdueRuns(lockingRuns: false)
    private static let overdueRunsLockingSQL = overdueRuns(lockingRuns: true)

    /// The runs past a deadline at `now`, at most `limit`. On PostgreSQL their rows stay
    /// locked until the transaction ends: a change committed meanwhile is waited for, and a
    /// run it ended is not returned (READ COMMITTED checks a locked row again).
    func overdueRuns(at now: Timestamp, limit: Int) throws -> [OverdueRun] {
        try connection.cached(connection.engine == .sqlite ? Self.overdueRunsSQL : Self.overdueRunsLockingSQL)
            .fetchAll(now.rawValue, limit) { row in
                let timeout = row.optionalString(at: 2)
                let target = timeout.flatMap { state in row.int64(at: 8) != 0 ? state : nil }
                return OverdueRun(
                    runID: row.string(at: 0), state: row.string(at: 1),
                    target: target.map { ($0, row.optionalString(at: 3)) },
                    dueAt: Timestamp(rawValue: row.int64(at: 4)), enteredAt: Timestamp(rawValue: row.int64(at: 5)),
                    stateLimit: row.optionalDouble(at: 6), runLimit: row.optionalDouble(at: 7))
            }
    }

    // MARK: - Freshness

    /// Sets a job's freshness limit, replacing the one it had.
    func setFreshness(_ job: String, staleAfter: Double, at: Timestamp, actor: String?) throws {
        try connection.cached(
            """
            INSERT INTO job_freshness (job, stale_after_seconds, set_at, actor) VALUES (?, ?, ?, ?)
            ON CONFLICT (job) DO UPDATE SET stale_after_seconds = excluded.stale_after_seconds,
                set_at = excluded.set_at, actor = excluded.actor
            """
        ).execute(job, staleAfter, at.rawValue, actor)
    }

    /// Removes a job's freshness limit; whether it had one.
    func removeFreshness(_ job: String) throws -> Bool {
        let had = try connection.cached("SELECT 1 FROM job_freshness WHERE job = ?").fetchOne(job) { _ in true }
        try connection.cached("DELETE FROM job_freshness WHERE job = ?").execute(job)
        return had != nil
    }

    /// Every freshness limit, by job.
    func freshnessLimits() throws -> [FreshnessLimit] {
        try connection.cached("SELECT job, stale_after_seconds, set_at, actor FROM job_freshness ORDER BY job")
            .fetchAll { row in
                FreshnessLimit(
                    job: row.string(at: 0), staleAfter: row.double(at: 1), setAt: Timestamp(rawValue: row.int64(at: 2)),
                    actor: row.optionalString(at: 3))
            }
    }

    /// Each job with a freshness limit, and the end of its last success (the latest
    /// `ended_at` of its runs that count as COMPLETED, refined by outcome), through
    /// `runs_by_job`.
    func freshness() throws -> [(limit: FreshnessLimit, lastSuccess: Timestamp?)] {
        let limits = try freshnessLimits()
        let lastSuccess = try connection.cached(
            """
            SELECT max(r.ended_at) FROM runs AS r
            JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = r.state
            LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = r.outcome
            WHERE r.job = ? AND r.ended_at IS NOT NULL AND coalesce(o.canonical_type, s.canonical_type) = 'COMPLETED'
            """)
        return try limits.map { limit in
            let ended = try lastSuccess.fetchOne(limit.job) { $0.optionalInt64(at: 0) } ?? nil
            return (limit, ended.map { Timestamp(rawValue: $0) })
        }
    }
}
