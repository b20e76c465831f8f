/// The SQL of heartbeats: `runs.heartbeat_at`, which the sweep reads (`Store+Sweep.swift`).
extension Store {
    /// Sets the run's heartbeat time; false when there is no such run.
    func heartbeat(runID: String, at: Timestamp) throws -> Bool {
        try connection.cached("UPDATE runs SET heartbeat_at = ? WHERE id = ?").execute(at.rawValue, runID)
        return connection.changes > 0
    }
}
