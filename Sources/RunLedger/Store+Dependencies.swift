/// The SQL of dependencies between runs (`run_dependencies`).
extension Store {
    /// Records that `runID` waits for `upstreamID`.
    func insertDependency(runID: String, upstreamID: String) throws {
        try connection.cached("INSERT INTO run_dependencies (run_id, upstream_id) VALUES (?, ?)")
            .execute(runID, upstreamID)
    }

    /// The upstream runs of `runID`, each with whether it has completed successfully.
    func upstreams(of runID: String) throws -> [(id: String, isCompleted: Bool)] {
        try connection.cached(
            """
            SELECT d.upstream_id, coalesce(o.canonical_type, s.canonical_type) = 'COMPLETED'
            FROM run_dependencies AS d JOIN runs AS r ON r.id = d.upstream_id
            LEFT JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = r.state
            LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = r.outcome
            WHERE d.run_id = ? ORDER BY r.num
            """
        ).fetchAll(runID) { row in (id: row.string(at: 0), isCompleted: row.int64(at: 1) != 0) }
    }
}
