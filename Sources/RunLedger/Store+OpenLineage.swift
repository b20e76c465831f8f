/// The SQL of received OpenLineage events (`openlineage_events`): every RunEvent the ledger
/// received, exactly as it was sent.
extension Store {
    /// One received event, as stored.
    struct ReceivedEvent {
        let id: Int64
        let receivedAt: Timestamp
        let sha256: String
        let runID: String
        let eventType: String?
        let eventTime: Timestamp
        let job: String
        let effect: String
        let note: String?
        let event: String
    }

    /// Whether an event with this hash was received before.
    func receivedEventExists(sha256: String) throws -> Bool {
        try connection.cached("SELECT 1 FROM openlineage_events WHERE sha256 = ?").fetchOne(sha256) { _ in true }
            ?? false
    }

    /// Keeps a received event; returns its id.
    func insertReceivedEvent(
        receivedAt: Timestamp, sha256: String, runID: String, eventType: String?, eventTime: Timestamp, job: String,
        effect: OpenLineageReceipt.Effect, note: String?, event: String
    ) throws -> Int64 {
        try connection.cached(
            connection.returning(
                """
                INSERT INTO openlineage_events (received_at, sha256, run_id, event_type, event_time, job, effect, note,
                                                event)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, "id")
        ).execute(
            receivedAt.rawValue, sha256, runID, eventType, eventTime.rawValue, job, effect.rawValue, note, event)
        return connection.lastInsertRowID
    }

    /// The events received for a run, in the order received.
    func receivedEvents(of runID: String) throws -> [ReceivedEvent] {
        try connection.cached(
            """
            SELECT id, received_at, sha256, run_id, event_type, event_time, job, effect, note, event
            FROM openlineage_events WHERE run_id = ? ORDER BY id
            """
        ).fetchAll(runID) { row in
            ReceivedEvent(
                id: row.int64(at: 0), receivedAt: Timestamp(rawValue: row.int64(at: 1)), sha256: row.string(at: 2),
                runID: row.string(at: 3), eventType: row.optionalString(at: 4),
                eventTime: Timestamp(rawValue: row.int64(at: 5)), job: row.string(at: 6), effect: row.string(at: 7),
                note: row.optionalString(at: 8), event: row.string(at: 9))
        }
    }

    /// The state of the run's first history row, or nil when there is no such run.
    func firstState(ofRun runID: String) throws -> String? {
        try connection.cached(
            """
            SELECT c.to_state FROM state_changes AS c JOIN runs AS r ON r.num = c.run_num
            WHERE r.id = ? ORDER BY c.seq LIMIT 1
            """
        ).fetchOne(runID) { $0.string(at: 0) }
    }
}
