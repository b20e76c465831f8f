/// The SQL of the ledger's semantics beyond the graph: dependencies, annotations, limits,
/// chains, heartbeats, the sweep and pruning.
extension Store {
    // MARK: - Lifecycle roles and run facts

    /// One role column of a lifecycle (`blocked_state`...), if it is set.
    func role(_ column: String, of lifecycle: String) throws -> String? {
        precondition(column.allSatisfy { $0.isLetter || $0 == "_" }, "not a column name: \(column)")
        let statement = try connection.cached("SELECT \(column) FROM lifecycles WHERE name = ?")
        defer { statement.reset() }
        statement.bind(lifecycle, at: 1)
        return try statement.step() ? statement.optionalString(at: 0) : nil
    }

    /// The canonical type a run counts as now (its state's, refined by its outcome).
    func canonicalType(ofRun runID: String) throws -> CanonicalType? {
        let statement = try connection.cached(
            "SELECT ifnull(o.canonical_type, s.canonical_type) \(Self.runFrom) WHERE r.id = ?")
        defer { statement.reset() }
        statement.bind(runID, at: 1)
        return try statement.step() ? CanonicalType(rawValue: statement.string(at: 0)) : nil
    }

    /// The outcomes a lifecycle defines.
    func outcomes(of lifecycle: String) throws -> [String] {
        let statement = try connection.cached(
            "SELECT outcome FROM lifecycle_outcomes WHERE lifecycle = ? ORDER BY rowid")
        defer { statement.reset() }
        statement.bind(lifecycle, at: 1)
        var outcomes: [String] = []
        while try statement.step() { outcomes.append(statement.string(at: 0)) }
        return outcomes
    }

    // MARK: - Dependencies

    /// Records that `runID` waits for `upstreamID`.
    func insertDependency(runID: String, upstreamID: String) throws {
        let statement = try connection.cached("INSERT INTO run_dependencies (run_id, upstream_id) VALUES (?, ?)")
        defer { statement.reset() }
        statement.bind(runID, at: 1)
        statement.bind(upstreamID, at: 2)
        try statement.run()
    }

    /// The upstream runs of `runID`, each with whether it has completed successfully.
    func upstreams(of runID: String) throws -> [(id: String, isCompleted: Bool)] {
        let statement = try connection.cached(
            """
            SELECT d.upstream_id, ifnull(o.canonical_type, s.canonical_type) = 'COMPLETED'
            FROM run_dependencies AS d JOIN runs AS r ON r.id = d.upstream_id
            LEFT JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = r.state
            LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = r.outcome
            WHERE d.run_id = ? ORDER BY r.num
            """)
        defer { statement.reset() }
        statement.bind(runID, at: 1)
        var upstreams: [(id: String, isCompleted: Bool)] = []
        while try statement.step() { upstreams.append((statement.string(at: 0), statement.int64(at: 1) != 0)) }
        return upstreams
    }

    // MARK: - Annotations

    /// Records an annotation; returns its id.
    func insertAnnotation(
        runID: String, kind: String, at: Timestamp, actor: String?, reason: String?, metadata: String?
    )
        throws -> Int64
    {
        let statement = try connection.cached(
            "INSERT INTO run_annotations (run_id, at, kind, actor, reason, meta) VALUES (?, ?, ?, ?, ?, ?)")
        defer { statement.reset() }
        statement.bind(runID, at: 1)
        statement.bind(at.rawValue, at: 2)
        statement.bind(kind, at: 3)
        statement.bind(actor, at: 4)
        statement.bind(reason, at: 5)
        statement.bind(metadata, at: 6)
        try statement.run()
        return connection.lastInsertRowID
    }

    /// The run's annotations, oldest first.
    func annotations(of runID: String) throws -> [Annotation] {
        let statement = try connection.cached(
            "SELECT id, at, kind, actor, reason, meta FROM run_annotations WHERE run_id = ? ORDER BY id")
        defer { statement.reset() }
        statement.bind(runID, at: 1)
        var annotations: [Annotation] = []
        while try statement.step() {
            annotations.append(
                Annotation(
                    id: statement.int64(at: 0), runID: runID, at: Timestamp(rawValue: statement.int64(at: 1)),
                    kind: statement.string(at: 2), actor: statement.optionalString(at: 3),
                    reason: statement.optionalString(at: 4), metadata: statement.optionalString(at: 5)))
        }
        return annotations
    }

    // MARK: - Concurrency limits

    /// Sets a job's own limit (nil: none), or with `remove` goes back to the lifecycle default.
    func setLimit(job: String, maxActive: Int?, remove: Bool) throws {
        let statement = try connection.cached(
            remove
                ? "DELETE FROM jobs WHERE job = ?"
                : "INSERT INTO jobs (job, max_active) VALUES (?, ?) ON CONFLICT (job) DO UPDATE SET max_active = excluded.max_active"
        )
        defer { statement.reset() }
        statement.bind(job, at: 1)
        if !remove { statement.bind(maxActive.map(Int64.init), at: 2) }
        try statement.run()
    }

    /// Every job that sets its own limit.
    func limits() throws -> [JobLimit] {
        let statement = try connection.cached(
            """
            SELECT j.job, j.max_active, (SELECT count(*) FROM runs WHERE job = j.job AND ended_at IS NULL)
            FROM jobs AS j ORDER BY j.job
            """)
        defer { statement.reset() }
        var limits: [JobLimit] = []
        while try statement.step() {
            limits.append(
                JobLimit(
                    job: statement.string(at: 0), maxActive: statement.optionalInt64(at: 1).map { Int($0) },
                    active: Int(statement.int64(at: 2))))
        }
        return limits
    }

    // MARK: - Chains

    /// Every run of the retry chain `runID` belongs to: from its root, by attempt.
    func chain(of runID: String) throws -> [Run] {
        let statement = try connection.cached(
            """
            WITH RECURSIVE up (id, parent_id) AS (
                SELECT id, parent_id FROM runs WHERE id = ?1
                UNION
                SELECT runs.id, runs.parent_id FROM runs JOIN up ON runs.id = up.parent_id
            ),
            root AS (SELECT id FROM up WHERE parent_id IS NULL),
            down (id) AS (
                SELECT id FROM root
                UNION
                SELECT runs.id FROM runs JOIN down ON runs.parent_id = down.id
            )
            SELECT \(Self.runColumns) \(Self.runFrom) WHERE r.id IN (SELECT id FROM down)
            ORDER BY r.attempt, r.num
            """)
        defer { statement.reset() }
        statement.bind(runID, at: 1)
        var runs: [Run] = []
        while try statement.step() { runs.append(Self.decodeRun(statement)) }
        return runs
    }

    /// The ids of the runs that retry or resubmit `runID`.
    func children(of runID: String) throws -> [String] {
        let statement = try connection.cached("SELECT id FROM runs WHERE parent_id = ? ORDER BY num")
        defer { statement.reset() }
        statement.bind(runID, at: 1)
        var ids: [String] = []
        while try statement.step() { ids.append(statement.string(at: 0)) }
        return ids
    }

    // MARK: - Heartbeats and the sweep

    /// Sets the run's heartbeat time; false when there is no such run.
    func heartbeat(runID: String, at: Timestamp) throws -> Bool {
        let statement = try connection.cached("UPDATE runs SET heartbeat_at = ? WHERE id = ?")
        defer { statement.reset() }
        statement.bind(at.rawValue, at: 1)
        statement.bind(runID, at: 2)
        try statement.run()
        return connection.changes > 0
    }

    /// A run the sweep may move: where it is and where it would go.
    struct SweepCandidate {
        let runID: String
        let state: String
        let target: String
        let time: Timestamp
    }

    /// What the sweep looks for: late runs (by `scheduled_at`, to the late state) or crashed
    /// ones (by `heartbeat_at`, to the crash state).
    enum SweepKind {
        case late, crashed

        /// Active runs whose time column is before `?1`, in a state with a plain edge to
        /// their lifecycle's target state, oldest first, at most `?2`.
        var sql: String {
            let (time, target) = self == .late ? ("scheduled_at", "late_state") : ("heartbeat_at", "crash_state")
            return """
                SELECT r.id, r.state, l.\(target), r.\(time)
                FROM runs AS r JOIN lifecycles AS l ON l.name = r.lifecycle
                WHERE r.ended_at IS NULL AND r.\(time) < ?1 AND l.\(target) IS NOT NULL
                  AND EXISTS (SELECT 1 FROM lifecycle_transitions AS t
                              WHERE t.lifecycle = r.lifecycle AND t.from_state = r.state AND t.to_state = l.\(target)
                                AND t.action IS NULL)
                ORDER BY r.\(time), r.num LIMIT ?2
                """
        }
    }

    /// The runs the sweep may move now: still waiting past `cutoff` for their scheduled start
    /// (late), or silent since before `cutoff` (crashed).
    func sweepCandidates(_ kind: SweepKind, before cutoff: Timestamp, limit: Int) throws -> [SweepCandidate] {
        try candidates(kind.sql, cutoff: cutoff, limit: limit)
    }

    private func candidates(_ sql: String, cutoff: Timestamp, limit: Int) throws -> [SweepCandidate] {
        let statement = try connection.cached(sql)
        defer { statement.reset() }
        statement.bind(cutoff.rawValue, at: 1)
        statement.bind(Int64(limit), at: 2)
        var found: [SweepCandidate] = []
        while try statement.step() {
            found.append(
                SweepCandidate(
                    runID: statement.string(at: 0), state: statement.string(at: 1), target: statement.string(at: 2),
                    time: Timestamp(rawValue: statement.int64(at: 3))))
        }
        return found
    }
}
