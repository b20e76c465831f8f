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
