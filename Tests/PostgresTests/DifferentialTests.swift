import Foundation
import RunLedger
import RunLedgerPostgres
import TestSupport
import Testing

/// The two engines side by side: one seeded random sequence of operations, through the
/// library, on a fresh SQLite ledger and a fresh PostgreSQL ledger (a schema of its own,
/// dropped after). After each operation both outcomes must be equal (the value, or the typed
/// `LedgerError`, by its rule tag for a rule violation); every 50 operations and at the end,
/// every run, every history (in order: `seq` values are the engine's), annotations, upstreams,
/// limits, stats and the stats tables must be equal, and both ledgers must verify clean.
///
/// Ids and times are explicit, so both engines record the same values: the simulated clock
/// runs in 2040, after the wall clock, so a change made without `at:` (the sweep's) is stamped
/// at its run's last change time on both engines rather than now.
///
/// `RUNLEDGER_DIFFERENTIAL_SEEDS` (comma-separated) replays seeds; by default seeds 1, 2, 3
/// and one new seed, printed. `RUNLEDGER_DIFFERENTIAL_OPERATIONS` sets the count per seed;
/// `RUNLEDGER_DIFFERENTIAL_TRACE=1` prints every operation with both outcomes;
/// `RUNLEDGER_DIFFERENTIAL_WITHOUT=prune,batch,sweep` leaves those operations out.
struct DifferentialTests {
    static let seeds: [UInt64] = {
        if let list = ProcessInfo.processInfo.environment["RUNLEDGER_DIFFERENTIAL_SEEDS"] {
            return list.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        }
        return [1, 2, 3, UInt64.random(in: 4...999_999)]
    }()

    @Test(arguments: DifferentialTests.seeds)
    func bothEnginesAgreeOnASeededSequenceOfOperations(seed: UInt64) throws {
        let operations = SuiteSize.value("RUNLEDGER_DIFFERENTIAL_OPERATIONS", default: 300)
        print("differential: seed \(seed), \(operations) operations (RUNLEDGER_DIFFERENTIAL_SEEDS=\(seed) replays)")
        let started = Date()
        try withTemporaryDirectory { directory in
            try withPostgresSchema(named: "diff_\(seed)") { uri in
                let configuration = Ledger.Configuration(durability: .normal, actor: "differential")
                let sqlite = try Ledger(
                    path: directory.appendingPathComponent("diff.db").path, configuration: configuration)
                let postgres = try Ledger(postgres: uri, configuration: configuration)
                var run = try DifferentialRun(seed: seed, sqlite: sqlite, postgres: postgres)
                for index in 0..<operations {
                    try run.step(index)
                    if (index + 1) % 50 == 0 || index == operations - 1 {
                        try run.compareSnapshots(after: index)
                    }
                }
                let held = try run.compareVerification()
                #expect(run.mismatches == 0, "seed \(seed): \(run.mismatches) operations or snapshots differ")
                print(
                    "differential: seed \(seed): \(operations) operations, \(run.refusals) refused alike, "
                        + "\(run.ids.count) run ids, \(held) at the end, \(run.mismatches) mismatches, "
                        + String(format: "%.1f s", Date().timeIntervalSince(started)))
            }
        }
    }
}

// MARK: - A PostgreSQL schema of its own

/// A URI of the test server whose connections use a fresh schema, dropped after `body`.
private func withPostgresSchema<T>(named prefix: String, _ body: (String) throws -> T) throws -> T {
    let base = try PGConnectionTests.serverURI()
    let admin = try PGConnection(base)
    let schema = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
    try admin.execute("CREATE SCHEMA \(schema)")
    defer { try? admin.execute("DROP SCHEMA \(schema) CASCADE") }
    let uri = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
    return try body(uri)
}

// MARK: - Outcomes

/// What one operation gave, with what the engines may give differently taken out: `seq`
/// values and annotation ids (drawn by the engine), a rule violation's message (its tag is
/// compared).
private indirect enum Outcome: Equatable, Sendable, CustomStringConvertible {
    case run(Run)
    case change(StateChange)
    case sweep(late: [StateChange], crashed: [StateChange])
    case prune(runs: Int, changes: Int, kept: Int)
    case annotation(Annotation)
    case done
    case refused(LedgerError)
    /// Not a `LedgerError`: its type and text.
    case foreign(String)
    case batch([Outcome])
    case rolledBack([Outcome])

    var description: String {
        switch self {
        case .run(let run): "run \(Self.text(run))"
        case .change(let change): "change \(Self.text(change))"
        case .sweep(let late, let crashed):
            "sweep late [\(late.map(Self.text).joined(separator: "; "))] crashed [\(crashed.map(Self.text).joined(separator: "; "))]"
        case .prune(let runs, let changes, let kept): "prune runs \(runs) changes \(changes) kept \(kept)"
        case .annotation(let annotation): "annotation \(annotation)"
        case .done: "done"
        case .refused(let error): "refused \(error.kind): \(error)"
        case .foreign(let text): "FOREIGN ERROR \(text)"
        case .batch(let steps): "batch [\(steps.map(\.description).joined(separator: " | "))]"
        case .rolledBack(let steps): "rolled back [\(steps.map(\.description).joined(separator: " | "))]"
        }
    }

    static func text(_ run: Run) -> String {
        let time = { (time: Timestamp?) in time.map { "\($0.rawValue)" } ?? "-" }
        return "\(run.id) job \(run.job) \(run.lifecycle) \(run.state) created \(run.createdAt.rawValue) "
            + "updated \(run.updatedAt.rawValue) ended \(time(run.endedAt)) outcome \(run.outcome ?? "-") "
            + "by \(run.createdBy ?? "-") reason \(run.createdReason ?? "-") attempt \(run.attempt) "
            + "parent \(run.parentID ?? "-") maxRetries \(run.maxRetries.map(String.init) ?? "-") "
            + "scheduled \(time(run.scheduledAt)) heartbeat \(time(run.heartbeatAt)) meta \(run.metadata ?? "-") "
            + "type \(run.canonicalType.rawValue) terminal \(run.isTerminal)"
    }

    static func text(_ change: StateChange) -> String {
        "\(change.runID) \(change.from ?? "-") -> \(change.to) at \(change.at.rawValue) action \(change.action ?? "-") "
            + "outcome \(change.outcome ?? "-") key \(change.requestKey ?? "-") actor \(change.actor ?? "-") "
            + "reason \(change.reason ?? "-") meta \(change.metadata ?? "-")"
    }

    /// A change without its engine-drawn `seq`.
    static func comparable(_ change: StateChange) -> StateChange {
        var change = change
        change.seq = 0
        return change
    }

    /// What `body` gave, or the error it threw.
    static func of(_ body: () throws -> Outcome) -> Outcome {
        do {
            return try body()
        } catch let error as LedgerError {
            return .refused(error.comparable)
        } catch let error as BatchAbort {
            return .rolledBack(error.steps)
        } catch {
            return .foreign("\(type(of: error)): \(error)")
        }
    }

    var isRefusal: Bool {
        if case .refused = self { return true }
        return false
    }
}

extension LedgerError {
    /// The error as both engines must give it: a rule violation by its tag alone.
    fileprivate var comparable: LedgerError {
        if case .ruleViolation(let rule, _) = self { return .ruleViolation(rule: rule, message: "") }
        return self
    }

    /// The case's name, for messages.
    fileprivate var kind: String {
        Mirror(reflecting: self).children.first?.label ?? "\(self)"
    }
}

/// Thrown out of a batch's closure to roll the whole batch back, with what its steps gave.
private struct BatchAbort: Error {
    var steps: [Outcome]
}

// MARK: - The writes a ledger and a batch share

/// The writes both `Ledger` and `Batch` offer, so that one step runs alone or in a batch.
private protocol Writer {
    func start(
        job: String, lifecycle: String, id: String?, state: String?, at: Timestamp?, reason: String?,
        metadata: String?, parent: String?, upstream: [String], maxRetries: Int?, scheduledAt: Timestamp?,
        actor: String?
    ) throws -> Run
    func transition(
        _ runID: String, to state: String, expecting expected: String?, at: Timestamp?, reason: String?,
        metadata: String?, outcome: String?, requestKey: String?, actor: String?
    ) throws -> StateChange
    func perform(
        _ action: String, on runID: String, expecting expected: String?, at: Timestamp?, reason: String?,
        metadata: String?, outcome: String?, requestKey: String?, actor: String?
    ) throws -> StateChange
    func release(_ runID: String, at: Timestamp?, reason: String?, actor: String?) throws -> StateChange
    func heartbeat(_ runID: String, at: Timestamp?) throws
    func annotate(
        _ runID: String, kind: String, at: Timestamp?, reason: String?, metadata: String?, actor: String?
    ) throws -> Annotation
}

extension Ledger: Writer {}
extension Batch: Writer {}

/// One write, applied to either engine (alone or inside a batch) the same way.
private typealias Step = (any Writer) throws -> Outcome

// MARK: - The run of one seed

/// SplitMix64: a tiny seeded generator, so that a seed replays the same operations.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private struct DifferentialRun {
    let seed: UInt64
    let sqlite: Ledger
    let postgres: Ledger
    var random: SplitMix
    /// The lifecycles, as the SQLite ledger has them, with how often a start picks each.
    let lifecycles: [Lifecycle]
    let weights: [String: Int] = [
        "canonical": 5, "databricks": 5, "prefect": 5, "opencue": 4, "openlineage": 1, "domino": 1,
    ]
    let jobs = ["etl", "load", "render", "flow", "ship"]
    /// The simulated clock: 2040-01-01T00:00:00Z on, after the wall clock.
    var clock = Timestamp(rawValue: 2_208_988_800_000_000)
    /// Every run id a start has named, recorded or not.
    var ids: [String] = []
    var nextRun = 0
    /// Request keys sent so far, with the run and action they were sent with.
    var keys: [(key: String, runID: String, action: String?)] = []
    var nextKey = 0
    var refusals = 0
    var mismatches = 0
    var snapshotMismatches = 0
    /// The operations so far, for the messages.
    var log: [String] = []

    /// `RUNLEDGER_DIFFERENTIAL_TRACE=1` prints every operation and both outcomes.
    static let tracing = ProcessInfo.processInfo.environment["RUNLEDGER_DIFFERENTIAL_TRACE"] == "1"
    /// `RUNLEDGER_DIFFERENTIAL_WITHOUT=prune,batch,sweep` leaves those operations out, to look
    /// past a known difference (the ledgers part at the first, and what follows differs for
    /// that alone).
    static let without = Set(
        (ProcessInfo.processInfo.environment["RUNLEDGER_DIFFERENTIAL_WITHOUT"] ?? "").split(separator: ",").map(
            String.init))

    init(seed: UInt64, sqlite: Ledger, postgres: Ledger) throws {
        self.seed = seed
        self.sqlite = sqlite
        self.postgres = postgres
        random = SplitMix(state: seed)
        lifecycles = try sqlite.lifecycles()
        let theirs = try postgres.lifecycles()
        #expect(theirs == lifecycles, "seed \(seed): the engines' lifecycle definitions differ")
    }

    // MARK: Random choices

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }
    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }
    mutating func number(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

    /// The clock moved on by 1 ms to 90 s.
    mutating func tick() -> Timestamp {
        clock = Timestamp(rawValue: clock.rawValue + Int64(number(1_000...90_000_000)))
        return clock
    }

    /// A change's time: mostly the clock moved on; sometimes none (the run's last change
    /// time, the wall clock being behind); sometimes up to 10 minutes back (maybe before the
    /// run's last change).
    mutating func changeTime() -> Timestamp? {
        switch number(0...99) {
        case 0..<88: tick()
        case 88..<95: nil
        default: Timestamp(rawValue: clock.rawValue - Int64(number(1...600_000_000)))
        }
    }

    mutating func metadata() -> String? {
        switch number(0...99) {
        case 0..<20: #"{"n": \#(number(0...99)), "tag": "x"}"#
        case 20..<22: "{not json"
        default: nil
        }
    }

    mutating func reason() -> String? { chance(30) ? "reason \(number(0...999))" : nil }

    mutating func actor() -> String? { chance(10) ? "alice" : nil }

    mutating func lifecycle() -> Lifecycle {
        let total = lifecycles.map { weights[$0.name] ?? 1 }.reduce(0, +)
        var roll = number(0...(total - 1))
        for lifecycle in lifecycles {
            roll -= weights[lifecycle.name] ?? 1
            if roll < 0 { return lifecycle }
        }
        return lifecycles[0]
    }

    /// A run id: mostly one started before (an active one more often), sometimes one that
    /// never was.
    mutating func existingRun() throws -> String {
        if ids.isEmpty || chance(5) { return "ghost-\(number(0...9))" }
        if chance(80) {
            let active = try sqlite.runs(matching: RunQuery(status: .active)).map(\.id)
            if !active.isEmpty { return pick(active) }
        }
        return pick(ids)
    }

    /// A request key: mostly none, sometimes a new one, sometimes one sent before (with its
    /// run, or with another).
    mutating func requestKey(for runID: inout String, action: String?) -> String? {
        switch number(0...99) {
        case 0..<18:
            nextKey += 1
            let key = "key-\(nextKey)"
            keys.append((key, runID, action))
            return key
        case 18..<28 where !keys.isEmpty:
            let old = pick(keys)
            if chance(70) { runID = old.runID }
            return old.key
        default:
            return nil
        }
    }

    // MARK: Steps

    mutating func startStep() throws -> (String, Step) {
        let lifecycle = lifecycle()
        let job = pick(jobs)
        let id: String
        if !ids.isEmpty && chance(4) {
            id = pick(ids)
        } else {
            nextRun += 1
            id = "r\(nextRun)"
            ids.append(id)
        }
        var state: String?
        switch number(0...99) {
        case 0..<55: state = nil
        case 55..<88: state = pick(lifecycle.states.filter(\.isInitial)).name
        case 88..<97: state = pick(lifecycle.states).name
        default: state = "NOWHERE"
        }
        var parent: String?
        if chance(22) && !ids.isEmpty {
            let ended = try sqlite.runs(matching: RunQuery(lifecycle: lifecycle.name, status: .terminal)).map(\.id)
            parent = ended.isEmpty || chance(15) ? pick(ids) : pick(ended)
        }
        let maxRetries = chance(25) ? number(0...2) : nil
        var upstream: [String] = []
        if chance(20) && !ids.isEmpty {
            for _ in 0..<number(1...2) { upstream.append(chance(5) ? "ghost-up" : pick(ids)) }
        }
        let at = tick()
        let scheduledAt =
            chance(15) ? Timestamp(rawValue: at.rawValue + Int64(number(-60_000_000...120_000_000))) : nil
        let (reason, metadata, actor) = (reason(), metadata(), actor())
        let label =
            "start \(id) job \(job) \(lifecycle.name) state \(state ?? "-") parent \(parent ?? "-") "
            + "upstream \(upstream) maxRetries \(maxRetries.map(String.init) ?? "-") at \(at.rawValue) "
            + "scheduled \(scheduledAt.map { "\($0.rawValue)" } ?? "-") meta \(metadata ?? "-")"
        return (
            label,
            { writer in
                .run(
                    try writer.start(
                        job: job, lifecycle: lifecycle.name, id: id, state: state, at: at, reason: reason,
                        metadata: metadata, parent: parent, upstream: upstream, maxRetries: maxRetries,
                        scheduledAt: scheduledAt, actor: actor))
            }
        )
    }

    /// The run's lifecycle and state, as the SQLite ledger has them now.
    func current(_ runID: String) throws -> (Lifecycle, String)? {
        guard let run = try sqlite.run(id: runID),
            let lifecycle = lifecycles.first(where: { $0.name == run.lifecycle })
        else { return nil }
        return (lifecycle, run.state)
    }

    mutating func expecting(_ state: String?, in lifecycle: Lifecycle?) -> String? {
        switch number(0...99) {
        case 0..<55: nil
        case 55..<88: state ?? "PENDING"
        default: lifecycle.map { pick($0.states).name } ?? "RUNNING"
        }
    }

    mutating func outcome(entering state: String?, of lifecycle: Lifecycle?) -> String? {
        guard let lifecycle else { return nil }
        let terminal = state.flatMap { lifecycle.state(named: $0) }?.isTerminal ?? false
        if terminal && !lifecycle.outcomes.isEmpty {
            switch number(0...99) {
            case 0..<70: return pick(lifecycle.outcomes).name
            case 70..<78: return "GREAT"
            default: return nil
            }
        }
        return chance(4) ? "SUCCESS" : nil
    }

    mutating func transitionStep() throws -> (String, Step) {
        var runID = try existingRun()
        let now = try current(runID)
        var target = "RUNNING"
        if case (let lifecycle, let state)? = now {
            let plain = lifecycle.transitions(from: state).filter { $0.action == nil }.map(\.to)
            let byAction = lifecycle.transitions(from: state).filter { $0.action != nil }.map(\.to)
            switch number(0...99) {
            case 0..<68 where !plain.isEmpty: target = pick(plain)
            case 68..<78 where !byAction.isEmpty: target = pick(byAction)
            case 0..<96: target = pick(lifecycle.states).name
            default: target = "NOWHERE"
            }
        }
        let expected = expecting(now?.1, in: now?.0)
        let outcome = outcome(entering: target, of: now?.0)
        let requestKey = requestKey(for: &runID, action: nil)
        let (at, reason, metadata, actor) = (changeTime(), reason(), metadata(), actor())
        let label =
            "transition \(runID) (\(now?.1 ?? "-")) to \(target) expecting \(expected ?? "-") outcome \(outcome ?? "-") "
            + "key \(requestKey ?? "-") at \(at.map { "\($0.rawValue)" } ?? "-") meta \(metadata ?? "-")"
        return (
            label,
            { [runID] writer in
                .change(
                    Outcome.comparable(
                        try writer.transition(
                            runID, to: target, expecting: expected, at: at, reason: reason, metadata: metadata,
                            outcome: outcome, requestKey: requestKey, actor: actor)))
            }
        )
    }

    mutating func performStep() throws -> (String, Step) {
        var runID = try existingRun()
        let now = try current(runID)
        var action = "kill"
        if case (let lifecycle, let state)? = now {
            let here = lifecycle.transitions(from: state).compactMap(\.action)
            switch number(0...99) {
            case 0..<60 where !here.isEmpty: action = pick(here)
            case 0..<90 where !lifecycle.actions.isEmpty: action = pick(lifecycle.actions)
            default: action = chance(50) ? "explode" : "retry"
            }
        }
        let expected = expecting(now?.1, in: now?.0)
        let requestKey = requestKey(for: &runID, action: action)
        let (at, reason, metadata) = (changeTime(), reason(), metadata())
        let label =
            "perform \(action) on \(runID) (\(now?.1 ?? "-")) expecting \(expected ?? "-") key \(requestKey ?? "-") "
            + "at \(at.map { "\($0.rawValue)" } ?? "-")"
        return (
            label,
            { [runID] writer in
                .change(
                    Outcome.comparable(
                        try writer.perform(
                            action, on: runID, expecting: expected, at: at, reason: reason, metadata: metadata,
                            outcome: nil, requestKey: requestKey, actor: nil)))
            }
        )
    }

    mutating func releaseStep() throws -> (String, Step) {
        var runID = try existingRun()
        if chance(70) {
            let blocked = try sqlite.runs(matching: RunQuery(status: .active)).filter { run in
                lifecycles.first { $0.name == run.lifecycle }?.roles.blockedState == run.state
            }
            if !blocked.isEmpty { runID = pick(blocked).id }
        }
        let at = changeTime()
        return (
            "release \(runID) at \(at.map { "\($0.rawValue)" } ?? "-")",
            { [runID] writer in
                .change(Outcome.comparable(try writer.release(runID, at: at, reason: nil, actor: nil)))
            }
        )
    }

    mutating func heartbeatStep() throws -> (String, Step) {
        let runID = try existingRun()
        let at = chance(85) ? tick() : Timestamp(rawValue: clock.rawValue - Int64(number(1...300_000_000)))
        return (
            "heartbeat \(runID) at \(at.rawValue)",
            { writer in
                try writer.heartbeat(runID, at: at)
                return .done
            }
        )
    }

    mutating func annotateStep() throws -> (String, Step) {
        let runID = try chance(80) ? existingRun() : "ahead-\(number(0...3))"
        let (at, reason, metadata) = (tick(), reason(), metadata())
        return (
            "annotate \(runID) at \(at.rawValue)",
            { writer in
                var annotation = try writer.annotate(
                    runID, kind: "OTHER", at: at, reason: reason, metadata: metadata, actor: nil)
                annotation.id = 0
                return .annotation(annotation)
            }
        )
    }

    /// One write, alone or in a batch.
    mutating func writeStep() throws -> (String, Step) {
        switch number(0...99) {
        case 0..<35: try startStep()
        case 35..<70: try transitionStep()
        case 70..<80: try performStep()
        case 80..<87: try releaseStep()
        case 87..<96: try heartbeatStep()
        default: try annotateStep()
        }
    }

    // MARK: Operations

    /// One operation: its label and what it does to a ledger.
    mutating func operation() throws -> (String, (Ledger) throws -> Outcome) {
        switch number(0...99) {
        case 0..<78:
            let (label, step) = try writeStep()
            return (label, { try step($0) })
        case 78..<88 where Self.without.contains("batch"), 93..<97 where Self.without.contains("sweep"):
            return try operation()
        case 78..<88:
            var steps: [(String, Step)] = []
            for _ in 0..<number(2...5) { steps.append(try writeStep()) }
            let abort = chance(15)
            let label =
                "batch\(abort ? " (rolled back)" : "") { \(steps.map(\.0).joined(separator: "; ")) }"
            let bodies = steps.map(\.1)
            return (
                label,
                { ledger in
                    try ledger.batch { batch -> Outcome in
                        var outcomes: [Outcome] = []
                        for body in bodies { outcomes.append(Outcome.of { try body(batch) }) }
                        if abort { throw BatchAbort(steps: outcomes) }
                        return .batch(outcomes)
                    }
                }
            )
        case 88..<93:
            let job = pick(jobs)
            let limit = pick([0, 1, 1, 2, nil, -1] as [Int?])
            let clear = chance(20)
            return (
                clear ? "clear limit of \(job)" : "limit \(job) to \(limit.map(String.init) ?? "none")",
                { ledger in
                    if clear {
                        try ledger.clearConcurrencyLimit(for: job)
                    } else {
                        try ledger.setConcurrencyLimit(limit, for: job)
                    }
                    return .done
                }
            )
        case 93..<97:
            let now = tick()
            let lateAfter = pick([0, 5, 60, 600] as [Double])
            let timeout = pick([0, 30, 90, 600] as [Double])
            return (
                "sweep now \(now.rawValue) late after \(lateAfter) heartbeat timeout \(timeout)",
                { ledger in
                    let report = try ledger.sweep(now: now, lateAfter: lateAfter, heartbeatTimeout: timeout)
                    return .sweep(
                        late: report.late.map(Outcome.comparable), crashed: report.crashed.map(Outcome.comparable))
                }
            )
        case 97..<100 where Self.without.contains("prune"):
            return try operation()
        default:
            // Runs that ended 10 minutes to 3 hours ago (the clock moves 45 s an operation).
            let cutoff = Timestamp(rawValue: clock.rawValue - Int64(number(600_000_000...10_800_000_000)))
            return (
                "prune terminal before \(cutoff.rawValue)",
                { ledger in
                    let report = try ledger.prune(terminalBefore: cutoff)
                    return .prune(runs: report.runs, changes: report.changes, kept: report.kept)
                }
            )
        }
    }

    /// Makes operation `index`, applies it to both engines and compares the outcomes.
    mutating func step(_ index: Int) throws {
        let (label, apply) = try operation()
        log.append("#\(index) \(label)")
        let expected = Outcome.of { try apply(sqlite) }
        let actual = Outcome.of { try apply(postgres) }
        if expected.isRefusal { refusals += 1 }
        if Self.tracing { print("seed \(seed) #\(index) \(label)\n  SQLite:     \(expected)\n  PostgreSQL: \(actual)") }
        if case .foreign = expected {
            Issue.record("seed \(seed) operation #\(index) \(label): SQLite threw a foreign error: \(expected)")
        }
        if expected != actual {
            mismatches += 1
            // A difference leaves the ledgers apart, and what follows often differs for that
            // alone: the first few are told in full, the rest counted.
            guard mismatches <= 5 else { return }
            Issue.record(
                """
                seed \(seed) operation #\(index): the engines differ
                operation: \(label)
                SQLite:     \(expected)
                PostgreSQL: \(actual)
                previous operations:
                \(log.suffix(6).dropLast().joined(separator: "\n"))
                """)
        }
    }

    // MARK: Snapshots

    /// Everything a ledger holds that both engines must hold alike.
    struct Snapshot: Equatable {
        var runs: [Run] = []
        var newestFirst: [[String]] = []
        var histories: [String: [StateChange]] = [:]
        /// Every change as "run#index" in `seq` order: the order of the whole history.
        var order: [String] = []
        var annotations: [String: [Annotation]] = [:]
        var upstreams: [String: [String]] = [:]
        var chains: [String: [String]] = [:]
        var limits: [JobLimit] = []
        var stats: [[RunStats]] = []
        var tables: [[String]] = []
    }

    func snapshot(_ ledger: Ledger) throws -> Snapshot {
        var snapshot = Snapshot()
        snapshot.runs = try ledger.runs(matching: RunQuery()).sorted { $0.id < $1.id }
        let midpoint = Timestamp(rawValue: (Timestamp(rawValue: 2_208_988_800_000_000).rawValue + clock.rawValue) / 2)
        for query in [
            RunQuery(), RunQuery(status: .active), RunQuery(status: .terminal), RunQuery(job: "etl"),
            RunQuery(lifecycle: "prefect", limit: 5), RunQuery(createdSince: midpoint),
        ] {
            snapshot.newestFirst.append(try ledger.runs(matching: query).map(\.id))
        }
        var all: [(Int64, String)] = []
        for id in snapshot.runs.map(\.id) {
            let history = try ledger.history(of: id)
            snapshot.histories[id] = history.map(Outcome.comparable)
            for (index, change) in history.enumerated() { all.append((change.seq, "\(id)#\(index)")) }
            snapshot.upstreams[id] = try ledger.upstreams(of: id).map { "\($0.id):\($0.isCompleted)" }
            snapshot.chains[id] = try ledger.chain(of: id).map(\.id)
        }
        for id in Set(ids + (0...3).map { "ahead-\($0)" }).sorted() {
            snapshot.annotations[id] = try ledger.annotations(of: id).map {
                var annotation = $0
                annotation.id = 0
                return annotation
            }
        }
        snapshot.order = all.sorted { $0.0 < $1.0 }.map(\.1)
        snapshot.limits = try ledger.concurrencyLimits().sorted { $0.job < $1.job }
        for query in [
            StatsQuery(), StatsQuery(grouping: .lifecycle), StatsQuery(job: "etl"),
            StatsQuery(grouping: .lifecycle, createdSince: midpoint),
        ] {
            snapshot.stats.append(try ledger.stats(query).sorted { $0.group < $1.group })
        }
        for sql in [
            "SELECT job, lifecycle, state, outcome, bucket, runs, total_us, min_us, max_us FROM stats_run_durations",
            "SELECT job, lifecycle, state, bucket, stays, total_us, min_us, max_us FROM stats_state_durations",
            """
            SELECT run_id, job, lifecycle, state, outcome, canonical_type, is_terminal, attempt, started_at,
                   ended_at, updated_at FROM run_summary
            """,
        ] {
            snapshot.tables.append(try ledger.query(sql).rows.map { $0.map(Self.text).joined(separator: "|") }.sorted())
        }
        return snapshot
    }

    static func text(_ value: SQLValue) -> String {
        switch value {
        case .null: "NULL"
        case .integer(let integer): "\(integer)"
        case .real(let real): "\(real)"
        case .text(let text): text
        case .blob(let bytes): "x'\(bytes.map { String(format: "%02x", $0) }.joined())'"
        }
    }

    /// Compares both engines' snapshots, part by part, naming the first run that differs.
    mutating func compareSnapshots(after index: Int) throws {
        let expected = try snapshot(sqlite)
        let actual: Snapshot
        do {
            actual = try snapshot(postgres)
        } catch {
            mismatches += 1
            Issue.record("seed \(seed): after operation #\(index), reading the PostgreSQL ledger failed: \(error)")
            return
        }
        guard expected != actual else { return }
        mismatches += 1
        snapshotMismatches += 1
        // The first difference is told in full; later ones mostly follow from it.
        guard snapshotMismatches == 1 else { return }
        var differences: [String] = []
        func note<T: Equatable>(_ name: String, _ left: T, _ right: T) {
            if left != right { differences.append("\(name):\n  SQLite:     \(left)\n  PostgreSQL: \(right)") }
        }
        for id in Set(expected.runs.map(\.id) + actual.runs.map(\.id)).sorted() {
            note(
                "run \(id)", expected.runs.first { $0.id == id }.map(Outcome.text),
                actual.runs.first { $0.id == id }.map(Outcome.text))
        }
        for id in Set(expected.histories.keys).union(actual.histories.keys).sorted() {
            note(
                "history of \(id)", expected.histories[id]?.map(Outcome.text),
                actual.histories[id]?.map(Outcome.text))
            note("upstreams of \(id)", expected.upstreams[id], actual.upstreams[id])
            note("chain of \(id)", expected.chains[id], actual.chains[id])
        }
        for id in expected.annotations.keys.sorted() {
            note("annotations of \(id)", expected.annotations[id], actual.annotations[id])
        }
        if expected.histories == actual.histories { note("order of all changes", expected.order, actual.order) }
        note("runs(matching:) newest first", expected.newestFirst, actual.newestFirst)
        note("limits", expected.limits, actual.limits)
        for (position, (left, right)) in zip(expected.stats, actual.stats).enumerated() {
            note("stats query \(position)", left, right)
        }
        for (position, (left, right)) in zip(expected.tables, actual.tables).enumerated() {
            note("table query \(position)", left, right)
        }
        Issue.record(
            """
            seed \(seed): after operation #\(index) the ledgers differ (\(differences.count) parts):
            \(differences.prefix(8).joined(separator: "\n"))
            last operations:
            \(log.suffix(8).joined(separator: "\n"))
            """)
    }

    /// Both ledgers verify clean, over as many runs and changes; returns what SQLite holds.
    func compareVerification() throws -> String {
        let expected = try sqlite.verify()
        let actual: VerificationReport
        do {
            actual = try postgres.verify()
        } catch {
            Issue.record("seed \(seed): PostgreSQL verify failed: \(error)")
            return "\(expected.runs) runs, \(expected.changes) changes"
        }
        #expect(expected.isClean, "seed \(seed): SQLite verify: \(expected.problems.prefix(10))")
        #expect(actual.isClean, "seed \(seed): PostgreSQL verify: \(actual.problems.prefix(10))")
        #expect(expected.runs == actual.runs && expected.changes == actual.changes, "seed \(seed): verify counts")
        let stats = try sqlite.query("SELECT count(*) FROM stats_state_durations").rows.first?.first
        return "\(expected.runs) runs, \(expected.changes) changes, \(stats.map(Self.text) ?? "?") stay buckets"
    }
}
