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

    /// Whether the run has an annotation of this kind, at this time, with this reason (and,
    /// unless `anyMetadata`, this metadata): how the OpenLineage intake records an event once,
    /// without reading all of a streaming run's annotations at each event.
    func hasAnnotation(
        on runID: String, kind: String, at: Timestamp, reason: String?, metadata: String?, anyMetadata: Bool = false
    ) throws -> Bool {
        try connection.cached(
            """
            SELECT 1 FROM run_annotations
            WHERE run_id = ? AND kind = ? AND at = ? AND reason IS NOT DISTINCT FROM ?
              AND (? = 1 OR meta IS NOT DISTINCT FROM ?)
            LIMIT 1
            """
        ).fetchAll(
            arguments: [
                .text(runID), .text(kind), .integer(at.rawValue), reason.map(SQLValue.text) ?? .null,
                .integer(anyMetadata ? 1 : 0), metadata.map(SQLValue.text) ?? .null,
            ]
        ) { _ in true }.isEmpty == false
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
