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
