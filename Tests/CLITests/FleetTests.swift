import Foundation
import RunLedger
import RunLedgerPostgres
import Testing

/// Concurrency for real on PostgreSQL: a fleet of `LedgerWorkload fleet` processes, each of
/// several threads with a connection of its own, writing one PostgreSQL ledger (a schema of
/// its own on the test server, dropped after) at once: compare-and-set transitions of shared
/// runs, alone and two in a batch; starts of runs of limit-1 jobs (one with a skip state, one
/// without); requests under keys that every process sends; retries, by the retry state and by
/// a chain of runs.
///
/// Every call lands or throws one of its typed conflicts; no raw PostgresError (no deadlock,
/// no serialization failure) reaches a caller. Afterwards: every acknowledged change is in the
/// history as acknowledged, nothing is there that no one acknowledged, each request key is
/// recorded once and every process that sent it got that change back, a limit-1 job never has
/// two active runs at any point of the history (in `seq` order), no run retries more than it
/// may, and the ledger verifies clean.
///
/// `RUNLEDGER_FLEET_SEED` replays a seed (printed); `RUNLEDGER_FLEET_PROCESSES`,
/// `RUNLEDGER_FLEET_OPERATIONS` (per thread) and `RUNLEDGER_FLEET_SECONDS` (each process's time
/// budget) size it.
struct FleetTests {
    let processes = SuiteSize.value("RUNLEDGER_FLEET_PROCESSES", default: 8)
    let threads = 4
    let operations = SuiteSize.value("RUNLEDGER_FLEET_OPERATIONS", default: 150)
    let seconds = SuiteSize.value("RUNLEDGER_FLEET_SECONDS", default: 25)
    let runs = 4
    let keys = 12

    @Test func eightProcessesOfFourThreadsWriteOnePostgreSQLLedger() throws {
        let base = try #require(
            ProcessInfo.processInfo.environment["RUNLEDGER_TEST_POSTGRES"],
            "RUNLEDGER_TEST_POSTGRES is not set: Scripts/test.sh starts the test server and sets it")
        let seed =
            ProcessInfo.processInfo.environment["RUNLEDGER_FLEET_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 1...999_999)
        print("fleet: seed \(seed) (RUNLEDGER_FLEET_SEED=\(seed) replays the workload's choices)")
        let began = Date()
        let admin = try PGConnection(base)
        let schema = "fleet_\(seed)_\(UInt32.random(in: 0...UInt32.max))"
        try admin.execute("CREATE SCHEMA \(schema)")
        defer { try? admin.execute("DROP SCHEMA \(schema) CASCADE") }
        let uri = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"

        let ledger = try Ledger(postgres: uri, configuration: .init(durability: .normal, actor: "fleet-setup"))
        let setupRuns = try setUp(ledger)
        let setupSeq = try setupRuns.flatMap { try ledger.history(of: $0) }.map(\.seq).max() ?? 0

        let outputs = try withTemporaryDirectory { directory in
            let fleet = try (0..<processes).map { process in
                try RunningProcess(
                    Binaries.workload,
                    [
                        "fleet", "--db", uri, "--process", "\(process)", "--seed", "\(seed)", "--threads", "\(threads)",
                        "--operations", "\(operations)", "--runs", "\(runs)", "--keys", "\(keys)", "--seconds",
                        "\(seconds)",
                    ], directory: directory)
            }
            // Bounded: a process still running well after its budget is stopped (and fails).
            let deadline = Date().addingTimeInterval(Double(seconds) + 20)
            while fleet.contains(where: { $0.process.isRunning }) && Date() < deadline { usleep(50_000) }
            for member in fleet where member.process.isRunning { member.process.terminate() }
            return try fleet.map { try $0.wait() }
        }
        var lines: [[String: Any]] = []
        for (process, result) in outputs.enumerated() {
            #expect(result.status == 0 && !result.signaled, "process \(process): \(result)")
            #expect(result.stderr.isEmpty, "process \(process) wrote to stderr: \(result.stderr.prefix(2000))")
            for line in result.stdout.split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                lines.append(try #require(object, "not a JSON object: \(line)"))
            }
        }
        let written = Date()

        // Every call landed or met one of its typed conflicts.
        let unexpected = lines.filter { $0["kind"] as? String == "unexpected" }
        #expect(
            unexpected.isEmpty,
            """
            seed \(seed): \(unexpected.count) calls failed otherwise than by a typed conflict, e.g.:
            \(unexpected.prefix(12).map { "\($0)" }.joined(separator: "\n"))
            """)
        let summaries = lines.filter { $0["kind"] as? String == "summary" }
        #expect(summaries.count == processes * threads, "seed \(seed): \(summaries.count) threads finished")
        var counts: [String: Int] = [:]
        for summary in summaries {
            for (name, count) in summary["counts"] as? [String: Int] ?? [:] { counts[name, default: 0] += count }
        }

        let acks = lines.filter { $0["kind"] as? String == "ack" }
        let report = try check(ledger, acks: acks, setupRuns: setupRuns, setupSeq: setupSeq, seed: seed)
        let verification = try ledger.verify()
        #expect(verification.isClean, "seed \(seed): verify: \(verification.problems.prefix(10))")
        print(
            "fleet: seed \(seed): \(processes) processes x \(threads) threads, \(acks.count) acknowledgements "
                + "(\(report)), outcomes \(counts.sorted { $0.key < $1.key }), "
                + String(
                    format: "writing %.1f s, checking %.1f s", written.timeIntervalSince(began),
                    Date().timeIntervalSince(written)))
    }

    /// The runs the fleet writes (LedgerWorkload's `fleetThread` describes them); returns their ids.
    func setUp(_ ledger: Ledger) throws -> [String] {
        var ids: [String] = []
        for index in 0..<runs {
            ids.append(try ledger.start(job: "cas", lifecycle: "canonical", id: "cas-\(index)", state: "PENDING").id)
        }
        try ledger.setConcurrencyLimit(1, for: "solo")
        try ledger.setConcurrencyLimit(1, for: "solo-cue")
        for index in 0..<keys {
            ids.append(
                try ledger.start(job: "keyed", lifecycle: "canonical", id: "keyed-\(index)", state: "PENDING").id)
        }
        ids.append(try ledger.start(job: "decoy", lifecycle: "openlineage", id: "decoy").id)
        try ledger.transition("decoy", to: "RUNNING")
        for index in 0..<4 {
            ids.append(
                try ledger.start(
                    job: "retry", lifecycle: "prefect", id: "retry-\(index)", state: "Running", maxRetries: 2
                )
                .id)
        }
        for index in 0..<2 {
            ids.append(
                try ledger.start(
                    job: "chain-\(index)", lifecycle: "prefect", id: "chain-\(index)", state: "Running", maxRetries: 2
                ).id)
        }
        return ids
    }

    /// Checks the ledger against what the fleet acknowledged; returns a summary of what it saw.
    func check(_ ledger: Ledger, acks: [[String: Any]], setupRuns: [String], setupSeq: Int64, seed: UInt64) throws
        -> String
    {
        let all = try ledger.runs(matching: RunQuery())
        var histories: [String: [StateChange]] = [:]
        var bySeq: [Int64: StateChange] = [:]
        for run in all {
            let history = try ledger.history(of: run.id)
            histories[run.id] = history
            for change in history { bySeq[change.seq] = change }
            // Each history chains, and the run is in its last state.
            #expect(
                history.first?.from == nil, "seed \(seed): \(run.id) starts with \(String(describing: history.first))")
            for (previous, next) in zip(history, history.dropFirst()) {
                #expect(next.from == previous.to, "seed \(seed): \(run.id): \(previous.to) then \(next)")
                #expect(next.seq > previous.seq, "seed \(seed): \(run.id): seq \(previous.seq) then \(next.seq)")
            }
            #expect(run.state == history.last?.to, "seed \(seed): \(run.id) is in \(run.state), history says otherwise")
        }

        // Nothing lost: every acknowledged change is recorded as acknowledged; every start too.
        var acknowledged: [Int64: Int] = [:]
        var keyed: [String: Set<String>] = [:]
        var started: Set<String> = []
        for ack in acks {
            let call = ack["call"] as? String ?? ""
            let run = ack["run"] as? String ?? ""
            if call == "start" || call == "retry-start" {
                started.insert(run)
                let recorded = try #require(
                    try ledger.run(id: run), "seed \(seed): acknowledged start of \(run) is not in the ledger")
                if call == "start" {
                    let first = histories[run]?.first
                    #expect(
                        first?.seq == (ack["seq"] as? NSNumber)?.int64Value,
                        "seed \(seed): \(ack) vs \(String(describing: first))")
                    if ack["state"] as? String == "SKIPPED" {
                        #expect(histories[run]?.map(\.to) == ["PENDING", "SKIPPED"], "seed \(seed): \(run)")
                    }
                } else {
                    #expect(recorded.attempt == ack["attempt"] as? Int && recorded.parentID == ack["parent"] as? String)
                }
                continue
            }
            let seq = try #require((ack["seq"] as? NSNumber)?.int64Value, "seed \(seed): \(ack)")
            guard let change = bySeq[seq] else {
                Issue.record("seed \(seed): acknowledged change \(ack) is not in the history")
                continue
            }
            #expect(
                change.runID == run && (change.from ?? "-") == ack["from"] as? String
                    && change.to == ack["to"] as? String,
                "seed \(seed): acknowledged \(ack), recorded \(change)")
            if let key = ack["key"] as? String {
                keyed[key, default: []].insert("\(seq) \(run) \(change.to)")
                #expect(
                    change.requestKey == key, "seed \(seed): \(ack) acknowledged a change under another key: \(change)")
            }
            acknowledged[seq, default: 0] += 1
        }

        // Nothing extra, nothing twice: each change after the set-up was acknowledged (a keyed
        // change by every process that sent the key, any other by one call exactly); each run
        // after the set-up was started by an acknowledged call.
        var extra: [String] = []
        var twice: [String] = []
        for (id, history) in histories {
            for (index, change) in history.enumerated() where change.seq > setupSeq && index > 0 {
                let skippedAtStart = index == 1 && change.to == "SKIPPED" && change.at == history[0].at
                if skippedAtStart { continue }
                let times = acknowledged[change.seq] ?? 0
                if times == 0 { extra.append("\(id): \(change)") }
                if times > 1 && change.requestKey == nil { twice.append("\(id): \(change) (\(times) times)") }
            }
        }
        #expect(extra.isEmpty, "seed \(seed): changes no call acknowledged: \(extra.prefix(10))")
        #expect(twice.isEmpty, "seed \(seed): changes acknowledged by several calls: \(twice.prefix(10))")
        let unstarted = Set(all.map(\.id)).subtracting(setupRuns).subtracting(started)
        #expect(unstarted.isEmpty, "seed \(seed): runs no call acknowledged: \(unstarted.sorted().prefix(10))")

        // Each request key once, and the same change for every process that sent it.
        let recordedKeys = Dictionary(grouping: bySeq.values.filter { $0.requestKey != nil }) { $0.requestKey ?? "" }
        for (key, changes) in recordedKeys {
            #expect(changes.count == 1, "seed \(seed): key \(key) recorded \(changes.count) times: \(changes)")
        }
        for (key, seen) in keyed {
            #expect(seen.count == 1, "seed \(seed): key \(key) gave different changes to different callers: \(seen)")
        }

        // Every limit held at every point of the history, in seq order. A run skipped at its
        // start (its second row SKIPPED, at its first row's time) was never active.
        var peaks: [String] = []
        for job in ["solo", "solo-cue"] {
            var events: [(seq: Int64, delta: Int, run: String)] = []
            for run in all where run.job == job {
                let history = histories[run.id] ?? []
                guard let first = history.first else { continue }
                if history.count == 2 && history[1].to == "SKIPPED" && history[1].at == first.at { continue }
                events.append((first.seq, 1, run.id))
                if let end = history.first(where: { ledgerIsTerminal($0.to) }) { events.append((end.seq, -1, run.id)) }
            }
            var active: [String] = []
            var most = 0
            for event in events.sorted(by: { $0.seq < $1.seq }) {
                if event.delta > 0 { active.append(event.run) } else { active.removeAll { $0 == event.run } }
                most = max(most, active.count)
                if active.count > 1 {
                    let rows = active.flatMap { id in
                        (histories[id] ?? []).map {
                            "\(id) seq \($0.seq) \($0.from ?? "-") -> \($0.to) at \($0.at.rawValue) \($0.reason ?? "")"
                        }
                    }
                    Issue.record(
                        """
                        seed \(seed): job \(job) has \(active.count) active runs at seq \(event.seq): \(active)
                        (with no overlap by the callers' clocks below, the limit held as the commits \
                        ran, but the history's seq order says otherwise: a seq drawn before the \
                        limit was checked)
                        \(rows.joined(separator: "\n"))
                        """)
                    break
                }
            }
            peaks.append("\(job) peak \(most) of \(events.filter { $0.delta > 0 }.count) admitted")
        }

        // And by the callers' clocks, which do not depend on the engine's order of `seq`: no
        // run admitted after another's start had returned, and that returned before the
        // other's end was asked for (the other was active throughout).
        var calls: [String: (start: (Int64, Int64), end: Int64)] = [:]
        for ack in acks {
            guard let run = ack["run"] as? String, run.hasPrefix("solo-"),
                let t0 = (ack["t0"] as? NSNumber)?.int64Value, let t1 = (ack["t1"] as? NSNumber)?.int64Value
            else { continue }
            if ack["call"] as? String == "start", ack["state"] as? String != "SKIPPED" {
                calls[run] = ((t0, t1), calls[run]?.end ?? .max)
            } else if ack["call"] as? String == "end", ledgerIsTerminal(ack["to"] as? String ?? "") {
                calls[run] = (calls[run]?.start ?? (0, 0), t0)
            }
        }
        for job in ["solo", "solo-cue"] {
            let admitted = all.filter { $0.job == job }.compactMap { run in calls[run.id].map { (run.id, $0) } }
            for (first, a) in admitted {
                for (second, b) in admitted where a.start.1 < b.start.0 && b.start.1 < a.end {
                    Issue.record(
                        """
                        seed \(seed): job \(job): \(second) was admitted (its start asked at \(b.start.0), \
                        returned at \(b.start.1)) while \(first) was active (started by \(a.start.1), its end asked \
                        at \(a.end == .max ? "never" : "\(a.end)"))
                        """)
                }
            }
        }

        // No run retries more than it may: at most 2 entries into AwaitingRetry; a chain's runs
        // one attempt after their parent, at most attempt 3.
        for index in 0..<4 {
            let entries = histories["retry-\(index)"]?.filter { $0.to == "AwaitingRetry" }.count ?? 0
            #expect(entries <= 2, "seed \(seed): retry-\(index) entered AwaitingRetry \(entries) times")
        }
        let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        for run in all where run.job.hasPrefix("chain-") {
            #expect(run.attempt <= 3, "seed \(seed): \(run.id) is attempt \(run.attempt) of at most 2 retries")
            if let parent = run.parentID {
                #expect(
                    run.attempt == (byID[parent]?.attempt ?? 0) + 1, "seed \(seed): \(run.id) attempt \(run.attempt)")
            }
        }
        return "\(bySeq.count) changes, \(recordedKeys.count) keys, \(peaks.joined(separator: ", "))"
    }

    /// The terminal states of the lifecycles the limit-1 jobs use.
    func ledgerIsTerminal(_ state: String) -> Bool {
        ["COMPLETED", "FAILED", "CANCELLED", "CRASHED", "SKIPPED", "complete", "failed", "killed"].contains(state)
    }
}
