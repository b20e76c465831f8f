import Foundation
import Testing

@testable import RunLedger

/// `Ledger.stats(_:)` reads histograms the triggers keep (`stats_run_durations`,
/// `stats_state_durations`); these tests hold them to the runs and history they summarize,
/// on both engines.
struct StatsTests {
    /// 2026-01-01T00:00:00Z.
    static let t0 = Timestamp(rawValue: 1_767_225_600_000_000)

    static func at(_ seconds: Double) -> Timestamp {
        Timestamp(rawValue: t0.rawValue + Int64(seconds * 1_000_000))
    }

    /// Runs of two jobs and two lifecycles with spread-out durations, an OpenCue run that is
    /// retried out of a terminal state and ends again, active runs, and outcomes.
    static func fill(_ ledger: Ledger, runs: Int = 120) throws {
        var random = SystemRandomNumberGenerator()
        for index in 0..<runs {
            let job = index % 3 == 0 ? "etl" : "train"
            let start = Double(index) * 10
            let run = try ledger.start(job: job, id: "run-\(index)", state: "PENDING", at: at(start))
            guard index % 7 != 0 else { continue }  // active, PENDING
            let running = start + Double.random(in: 0.0001...40, using: &random)
            try ledger.transition(run.id, to: "RUNNING", at: at(running))
            guard index % 11 != 0 else { continue }  // active, RUNNING
            let end = running + Double.random(in: 0.5...3000, using: &random)
            try ledger.transition(run.id, to: index % 4 == 0 ? "FAILED" : "COMPLETED", at: at(end))
        }
        for index in 0..<6 {
            let run = try ledger.start(job: "render", lifecycle: "opencue", id: "cue-\(index)", at: at(Double(index)))
            try ledger.transition(run.id, to: "running", at: at(Double(index) + 2))
            try ledger.transition(run.id, to: index % 2 == 0 ? "failed" : "complete", at: at(Double(index) + 90))
            if index % 2 == 0 {
                try ledger.perform("retry", on: run.id, at: at(Double(index) + 100))
                try ledger.transition(run.id, to: "running", at: at(Double(index) + 130))
                try ledger.transition(run.id, to: "complete", at: at(Double(index) * 7 + 400))
            }
        }
        let databricks = try ledger.start(job: "notebook", lifecycle: "databricks", id: "db-0", at: at(0))
        try ledger.transition(databricks.id, to: "RUNNING", at: at(5))
        try ledger.transition(databricks.id, to: "TERMINATING", at: at(65))
        try ledger.transition(databricks.id, to: "TERMINATED", at: at(70), outcome: "FAILED")
    }

    /// The stats of every run, from the stats tables and from the runs themselves (a time
    /// window that holds every run takes the second way).
    static func bothWays(_ ledger: Ledger, _ grouping: StatsQuery.Grouping = .job) throws -> ([RunStats], [RunStats]) {
        (
            try ledger.stats(StatsQuery(grouping: grouping)),
            try ledger.stats(StatsQuery(grouping: grouping, createdSince: Timestamp(rawValue: 0)))
        )
    }

    /// Whether two stats agree exactly but for order statistics, which may differ by 1%.
    static func agree(_ left: [RunStats], _ right: [RunStats]) -> Bool {
        func close(_ a: DurationSummary?, _ b: DurationSummary?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            func near(_ x: Double, _ y: Double) -> Bool { abs(x - y) <= max(abs(x), abs(y)) * 0.01 }
            return a.count == b.count && abs(a.mean - b.mean) < 1e-6 && near(a.p50, b.p50) && near(a.p95, b.p95)
                && near(a.max, b.max)
        }
        func withoutTimes(_ stats: RunStats) -> RunStats {
            var stats = stats
            stats.duration = nil
            stats.states = stats.states.map { state in
                var state = state
                state.time = nil
                return state
            }
            return stats
        }
        return left.count == right.count
            && zip(left, right).allSatisfy { a, b in
                withoutTimes(a) == withoutTimes(b) && close(a.duration, b.duration)
                    && zip(a.states, b.states).allSatisfy { close($0.time, $1.time) }
            }
    }

    @Test(arguments: Ledger.Engine.allCases) func theStatsTablesAgreeWithTheRunsThemselves(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            try Self.fill(ledger)
            for grouping in StatsQuery.Grouping.allCases {
                let (tables, runs) = try Self.bothWays(ledger, grouping)
                #expect(!tables.isEmpty)
                #expect(tables == runs)
            }
            #expect(try ledger.verify().isClean)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func countsAndPercentilesMatchAnExactComputation(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            try Self.fill(ledger, runs: 300)
            let stats = try #require(try ledger.stats().first { $0.group == "train" })
            let runs = try ledger.runs(matching: RunQuery(job: "train"))
            let ended = runs.filter { $0.endedAt != nil }
            #expect(stats.runs == runs.count)
            #expect(stats.active == runs.count - ended.count)
            #expect(stats.byCanonicalType[.failed] == ended.filter { $0.state == "FAILED" }.count)
            #expect(stats.successRate == Double(ended.filter { $0.state == "COMPLETED" }.count) / Double(ended.count))

            let exact = try #require(
                DurationSummary(seconds: ended.map { Double($0.endedAt!.rawValue - $0.createdAt.rawValue) / 1e6 }))
            let summary = try #require(stats.duration)
            #expect(summary.count == exact.count)
            #expect(abs(summary.mean - exact.mean) < 1e-6)
            #expect(summary.max == exact.max)
            #expect(abs(summary.p50 - exact.p50) <= exact.p50 * 0.01)
            #expect(abs(summary.p95 - exact.p95) <= exact.p95 * 0.01)

            // Time in PENDING, from each run's history.
            var pending: [Double] = []
            for run in runs {
                let history = try ledger.history(of: run.id)
                for (row, next) in zip(history, history.dropFirst()) where row.to == "PENDING" {
                    pending.append(Double(next.at.rawValue - row.at.rawValue) / 1e6)
                }
            }
            let exactPending = try #require(DurationSummary(seconds: pending))
            let time = try #require(stats.states.first { $0.state == "PENDING" }?.time)
            #expect(time.count == exactPending.count)
            #expect(abs(time.mean - exactPending.mean) < 1e-6)
            #expect(abs(time.p95 - exactPending.p95) <= exactPending.p95 * 0.01)
        }
    }

    @Test func aDurationHistogramIsExactForFewValuesPerBucket() throws {
        var histogram = DurationHistogram()
        for value: Int64 in [7, 999, 1000, 1009, 1010, 123_456_789, 123_499_999] {
            histogram.add(
                key: DurationHistogram.key(of: value), .init(count: 1, total: value, min: value, max: value))
            #expect(DurationHistogram.range(of: DurationHistogram.key(of: value)).contains(value))
        }
        #expect(DurationHistogram.key(of: 1009) == DurationHistogram.key(of: 1000))
        #expect(DurationHistogram.key(of: 1010) > DurationHistogram.key(of: 1009))
        #expect(DurationHistogram.key(of: 123_456_789) == DurationHistogram.key(of: 123_499_999))
        let summary = try #require(DurationSummary(histogram: histogram))
        #expect(summary.count == 7)
        #expect(summary.p50 == 1009 / 1e6)  // rank 4: the largest of its bucket
        #expect(summary.max == 123_499_999 / 1e6)
    }

    @Test(arguments: Ledger.Engine.allCases) func theTriggersComputeTheSameBucketsAsTheLibrary(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            let durations: [Int64] = [0, 1, 999, 1000, 1010, 9999, 10_000, 59_999_999, 86_400_000_000]
            for (index, duration) in durations.enumerated() {
                let run = try ledger.start(job: "b", id: "b-\(index)", state: "RUNNING", at: Self.t0)
                try ledger.transition(run.id, to: "COMPLETED", at: Timestamp(rawValue: Self.t0.rawValue + duration))
            }
            let buckets = try ledger.read { connection in
                var buckets: [Int64: Int64] = [:]
                try connection.prepare("SELECT total_us, bucket FROM stats_run_durations WHERE job = 'b'")
                    .forEachRow { buckets[$0.int64(at: 0)] = $0.int64(at: 1) }
                return buckets
            }
            for duration in durations {
                #expect(buckets[duration] == DurationHistogram.key(of: duration), "duration \(duration)")
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aPruneTakesItsRunsOutOfTheStats(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            try Self.fill(ledger)
            let before = try ledger.stats().first { $0.group == "train" }
            // Every run started before 660 s has ended by 3,700 s, whatever `fill` drew (an
            // earlier cutoff left, by chance, no train run to prune in about one run in ten).
            _ = try ledger.prune(terminalBefore: Self.at(3700))
            let (tables, runs) = try Self.bothWays(ledger)
            // A bucket's smallest and largest are bounds once runs leave it: percentiles and
            // max stay within the bucket (1%); counts and means stay exact.
            #expect(Self.agree(tables, runs))
            #expect(tables.first { $0.group == "train" }?.runs ?? 0 < before?.runs ?? 0)
            #expect(try ledger.verify().isClean)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func verifyFindsStatsTablesThatDisagreeWithTheHistory(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, database in
            try Self.fill(ledger, runs: 20)
            // A foreign client edits a stats table; no rule stops it, but verify sees it.
            let edit = try database.run("UPDATE stats_run_durations SET runs = runs + 1 WHERE job = 'etl';")
            #expect(edit.status == 0, "\(edit.stderr)")
            let report = try ledger.verify()
            #expect(report.problems.contains { $0.check == "stats" && $0.detail.contains("etl") })
            #expect(!report.problems.contains { $0.check == "stats" && $0.detail.contains("train") })
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aForeignClientsWritesAreCountedToo(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let sql = """
                INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('sql-1', 'shell', 'canonical', 'PENDING', 1000000);
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('sql-1', 'PENDING', 'RUNNING', 3000000);
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('sql-1', 'RUNNING', 'COMPLETED', 8000000);
                """
            let result = try database.run(sql)
            #expect(result.status == 0, "\(result.stderr)")
            let stats = try #require(try ledger.stats().first { $0.group == "shell" })
            #expect(stats.duration?.max == 7)
            #expect(stats.states.first { $0.state == "PENDING" }?.time?.mean == 2)
            #expect(stats.states.first { $0.state == "RUNNING" }?.time?.mean == 5)
            #expect(try ledger.verify().isClean)
        }
    }
}
