/// The SQL of annotations (`run_annotations`): facts about a run that do not move it.
extension Store {
    /// Records an annotation; returns its id.
    func insertAnnotation(
        runID: String, kind: String, at: Timestamp, actor: String?, reason: String?, metadata: String?
    ) throws -> Int64 {
        try connection.cached(
            connection.returning(
                "INSERT INTO run_annotations (run_id, at, kind, actor, reason, meta) VALUES (?, ?, ?, ?, ?, ?)", "id")
        ).execute(runID, at.rawValue, kind, actor, reason, metadata)
        return connection.lastInsertRowID
    }

    /// The run's annotations, oldest first.
    func annotations(of runID: String) throws -> [Annotation] {
        try connection.cached(
            "SELECT id, at, kind, actor, reason, meta FROM run_annotations WHERE run_id = ? ORDER BY id"
        ).fetchAll(runID) { row in
            Annotation(
                id: row.int64(at: 0), runID: runID, at: Timestamp(rawValue: row.int64(at: 1)),
                kind: row.string(at: 2), actor: row.optionalString(at: 3), reason: row.optionalString(at: 4),
                metadata: row.optionalString(at: 5))
        }
    }
}
