/// The SQL of retry chains: runs linked by `parent_id`.
extension Store {
    /// Every run of the retry chain `runID` belongs to: from its root, by attempt.
    func chain(of runID: String) throws -> [Run] {
        try connection.cached(
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
            """
        ).fetchAll(runID, decode: Self.decodeRun)
    }

    /// The ids of the runs that retry or resubmit `runID`.
    func children(of runID: String) throws -> [String] {
        try connection.cached("SELECT id FROM runs WHERE parent_id = ? ORDER BY num").fetchAll(runID) {
            $0.string(at: 0)
        }
    }
}
