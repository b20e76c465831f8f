/// A job's own limit of concurrently active runs.
public struct JobLimit: Sendable, Hashable, Codable {
    /// The job.
    public var job: String
    /// Its limit; nil: no limit.
    public var maxActive: Int?
    /// Its runs active now.
    public var active: Int

    /// Makes a limit value.
    public init(job: String, maxActive: Int?, active: Int) {
        self.job = job
        self.maxActive = maxActive
        self.active = active
    }
}
