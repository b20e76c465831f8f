import Foundation
import Testing

@testable import RunLedger

/// `Ledger.metrics(maxJobs:now:)` and its Prometheus text: exact figures for a ledger built
/// here, the same figures as counted from the runs and history by a foreign client (after
/// the client's own writes and a prune), no read of the history, the bound on jobs, label
/// escaping, and the text format as a parser (ours, then Prometheus' own Python one) reads it.
struct MetricsTests {
    /// 2026-01-01T00:00:00Z.
    static let t0 = Timestamp(rawValue: 1_767_225_600_000_000)

    static func at(_ seconds: Double) -> Timestamp {
        Timestamp(rawValue: t0.rawValue + Int64((seconds * 1_000_000).rounded()))
    }

    /// The time the known ledger is read at.
    static let now = at(1000)

    /// Runs of four jobs and three lifecycles, with durations on bucket boundaries:
    /// - etl (canonical): COMPLETED in 3 s, FAILED in 10 s and 70 s, CANCELLED in 5 s, one
    ///   active RUNNING (created at 300 s), one active PENDING (400 s);
    /// - notebook (databricks): TERMINATED with SUCCESS in 70 s, then with FAILED in 60 s;
    /// - render (opencue): failed, retried out of the terminal state, complete at 50 s;
    /// - never (canonical): CRASHED in 1 s, FAILED in 2.5 s; no success.
    static func fillKnown(_ ledger: Ledger) throws {
        func run(_ job: String, _ id: String, _ steps: [(Double, String)], lifecycle: String = "canonical") throws {
            let first = try #require(steps.first)
            _ = try ledger.start(job: job, lifecycle: lifecycle, id: id, state: first.1, at: at(first.0))
            for (time, state) in steps.dropFirst() {
                if state.hasPrefix("!") {
                    try ledger.perform(String(state.dropFirst()), on: id, at: at(time))
                } else if let colon = state.firstIndex(of: ":") {
                    try ledger.transition(
                        id, to: String(state[..<colon]), at: at(time), outcome: String(state[colon...].dropFirst()))
                } else {
                    try ledger.transition(id, to: state, at: at(time))
                }
            }
        }
        try run("etl", "e1", [(0, "PENDING"), (1, "RUNNING"), (3, "COMPLETED")])
        try run("etl", "e2", [(10, "PENDING"), (11, "RUNNING"), (20, "FAILED")])
        try run("etl", "e3", [(30, "PENDING"), (31, "RUNNING"), (100, "FAILED")])
        try run("etl", "e4", [(200, "PENDING"), (205, "CANCELLED")])
        try run("etl", "e5", [(300, "PENDING"), (310, "RUNNING")])
        try run("etl", "e6", [(400, "PENDING")])
        try run(
            "notebook", "d1", [(0, "PENDING"), (5, "RUNNING"), (65, "TERMINATING"), (70, "TERMINATED:SUCCESS")],
            lifecycle: "databricks")
        try run(
            "notebook", "d2", [(100, "PENDING"), (105, "RUNNING"), (160, "TERMINATED:FAILED")], lifecycle: "databricks")
        try run(
            "render", "c1",
            [(0, "pending"), (2, "running"), (10, "failed"), (20, "!retry"), (25, "running"), (50, "complete")],
            lifecycle: "opencue")
        try run("never", "n1", [(0, "PENDING"), (1, "CRASHED")])
        try run("never", "n2", [(2, "PENDING"), (3, "RUNNING"), (4.5, "FAILED")])
    }

    /// Cumulative counts over `LedgerMetrics.durationBuckets` of these durations, in seconds.
    static func cumulative(_ durations: [Double]) -> [Int] {
        LedgerMetrics.durationBuckets.map { bound in durations.filter { $0 <= bound }.count }
    }

    static func durations(_ job: String, _ type: CanonicalType, _ seconds: [Double]) -> LedgerMetrics.RunDurations {
        LedgerMetrics.RunDurations(
            job: job, canonicalType: type, cumulativeCounts: cumulative(seconds), count: seconds.count,
            totalMicroseconds: Int64((seconds.reduce(0, +) * 1_000_000).rounded()))
    }

    // MARK: - Exact figures

    @Test(arguments: Ledger.Engine.allCases) func theFiguresOfAKnownLedgerAreExact(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, database in
            try Self.fillKnown(ledger)
            let metrics = try ledger.metrics(now: Self.now)
            typealias Count = LedgerMetrics.RunCount
            #expect(metrics.readAt == Self.now)
            #expect(
                metrics.runs == [
                    Count(job: "etl", lifecycle: "canonical", state: "CANCELLED", canonicalType: .cancelled, runs: 1),
                    Count(job: "etl", lifecycle: "canonical", state: "COMPLETED", canonicalType: .completed, runs: 1),
                    Count(job: "etl", lifecycle: "canonical", state: "FAILED", canonicalType: .failed, runs: 2),
                    Count(job: "etl", lifecycle: "canonical", state: "PENDING", canonicalType: .pending, runs: 1),
                    Count(job: "etl", lifecycle: "canonical", state: "RUNNING", canonicalType: .running, runs: 1),
                    Count(job: "never", lifecycle: "canonical", state: "CRASHED", canonicalType: .crashed, runs: 1),
                    Count(job: "never", lifecycle: "canonical", state: "FAILED", canonicalType: .failed, runs: 1),
                    // TERMINATED with outcome FAILED counts as FAILED, with SUCCESS as COMPLETED.
                    Count(
                        job: "notebook", lifecycle: "databricks", state: "TERMINATED", canonicalType: .completed,
                        runs: 1),
                    Count(
                        job: "notebook", lifecycle: "databricks", state: "TERMINATED", canonicalType: .failed, runs: 1),
                    Count(job: "render", lifecycle: "opencue", state: "complete", canonicalType: .completed, runs: 1),
                ])

            // Every state of each lifecycle a job uses, zero where no run entered it.
            let entered: [String: Int] = [
                "etl|canonical|PENDING": 6, "etl|canonical|RUNNING": 4, "etl|canonical|COMPLETED": 1,
                "etl|canonical|FAILED": 2, "etl|canonical|CANCELLED": 1,
                "never|canonical|PENDING": 2, "never|canonical|RUNNING": 1, "never|canonical|CRASHED": 1,
                "never|canonical|FAILED": 1,
                "notebook|databricks|PENDING": 2, "notebook|databricks|RUNNING": 2,
                "notebook|databricks|TERMINATING": 1, "notebook|databricks|TERMINATED": 2,
                "render|opencue|pending": 2, "render|opencue|running": 2, "render|opencue|failed": 1,
                "render|opencue|complete": 1,
            ]
            var expected: [String: Int] = [:]
            let pairs = [
                ("etl", "canonical"), ("never", "canonical"), ("notebook", "databricks"), ("render", "opencue"),
            ]
            for (job, lifecycle) in pairs {
                for state in try #require(try ledger.lifecycle(named: lifecycle)).states {
                    let key = "\(job)|\(lifecycle)|\(state.name)"
                    expected[key] = entered[key] ?? 0
                }
            }
            #expect(
                Dictionary(
                    uniqueKeysWithValues: metrics.stateChanges.map {
                        ("\($0.job)|\($0.lifecycle)|\($0.state)", $0.entries)
                    }
                ) == expected)
            #expect(metrics.stateChanges.count == expected.count)

            #expect(
                metrics.runDurations == [
                    Self.durations("etl", .cancelled, [5]), Self.durations("etl", .completed, [3]),
                    Self.durations("etl", .failed, [10, 70]), Self.durations("never", .crashed, [1]),
                    Self.durations("never", .failed, [2.5]), Self.durations("notebook", .completed, [70]),
                    Self.durations("notebook", .failed, [60]), Self.durations("render", .completed, [50]),
                ])
            // A run that lasted exactly a boundary is in that boundary's bucket.
            let etlFailed = try #require(metrics.runDurations.first { $0.job == "etl" && $0.canonicalType == .failed })
            #expect(etlFailed.cumulativeCounts == [0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2])

            #expect(
                metrics.oldestActiveRuns == [
                    LedgerMetrics.OldestActiveRun(
                        job: "etl", lifecycle: "canonical", state: "PENDING", createdAt: Self.at(400),
                        ageMicroseconds: 600_000_000),
                    LedgerMetrics.OldestActiveRun(
                        job: "etl", lifecycle: "canonical", state: "RUNNING", createdAt: Self.at(300),
                        ageMicroseconds: 700_000_000),
                ])

            #expect(
                metrics.jobs == [
                    // The CANCELLED run after the two failures neither counts nor ends the streak.
                    LedgerMetrics.JobHealth(job: "etl", lastSuccess: Self.at(3), consecutiveFailures: 2),
                    LedgerMetrics.JobHealth(job: "never", lastSuccess: nil, consecutiveFailures: 2),
                    // Databricks TERMINATED + FAILED is a failure.
                    LedgerMetrics.JobHealth(job: "notebook", lastSuccess: Self.at(70), consecutiveFailures: 1),
                    // The failure that was retried out of is not an ended failure.
                    LedgerMetrics.JobHealth(job: "render", lastSuccess: Self.at(50), consecutiveFailures: 0),
                ])

            #expect(try Self.oracle(database, now: Self.now) == Self.nonZero(metrics))
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func theTextOfAKnownLedgerIsAsExpected(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            try Self.fillKnown(ledger)
            let text = try ledger.metrics(now: Self.now).prometheusText
            #expect(Self.formatProblems(text).isEmpty, "\(Self.formatProblems(text))")
            let lines = Set(text.split(separator: "\n").map(String.init))
            for line in [
                #"runledger_consecutive_failures{job="etl"} 2"#,
                #"runledger_consecutive_failures{job="never"} 2"#,
                #"runledger_last_success_timestamp_seconds{job="etl"} 1767225603"#,
                #"runledger_oldest_active_run_age_seconds{job="etl",lifecycle="canonical",state="RUNNING"} 700"#,
                #"runledger_run_duration_seconds_bucket{job="etl",canonical_type="FAILED",le="5"} 0"#,
                #"runledger_run_duration_seconds_bucket{job="etl",canonical_type="FAILED",le="10"} 1"#,
                #"runledger_run_duration_seconds_bucket{job="etl",canonical_type="FAILED",le="300"} 2"#,
                #"runledger_run_duration_seconds_bucket{job="etl",canonical_type="FAILED",le="+Inf"} 2"#,
                #"runledger_run_duration_seconds_bucket{job="never",canonical_type="FAILED",le="0.01"} 0"#,
                #"runledger_run_duration_seconds_sum{job="never",canonical_type="FAILED"} 2.5"#,
                #"runledger_run_duration_seconds_count{job="etl",canonical_type="FAILED"} 2"#,
                #"runledger_runs{job="notebook",lifecycle="databricks",state="TERMINATED",canonical_type="FAILED"} 1"#,
                #"runledger_state_changes_total{job="etl",lifecycle="canonical",to_state="PENDING"} 6"#,
                #"runledger_state_changes_total{job="etl",lifecycle="canonical",to_state="SKIPPED"} 0"#,
                "# TYPE runledger_state_changes_total counter",
                "# TYPE runledger_run_duration_seconds histogram",
                "# TYPE runledger_runs gauge",
            ] {
                #expect(lines.contains(line), "missing: \(line)")
            }
            // No sample for a job that never succeeded.
            #expect(!text.contains(#"runledger_last_success_timestamp_seconds{job="never"}"#))
        }
    }

    // MARK: - The same numbers as the history

    /// A seeded mix of runs of three lifecycles, skips at a Databricks limit, retries out of
    /// terminal states, and active runs; durations kept off the buckets' boundaries.
    static func fillMixed(_ ledger: Ledger, seed: UInt64, runs: Int = 90) throws {
        var random = MetricsRandom(seed: seed)
        let bounds = Set(LedgerMetrics.durationBucketMicroseconds)
        func step() -> Int64 {
            // Mostly seconds to minutes, sometimes milliseconds or hours.
            switch random.next() % 10 {
            case 0: Int64(random.next() % 20_000)
            case 1: Int64(random.next() % 9_000_000_000)
            default: Int64(random.next() % 400_000_000)
            }
        }
        for index in 0..<runs {
            let job = ["etl", "train", "report", "lonely"][index % 4]
            var time = t0.rawValue + Int64(index) * 30_000_000
            let created = time
            func next() -> Timestamp {
                time += step()
                return Timestamp(rawValue: time)
            }
            func end() -> Timestamp {
                time += step()
                if bounds.contains(time - created) { time += 1 }
                return Timestamp(rawValue: time)
            }
            switch index % 3 {
            case 0:
                let run = try ledger.start(job: job, id: "m-\(index)", state: "PENDING", at: Timestamp(rawValue: time))
                guard random.next() % 6 != 0 else { continue }
                try ledger.transition(run.id, to: "RUNNING", at: next())
                guard random.next() % 6 != 0 else { continue }
                let ends = ["COMPLETED", "COMPLETED", "FAILED", "CRASHED", "CANCELLED"]
                try ledger.transition(run.id, to: ends[Int(random.next() % 5)], at: end())
            case 1:
                let run = try ledger.start(
                    job: job + "-db", lifecycle: "databricks", id: "m-\(index)", at: Timestamp(rawValue: time))
                guard run.state == "PENDING" else { continue }  // skipped at the job's limit
                try ledger.transition(run.id, to: "RUNNING", at: next())
                guard random.next() % 5 != 0 else { continue }
                let outcomes = ["SUCCESS", "FAILED", "TIMEDOUT", "CANCELED", "SUCCESS"]
                try ledger.transition(
                    run.id, to: "TERMINATED", at: end(), outcome: outcomes[Int(random.next() % 5)])
            default:
                let run = try ledger.start(
                    job: "render", lifecycle: "opencue", id: "m-\(index)", at: Timestamp(rawValue: time))
                try ledger.transition(run.id, to: "running", at: next())
                try ledger.transition(run.id, to: random.next() % 2 == 0 ? "failed" : "complete", at: end())
                if random.next() % 2 == 0, try ledger.run(id: run.id)?.state == "failed" {
                    try ledger.perform("retry", on: run.id, at: next())
                    try ledger.transition(run.id, to: "running", at: next())
                    try ledger.transition(run.id, to: "complete", at: end())
                }
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func theFiguresEqualTheHistoryCountedByAForeignClient(
        _ engine: Ledger.Engine
    ) throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        try withTemporaryLedger(engine) { ledger, database in
            try Self.fillMixed(ledger, seed: seed)
            let now = Self.at(100_000)
            #expect(try Self.oracle(database, now: now) == Self.nonZero(try ledger.metrics(now: now)), "seed \(seed)")

            // A foreign client's own writes count the same.
            let sql = """
                INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('sql-1', 'shell', 'canonical', 'PENDING', \(Self.at(10).rawValue));
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('sql-1', 'PENDING', 'RUNNING', \(Self.at(12).rawValue));
                INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('sql-1', 'RUNNING', 'FAILED', \(Self.at(19.5).rawValue));
                INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('sql-2', 'etl', 'canonical', 'PENDING', \(Self.at(20).rawValue));
                """
            let result = try database.run(sql)
            try #require(result.status == 0, "\(result.stderr)")
            let afterClient = try ledger.metrics(now: now)
            #expect(try Self.oracle(database, now: now) == Self.nonZero(afterClient), "seed \(seed)")
            #expect(
                afterClient.jobs.contains(
                    LedgerMetrics.JobHealth(job: "shell", lastSuccess: nil, consecutiveFailures: 1)))

            // A prune takes its runs out of the gauges, never out of the counters: they stay
            // what the history counted before it, and the gauges are what is left.
            let report = try ledger.prune(terminalBefore: Self.at(1500))
            #expect(report.runs > 0, "seed \(seed)")
            let afterPrune = try ledger.metrics(now: now)
            let left = try Self.oracle(database, now: now)
            let beforePrune = Self.nonZero(afterClient)
            #expect(Self.nonZero(afterPrune).stateChanges == beforePrune.stateChanges, "seed \(seed)")
            #expect(afterPrune.runDurations == beforePrune.runDurations, "seed \(seed)")
            #expect(afterPrune.runs == left.runs, "seed \(seed)")
            #expect(afterPrune.oldestActiveRuns == left.oldestActiveRuns, "seed \(seed)")
            // Health is of the runs left; a job whose runs all went keeps its series, at none.
            #expect(afterPrune.jobs.filter { job in left.jobs.contains { $0.job == job.job } } == left.jobs)
            #expect(
                afterPrune.jobs.filter { job in !left.jobs.contains { $0.job == job.job } }.allSatisfy {
                    $0.lastSuccess == nil && $0.consecutiveFailures == 0
                }, "seed \(seed)")
            let leftChanges = left.stateChanges.reduce(0) { $0 + $1.entries }
            let counted = afterPrune.stateChanges.reduce(0) { $0 + $1.entries }
            #expect(counted - leftChanges == report.changes, "seed \(seed)")
            #expect(try ledger.verify().isClean)
        }
    }

    /// The counters, as Prometheus' own parser reads them, never go back: not after a prune
    /// by the library, nor after one made in plain SQL by a foreign client, and they go on
    /// counting the changes made after it.
    @Test(arguments: Ledger.Engine.allCases) func countersNeverGoBackWhenHistoryIsPruned(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, database in
            try Self.fillKnown(ledger)
            let now = Self.at(100_000)
            let counters = { (metrics: LedgerMetrics) throws -> [String: Double] in
                try Self.counterSamples(try Self.parsedByPrometheusClient(metrics.prometheusText))
            }
            let before = try counters(try ledger.metrics(now: now))
            try #require(!before.isEmpty)
            let historyRows = try database.query("SELECT count(*) FROM state_changes;")

            let report = try ledger.prune(terminalBefore: Self.at(60))
            try #require(report.runs > 0)
            let afterLibrary = try counters(try ledger.metrics(now: now))
            #expect(afterLibrary == before)

            // A foreign client's prune: a prune record, then a plain DELETE of a whole run.
            let ended = try database.query(
                "SELECT id FROM runs WHERE ended_at IS NOT NULL AND id NOT IN (SELECT parent_id FROM runs WHERE parent_id IS NOT NULL) AND id NOT IN (SELECT upstream_id FROM run_dependencies) ORDER BY num LIMIT 1;"
            )
            try #require(ended.count == 1, "no run left for the foreign prune")
            let result = try database.run(
                """
                INSERT INTO prunes (before_at, at, actor, runs, changes) VALUES (\(Self.at(200_000).rawValue), \(now.rawValue), 'shell', 1, 0);
                DELETE FROM runs WHERE id = '\(ended[0])';
                """)
            try #require(result.status == 0, "\(result.stderr)")
            #expect(try database.query("SELECT count(*) FROM runs WHERE id = '\(ended[0])';") == ["0"])
            let afterShell = try counters(try ledger.metrics(now: now))
            #expect(afterShell == before)

            // The history the counters count is what the ledger ever held.
            let total = afterShell.filter { $0.key.hasPrefix("runledger_state_changes_total{") }.values.reduce(0, +)
            #expect(historyRows.map { Double($0) } == [total])

            // And they go on from there.
            let id = try ledger.start(job: "etl", lifecycle: "canonical", at: Self.at(100_001)).id
            try ledger.transition(id, to: "RUNNING", at: Self.at(100_002))
            let afterMore = try counters(try ledger.metrics(now: now))
            for (sample, value) in before { #expect(afterMore[sample, default: -1] >= value, "\(sample)") }
            #expect(
                afterMore["runledger_state_changes_total{job=etl,lifecycle=canonical,to_state=RUNNING}"] ?? 0
                    == (before["runledger_state_changes_total{job=etl,lifecycle=canonical,to_state=RUNNING}"] ?? 0) + 1)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func metricsNeverReadTheHistory(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, database in
            try Self.fillKnown(ledger)
            let before = try ledger.metrics(now: Self.now)
            // Hide the history from every statement that names it: the metrics stay the same.
            let hide = try database.run("ALTER TABLE state_changes RENAME TO hidden_history;")
            try #require(hide.status == 0, "\(hide.stderr)")
            let reader = try database.open(.init(mode: .readOnly))
            #expect(try reader.metrics(now: Self.now) == before)
            #expect(throws: (any Error).self) { try reader.history(of: "e1") }  // the hiding works
        }
    }

    // MARK: - The bound on jobs

    @Test(arguments: Ledger.Engine.allCases) func aLedgerWithMoreJobsThanTheLimitIsRefused(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            let ended = try ledger.start(job: "a", state: "RUNNING", at: Self.at(0))
            try ledger.transition(ended.id, to: "COMPLETED", at: Self.at(1))  // ended only
            _ = try ledger.start(job: "b", at: Self.at(2))  // active only
            let both = try ledger.start(job: "c", state: "PENDING", at: Self.at(3))
            try ledger.transition(both.id, to: "FAILED", at: Self.at(4))
            _ = try ledger.start(job: "c", at: Self.at(5))

            let error = try #require(throws: LedgerError.self) { try ledger.metrics(maxJobs: 2) }
            guard case .invalidArgument(let name, let reason) = error else {
                Issue.record("another error: \(error)")
                return
            }
            #expect(name == "maxJobs")
            #expect(reason.contains("3 jobs") && reason.contains("limit of 2"))
            #expect(error.description.hasPrefix("Invalid maxJobs: the ledger has 3 jobs"))

            #expect(try ledger.metrics(maxJobs: 3).jobs.map(\.job) == ["a", "b", "c"])
            #expect(try ledger.metrics().jobs.count == 3)
            #expect(throws: LedgerError.self) { try ledger.metrics(maxJobs: -1) }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func anEmptyLedgerHasEveryFamilyAndNoSample(_ engine: Ledger.Engine) throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            let metrics = try ledger.metrics(maxJobs: 0, now: Self.now)
            #expect(
                metrics
                    == LedgerMetrics(
                        readAt: Self.now, runs: [], stateChanges: [], runDurations: [], oldestActiveRuns: [], jobs: []))
            let text = metrics.prometheusText
            #expect(Self.formatProblems(text).isEmpty)
            #expect(text.split(separator: "\n").count == 12)
            #expect(text.split(separator: "\n").allSatisfy { $0.hasPrefix("# ") })
        }
    }

    // MARK: - Escaping and the format

    /// Job names that need escaping or are not ASCII, recorded through the library.
    static let oddJobs = [#"say "hi""#, #"C:\jobs\etl"#, "Zürich 夜間 ночь 🌙", #"\"#, #"tail\"#]

    @Test(arguments: Ledger.Engine.allCases) func labelValuesAreEscaped(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            for (index, job) in Self.oddJobs.enumerated() {
                let run = try ledger.start(job: job, state: "RUNNING", at: Self.at(Double(index)))
                try ledger.transition(run.id, to: "COMPLETED", at: Self.at(Double(index) + 1))
            }
            let text = try ledger.metrics(now: Self.now).prometheusText
            #expect(Self.formatProblems(text).isEmpty, "\(Self.formatProblems(text))")
            for escaped in [#"job="say \"hi\"""#, #"job="C:\\jobs\\etl""#, #"job="Zürich 夜間 ночь 🌙""#, #"job="\\""#] {
                #expect(text.contains("runledger_consecutive_failures{\(escaped)} 0"), "\(escaped)")
            }
            #expect(text.contains(#"runledger_consecutive_failures{job="tail\\"} 0"#))
        }
    }

    /// Metrics made by hand, with a newline, a carriage return and a tab in label values
    /// (which the library refuses in names, but a foreign client's data could hold).
    static let handMade = LedgerMetrics(
        readAt: t0,
        runs: [
            LedgerMetrics.RunCount(
                job: "two\nlines", lifecycle: "custom", state: "a\"b\\c", canonicalType: .running, runs: 3)
        ],
        stateChanges: [
            LedgerMetrics.StateEntries(job: "two\nlines", lifecycle: "custom", state: "x\r\ny\tz", entries: 7)
        ],
        runDurations: [
            LedgerMetrics.RunDurations(
                job: "two\nlines", canonicalType: .failed, cumulativeCounts: cumulative([0.25, 7, 7]), count: 3,
                totalMicroseconds: 14_250_000)
        ],
        oldestActiveRuns: [
            LedgerMetrics.OldestActiveRun(
                job: "two\nlines", lifecycle: "custom", state: "a\"b\\c", createdAt: t0, ageMicroseconds: 1)
        ],
        jobs: [
            LedgerMetrics.JobHealth(
                job: "two\nlines", lastSuccess: Timestamp(rawValue: 1_500_000), consecutiveFailures: 4)
        ])

    @Test func newlinesInLabelValuesAreEscapedAndSecondsAreExact() {
        let text = Self.handMade.prometheusText
        #expect(Self.formatProblems(text).isEmpty, "\(Self.formatProblems(text))")
        #expect(
            text.contains(
                #"runledger_runs{job="two\nlines",lifecycle="custom",state="a\"b\\c",canonical_type="RUNNING"} 3"#))
        #expect(text.contains("to_state=\"x\r\\ny\tz\"} 7"))  // only LF is escaped
        #expect(
            text.contains(
                #"runledger_oldest_active_run_age_seconds{job="two\nlines",lifecycle="custom",state="a\"b\\c"} 0.000001"#
            ))
        #expect(text.contains(#"runledger_last_success_timestamp_seconds{job="two\nlines"} 1.5"#))
        #expect(text.contains(#"runledger_run_duration_seconds_sum{job="two\nlines",canonical_type="FAILED"} 14.25"#))
        #expect(
            text.contains(
                #"runledger_run_duration_seconds_bucket{job="two\nlines",canonical_type="FAILED",le="0.5"} 1"#))
        #expect(
            text.contains(#"runledger_run_duration_seconds_bucket{job="two\nlines",canonical_type="FAILED",le="10"} 3"#)
        )
        #expect(LedgerMetrics.seconds(-2_250_000) == "-2.25")
        #expect(LedgerMetrics.seconds(86_400_000_000) == "86400")
        #expect(LedgerMetrics.seconds(10_000) == "0.01")
    }

    @Test(arguments: Ledger.Engine.allCases) func prometheusOwnParserReadsTheText(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            try Self.fillKnown(ledger)
            for (index, job) in Self.oddJobs.enumerated() {
                _ = try ledger.start(job: job, at: Self.at(Double(index)))
            }
            for metrics in [try ledger.metrics(now: Self.now), Self.handMade] {
                let samples = try Self.parsedByPrometheusClient(metrics.prometheusText)
                let sampleLines = Array(metrics.prometheusText.utf8).split(separator: UInt8(ascii: "\n"))
                    .filter { $0.first != UInt8(ascii: "#") }
                #expect(samples.count == sampleLines.count)
                // Every figure read back, labels unescaped, under the family and type it has here.
                var expected: [String] = []
                for count in metrics.runs {
                    expected.append(
                        Self.key(
                            "runledger_runs", "gauge", "runledger_runs",
                            [
                                "job": count.job, "lifecycle": count.lifecycle, "state": count.state,
                                "canonical_type": count.canonicalType.rawValue,
                            ], Double(count.runs)))
                }
                for entries in metrics.stateChanges {
                    expected.append(
                        Self.key(
                            "runledger_state_changes", "counter", "runledger_state_changes_total",
                            ["job": entries.job, "lifecycle": entries.lifecycle, "to_state": entries.state],
                            Double(entries.entries)))
                }
                for series in metrics.runDurations {
                    let labels = ["job": series.job, "canonical_type": series.canonicalType.rawValue]
                    let family = "runledger_run_duration_seconds"
                    for (bound, count) in zip(LedgerMetrics.durationBuckets, series.cumulativeCounts) {
                        var withLe = labels
                        withLe["le"] = LedgerMetrics.seconds(Int64((bound * 1_000_000).rounded()))
                        expected.append(Self.key(family, "histogram", family + "_bucket", withLe, Double(count)))
                    }
                    var inf = labels
                    inf["le"] = "+Inf"
                    expected.append(Self.key(family, "histogram", family + "_bucket", inf, Double(series.count)))
                    expected.append(
                        Self.key(family, "histogram", family + "_sum", labels, Double(series.totalMicroseconds) / 1e6))
                    expected.append(Self.key(family, "histogram", family + "_count", labels, Double(series.count)))
                }
                for oldest in metrics.oldestActiveRuns {
                    expected.append(
                        Self.key(
                            "runledger_oldest_active_run_age_seconds", "gauge",
                            "runledger_oldest_active_run_age_seconds",
                            ["job": oldest.job, "lifecycle": oldest.lifecycle, "state": oldest.state],
                            Double(oldest.ageMicroseconds) / 1e6))
                }
                for job in metrics.jobs {
                    expected.append(
                        Self.key(
                            "runledger_consecutive_failures", "gauge", "runledger_consecutive_failures",
                            ["job": job.job],
                            Double(job.consecutiveFailures)))
                    if let success = job.lastSuccess {
                        expected.append(
                            Self.key(
                                "runledger_last_success_timestamp_seconds", "gauge",
                                "runledger_last_success_timestamp_seconds", ["job": job.job],
                                Double(success.rawValue) / 1e6))
                    }
                }
                #expect(samples.sorted() == expected.sorted())
            }
        }
    }

    // MARK: - Helpers

    /// A sample as the Python script below prints it, for comparison: family, type, sample
    /// name, labels (sorted) and value, as JSON.
    static func key(
        _ family: String, _ type: String, _ name: String, _ labels: [String: String], _ value: Double
    ) -> String {
        let object: [Any] = [family, type, name, labels, value]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The counter samples (of counters and histograms) among samples `parsedByPrometheusClient`
    /// returned, by sample name and labels (`name{key=value,...}`, keys sorted), to their value.
    static func counterSamples(_ samples: [String]) throws -> [String: Double] {
        var counters: [String: Double] = [:]
        for sample in samples {
            let parts = try #require(try JSONSerialization.jsonObject(with: Data(sample.utf8)) as? [Any])
            guard let type = parts[1] as? String, type == "counter" || type == "histogram",
                let name = parts[2] as? String, let labels = parts[3] as? [String: String],
                let value = parts[4] as? Double
            else { continue }
            let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            counters["\(name){\(pairs.joined(separator: ","))}"] = value
        }
        return counters
    }

    /// The samples of `text` as `prometheus_client.parser.text_string_to_metric_families`
    /// reads them (Scripts/prometheus-venv.sh makes its environment once), each through `key`.
    static func parsedByPrometheusClient(_ text: String) throws -> [String] {
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(sys.stdin.read()):
                for s in family.samples:
                    print(json.dumps([family.name, family.type, s.name, s.labels, s.value]))
            """
        let result = try runProcess(try prometheusPython(), ["-c", script], input: text)
        try #require(result.status == 0, "\(result)")
        return try result.stdout.split(separator: "\n").map { line in
            let value = try JSONSerialization.jsonObject(with: Data(line.utf8))
            let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// Why the Prometheus client's environment could not be made.
    struct NoPrometheusClient: Error, CustomStringConvertible {
        let description: String
    }

    private static let python: Result<String, NoPrometheusClient> = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let script = root.appendingPathComponent("Scripts/prometheus-venv.sh").path
        guard let result = try? runProcess("/bin/bash", [script]), result.status == 0 else {
            return .failure(NoPrometheusClient(description: "cannot run \(script)"))
        }
        return .success(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }()

    static func prometheusPython() throws -> String { try python.get() }

    /// What is wrong with `text` as Prometheus' text format 0.0.4 reads it: every line a
    /// `# HELP`, a `# TYPE` or a sample with well-formed labels and value; each family's
    /// HELP and TYPE once, before its samples, every sample in its family's block; families
    /// in order of name; a histogram's buckets cumulative, ending with `+Inf` equal to its
    /// `_count`.
    static func formatProblems(_ text: String) -> [String] {
        var problems: [String] = []
        guard text.isEmpty || text.hasSuffix("\n") else { return ["no final newline"] }
        let name = "[a-zA-Z_:][a-zA-Z0-9_:]*"
        let label = #"[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*""#
        let value = #"[+-]?(?:[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|Inf)|NaN"#
        guard let sample = try? Regex("^(\(name))(?:\\{((?:\(label))(?:,\(label))*)?\\})? (\(value))$"),
            let comment = try? Regex("^# (HELP|TYPE) (\(name)) (.*)$"),
            let labelPattern = try? Regex(label)
        else { return ["bad pattern"] }
        var families: [String] = []
        var types: [String: String] = [:]
        var helped = Set<String>()
        var buckets: [String: [(le: String, count: Double)]] = [:]  // by series labels without le
        var counts: [String: Double] = [:]
        // Lines end at LF bytes, as Prometheus reads them (Swift's "\r\n" is one Character).
        for bytes in Array(text.utf8).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
        {
            let line = String(decoding: bytes, as: UTF8.self)
            if let match = try? comment.wholeMatch(in: line) {
                let kind = String(match.output[1].substring ?? "")
                let family = String(match.output[2].substring ?? "")
                if kind == "HELP" {
                    if helped.contains(family) || types[family] != nil { problems.append("HELP late: \(line)") }
                    helped.insert(family)
                    families.append(family)
                } else {
                    if types[family] != nil || families.last != family { problems.append("TYPE misplaced: \(line)") }
                    let type = String(match.output[3].substring ?? "")
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(type) {
                        problems.append("bad type: \(line)")
                    }
                    types[family] = type
                }
                continue
            }
            guard let match = try? sample.wholeMatch(in: line) else {
                problems.append("not a sample: \(line)")
                continue
            }
            let sampleName = String(match.output[1].substring ?? "")
            guard let family = families.last, let type = types[family] else {
                problems.append("sample before HELP and TYPE: \(line)")
                continue
            }
            let suffixes = type == "histogram" ? ["_bucket", "_sum", "_count"] : [""]
            if !suffixes.contains(where: { family + $0 == sampleName }) {
                problems.append("sample outside its family's block: \(line)")
            }
            if type == "histogram" {
                let labelsText = String(match.output[2].substring ?? "")
                let labels = labelsText.matches(of: labelPattern).map { String(labelsText[$0.range]) }
                let series = labels.filter { !$0.hasPrefix("le=") }.joined(separator: ",")
                let number = Double(String(match.output[3].substring ?? "")) ?? .nan
                if sampleName.hasSuffix("_bucket") {
                    guard let le = labels.first(where: { $0.hasPrefix("le=") }) else {
                        problems.append("bucket without le: \(line)")
                        continue
                    }
                    buckets[series, default: []].append((String(le.dropFirst(4).dropLast()), number))
                } else if sampleName.hasSuffix("_count") {
                    counts[series] = number
                }
            }
        }
        if families != families.sorted() { problems.append("families not sorted: \(families)") }
        if Set(families).count != families.count { problems.append("a family twice: \(families)") }
        for (series, list) in buckets {
            let bounds = list.map { $0.le == "+Inf" ? Double.infinity : Double($0.le) ?? .nan }
            if bounds != bounds.sorted() || list.last?.le != "+Inf" {
                problems.append("buckets out of order: \(series)")
            }
            let values = list.map(\.count)
            if values != values.sorted() { problems.append("buckets not cumulative: \(series)") }
            if list.last?.count != counts[series] { problems.append("+Inf is not _count: \(series)") }
        }
        return problems
    }

    /// `metrics` without the zero state counts (which the oracle cannot see).
    static func nonZero(_ metrics: LedgerMetrics) -> LedgerMetrics {
        var metrics = metrics
        metrics.stateChanges.removeAll { $0.entries == 0 }
        return metrics
    }

    /// The metrics counted the slow way by the engine's shell, over every run and history
    /// row: what `Ledger.metrics` must equal (but for the zero state counts, which it adds).
    static func oracle(_ database: TestDatabase, now: Timestamp) throws -> LedgerMetrics {
        let typed = """
            FROM runs AS r JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = r.state
            LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = r.outcome
            """
        func rows(_ sql: String) throws -> [[String]] {
            try database.query(sql).map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        }
        let before: (String, String) -> Bool = { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        func sortKey(_ parts: [String]) -> String { parts.joined(separator: "\u{1}") }

        let runs = try rows(
            "SELECT r.job, r.lifecycle, r.state, coalesce(o.canonical_type, s.canonical_type), count(*) \(typed) GROUP BY 1, 2, 3, 4;"
        ).map {
            LedgerMetrics.RunCount(
                job: $0[0], lifecycle: $0[1], state: $0[2], canonicalType: CanonicalType(rawValue: $0[3]) ?? .pending,
                runs: Int($0[4]) ?? -1)
        }.sorted {
            before(
                sortKey([$0.job, $0.lifecycle, $0.state, $0.canonicalType.rawValue]),
                sortKey([$1.job, $1.lifecycle, $1.state, $1.canonicalType.rawValue]))
        }

        let entries = try rows(
            "SELECT r.job, r.lifecycle, c.to_state, count(*) FROM state_changes AS c JOIN runs AS r ON r.num = c.run_num GROUP BY 1, 2, 3;"
        ).map { LedgerMetrics.StateEntries(job: $0[0], lifecycle: $0[1], state: $0[2], entries: Int($0[3]) ?? -1) }
            .sorted { before(sortKey([$0.job, $0.lifecycle, $0.state]), sortKey([$1.job, $1.lifecycle, $1.state])) }

        struct Ended {
            var job: String
            var type: CanonicalType
            var endedAt: Int64
            var duration: Int64
        }
        let ended = try rows(
            "SELECT r.job, coalesce(o.canonical_type, s.canonical_type), r.ended_at, r.ended_at - r.created_at \(typed) WHERE r.ended_at IS NOT NULL;"
        ).map {
            Ended(
                job: $0[0], type: CanonicalType(rawValue: $0[1]) ?? .pending, endedAt: Int64($0[2]) ?? 0,
                duration: Int64($0[3]) ?? 0)
        }
        var durations: [LedgerMetrics.RunDurations] = []
        for (key, group) in Dictionary(grouping: ended, by: { [$0.job, $0.type.rawValue] }) {
            durations.append(
                LedgerMetrics.RunDurations(
                    job: key[0], canonicalType: CanonicalType(rawValue: key[1]) ?? .pending,
                    cumulativeCounts: LedgerMetrics.durationBucketMicroseconds.map { bound in
                        group.filter { $0.duration <= bound }.count
                    },
                    count: group.count, totalMicroseconds: group.reduce(0) { $0 + $1.duration }))
        }
        durations.sort {
            before(sortKey([$0.job, $0.canonicalType.rawValue]), sortKey([$1.job, $1.canonicalType.rawValue]))
        }

        let oldest = try rows(
            "SELECT job, lifecycle, state, min(created_at) FROM runs WHERE ended_at IS NULL GROUP BY 1, 2, 3;"
        ).map {
            let created = Int64($0[3]) ?? 0
            return LedgerMetrics.OldestActiveRun(
                job: $0[0], lifecycle: $0[1], state: $0[2], createdAt: Timestamp(rawValue: created),
                ageMicroseconds: max(0, now.rawValue - created))
        }.sorted { before(sortKey([$0.job, $0.lifecycle, $0.state]), sortKey([$1.job, $1.lifecycle, $1.state])) }

        let jobs = try rows("SELECT DISTINCT job FROM runs;").map { $0[0] }.sorted(by: before).map { job in
            let mine = ended.filter { $0.job == job }
            let success = mine.filter { $0.type == .completed }.map(\.endedAt).max()
            let failures = mine.filter {
                ($0.type == .failed || $0.type == .crashed) && $0.endedAt > (success ?? Int64.min)
            }.count
            return LedgerMetrics.JobHealth(
                job: job, lastSuccess: success.map(Timestamp.init(rawValue:)), consecutiveFailures: failures)
        }
        return LedgerMetrics(
            readAt: now, runs: runs, stateChanges: entries, runDurations: durations, oldestActiveRuns: oldest,
            jobs: jobs)
    }
}

/// A small seeded generator (SplitMix64), so that a failing mix can be made again from its seed.
private struct MetricsRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
