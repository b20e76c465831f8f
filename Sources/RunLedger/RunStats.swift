/// Which runs `Ledger.stats(_:)` counts, and how it groups them.
public struct StatsQuery: Sendable, Hashable {
    /// What a group of runs shares.
    public enum Grouping: String, Sendable, CaseIterable {
        /// One group per job.
        case job
        /// One group per lifecycle.
        case lifecycle
    }

    /// How runs are grouped; by job by default.
    public var grouping: Grouping
    /// Only runs of this job.
    public var job: String?
    /// Only runs of this lifecycle.
    public var lifecycle: String?
    /// Only runs created at or after this time.
    public var createdSince: Timestamp?
    /// Only runs created before this time.
    public var createdBefore: Timestamp?

    /// Makes a query; with no argument it covers every run, grouped by job.
    public init(
        grouping: Grouping = .job, job: String? = nil, lifecycle: String? = nil, createdSince: Timestamp? = nil,
        createdBefore: Timestamp? = nil
    ) {
        self.grouping = grouping
        self.job = job
        self.lifecycle = lifecycle
        self.createdSince = createdSince
        self.createdBefore = createdBefore
    }
}

/// Order statistics of a set of durations, in seconds (nearest-rank percentiles).
///
/// `Ledger.stats(_:)` reads them from histograms the ledger keeps as rows are written (see
/// `stats_run_durations` and `stats_state_durations` in README): count, mean and max are
/// exact; a percentile is exact when its histogram bucket holds at most two distinct
/// values, and otherwise within 1% of the exact value (a bucket spans the durations that
/// agree in their three leading digits).
public struct DurationSummary: Sendable, Hashable {
    /// How many durations.
    public var count: Int
    /// Their mean.
    public var mean: Double
    /// The median: the smallest value at least half of them do not exceed.
    public var p50: Double
    /// The 95th percentile: the smallest value at least 95% of them do not exceed.
    public var p95: Double
    /// The largest.
    public var max: Double

    /// Summarizes durations; nil when there are none.
    public init?(seconds values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ percent: Double) -> Double {
            let index = Int((percent / 100 * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, index))]
        }
        count = sorted.count
        mean = sorted.reduce(0, +) / Double(sorted.count)
        p50 = rank(50)
        p95 = rank(95)
        max = sorted[sorted.count - 1]
    }

    /// Summarizes a histogram of durations in microseconds; nil when it is empty.
    init?(histogram: DurationHistogram) {
        let buckets = histogram.merged()
        let total = buckets.reduce(0) { $0 + $1.bucket.count }
        guard total > 0 else { return nil }
        func rank(_ percent: Double) -> Double {
            let rank = Swift.max(1, Int((percent / 100 * Double(total)).rounded(.up)))
            var before = 0
            for (key, bucket) in buckets {
                if before + bucket.count >= rank {
                    return bucket.estimate(rank: rank - before, key: key) / 1_000_000
                }
                before += bucket.count
            }
            return Double(buckets[buckets.count - 1].bucket.max) / 1_000_000
        }
        count = total
        mean = Double(buckets.reduce(Int64(0)) { $0 + $1.bucket.total }) / Double(total) / 1_000_000
        p50 = rank(50)
        p95 = rank(95)
        max = Double(buckets.map(\.bucket.max).max() ?? 0) / 1_000_000
    }
}

/// Durations in microseconds, counted in buckets of the durations that agree in their three
/// leading digits (each duration under 1,000 has a bucket of its own): the shape of the
/// ledger's `stats_*_durations` tables, whose `bucket` column holds the same keys.
struct DurationHistogram {
    /// The durations of one bucket: how many, their sum, the smallest and the largest.
    struct Bucket {
        var count: Int
        var total: Int64
        var min: Int64
        var max: Int64

        /// Counts one more duration.
        mutating func add(_ duration: Int64) {
            add(Bucket(count: 1, total: duration, min: duration, max: duration))
        }

        /// Counts another bucket's durations too.
        mutating func add(_ other: Bucket) {
            count += other.count
            total += other.total
            min = Swift.min(min, other.min)
            max = Swift.max(max, other.max)
        }

        /// The value of the `rank`-th smallest duration of the bucket (from 1), interpolated
        /// between its smallest and largest, and within the bucket's range: exact for the
        /// first and the last.
        func estimate(rank: Int, key: Int64) -> Double {
            let range = DurationHistogram.range(of: key)
            let low = Swift.max(min, range.lowerBound)
            let high = Swift.max(low, Swift.min(max, range.upperBound))
            guard count > 1 else { return Double(low) }
            return Double(low) + Double(high - low) * Double(rank - 1) / Double(count - 1)
        }
    }

    /// Buckets as added, in any order; a key may come more than once.
    private(set) var entries: [(key: Int64, bucket: Bucket)] = []

    /// The bucket key of a duration: itself under 1,000, else its number of digits times
    /// 1,000 plus its three leading digits (so keys sort like durations).
    static func key(of duration: Int64) -> Int64 {
        guard duration >= 1000 else { return duration }
        var digits: Int64 = 0
        var lead = duration
        while lead >= 1000 {
            lead /= 10
            digits += 1
        }
        return (digits + 3) * 1000 + lead
    }

    /// The durations a bucket key stands for.
    static func range(of key: Int64) -> ClosedRange<Int64> {
        guard key >= 1000 else { return key...key }
        var scale: Int64 = 1
        for _ in 0..<(key / 1000 - 3) { scale *= 10 }
        let lead = key % 1000
        return (lead * scale)...((lead + 1) * scale - 1)
    }

    /// Adds a bucket's counts (from a row of the ledger's tables).
    mutating func add(key: Int64, _ bucket: Bucket) {
        entries.append((key, bucket))
    }

    /// Adds another histogram's buckets.
    mutating func add(_ other: DurationHistogram) {
        entries += other.entries
    }

    /// The buckets sorted by key, those of one key merged into one.
    func merged() -> [(key: Int64, bucket: Bucket)] {
        var sorted = entries
        if !sorted.indices.dropFirst().allSatisfy({ sorted[$0 - 1].key <= sorted[$0].key }) {
            sorted.sort { $0.key < $1.key }
        }
        var merged: [(key: Int64, bucket: Bucket)] = []
        merged.reserveCapacity(sorted.count)
        for (key, bucket) in sorted {
            if merged.last?.key == key {
                merged[merged.count - 1].bucket.add(bucket)
            } else {
                merged.append((key, bucket))
            }
        }
        return merged
    }
}

/// The stats of one group of runs (a job, or a lifecycle).
public struct RunStats: Sendable, Hashable {
    /// Time spent in one state of one lifecycle, over every stay that ended.
    public struct StateTime: Sendable, Hashable {
        /// The lifecycle the state belongs to.
        public var lifecycle: String
        /// The state.
        public var state: String
        /// Its canonical type.
        public var canonicalType: CanonicalType
        /// Whether it is terminal.
        public var isTerminal: Bool
        /// Runs currently in this state.
        public var current: Int
        /// Durations of the stays in this state that ended (a run moved on); nil if none did.
        public var time: DurationSummary?
    }

    /// The job or lifecycle the group shares.
    public var group: String
    /// Runs in the group.
    public var runs: Int
    /// Runs whose current state is not terminal.
    public var active: Int
    /// Runs by the canonical type of their current state.
    public var byCanonicalType: [CanonicalType: Int]
    /// COMPLETED runs over terminal runs, from 0 to 1; nil when no run has ended.
    public var successRate: Double?
    /// Durations of terminal runs, from creation to their terminal state.
    public var duration: DurationSummary?
    /// Each state runs of the group are or were in: how many are in it now, and how long
    /// stays in it lasted.
    public var states: [StateTime]

    /// Runs that have ended.
    public var terminal: Int { runs - active }
}
