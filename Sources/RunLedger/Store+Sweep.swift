/// The SQL of the sweep (`Ledger.sweep`): the runs it may mark late or crashed.
extension Store {
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
        var sql: String { query(lockingRuns: false) }

        /// The same, the runs' rows locked until the transaction ends (PostgreSQL): a
        /// heartbeat committed meanwhile is waited for, and its run, no longer silent past the
        /// cutoff, is not returned (READ COMMITTED checks a locked row again).
        var sqlLockingRuns: String { query(lockingRuns: true) }

        private func query(lockingRuns: Bool) -> String {
            let (time, target) = self == .late ? ("scheduled_at", "late_state") : ("heartbeat_at", "crash_state")
            return """
                SELECT r.id, r.state, l.\(target), r.\(time)
                FROM runs AS r JOIN lifecycles AS l ON l.name = r.lifecycle
                WHERE r.ended_at IS NULL AND r.\(time) < ?1 AND l.\(target) IS NOT NULL
                  AND EXISTS (SELECT 1 FROM lifecycle_transitions AS t
                              WHERE t.lifecycle = r.lifecycle AND t.from_state = r.state AND t.to_state = l.\(target)
                                AND t.action IS NULL)
                ORDER BY r.\(time), r.num LIMIT ?2
                """ + (lockingRuns ? " FOR UPDATE OF r" : "")
        }
    }

    /// The runs the sweep may move now: still waiting past `cutoff` for their scheduled start
    /// (late), or silent since before `cutoff` (crashed).
    func sweepCandidates(_ kind: SweepKind, before cutoff: Timestamp, limit: Int) throws -> [SweepCandidate] {
        try connection.cached(connection.engine == .sqlite ? kind.sql : kind.sqlLockingRuns).fetchAll(
            cutoff.rawValue, limit
        ) { row in
            SweepCandidate(
                runID: row.string(at: 0), state: row.string(at: 1), target: row.string(at: 2),
                time: Timestamp(rawValue: row.int64(at: 3)))
        }
    }
}
