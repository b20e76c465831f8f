/// The SQL of concurrency limits (`jobs`): a job's own limit of active runs.
extension Store {
    /// Sets a job's own limit (nil: none), or with `remove` goes back to the lifecycle default.
    func setLimit(job: String, maxActive: Int?, remove: Bool) throws {
        if remove {
            try connection.cached("DELETE FROM jobs WHERE job = ?").execute(job)
        } else {
            try connection.cached(
                """
                INSERT INTO jobs (job, max_active) VALUES (?, ?)
                ON CONFLICT (job) DO UPDATE SET max_active = excluded.max_active
                """
            ).execute(job, maxActive)
        }
    }

    /// Every job that sets its own limit.
    func limits() throws -> [JobLimit] {
        try connection.cached(
            """
            SELECT j.job, j.max_active, (SELECT count(*) FROM runs WHERE job = j.job AND ended_at IS NULL)
            FROM jobs AS j ORDER BY j.job
            """
        ).fetchAll { row in
            JobLimit(
                job: row.string(at: 0), maxActive: row.optionalInt64(at: 1).map { Int($0) },
                active: Int(row.int64(at: 2)))
        }
    }
}
