import CPowerCutVFS
import Foundation
import RunLedger

/// SplitMix64, so that a cut can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What the ledger holds, as far as one cut's workload can tell: the runs it touched, whole,
/// and the row counts of the tables it writes (so that a row it did not expect shows too).
struct LedgerSnapshot: Equatable {
    struct RunFacts: Equatable {
        var state: String
        var history: [String]
        var annotations: [String]
        var heartbeatAt: Timestamp?
    }

    var runs: [String: RunFacts] = [:]
    var counts: [Int64] = []

    /// Reads the runs named in `ids` and the counts from `ledger`.
    static func read(_ ledger: Ledger, ids: Set<String>) throws -> LedgerSnapshot {
        var snapshot = LedgerSnapshot()
        for id in ids {
            guard let run = try ledger.run(id: id) else { continue }
            snapshot.runs[id] = RunFacts(
                state: run.state, history: try ledger.history(of: id).map { "\($0.seq):\($0.to)" },
                annotations: try ledger.annotations(of: id).map { "\($0.id):\($0.kind)" }, heartbeatAt: run.heartbeatAt)
        }
        let result = try ledger.query(
            """
            SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM state_changes),
                   (SELECT count(*) FROM run_annotations), (SELECT coalesce(sum(heartbeat_at), 0) FROM runs)
            """)
        snapshot.counts = (result.rows.first ?? []).map { value in
            if case .integer(let number) = value { return number }
            return -1
        }
        return snapshot
    }
}

/// One cut's workload: a few acknowledged ledger transactions of every kind, with a WAL
/// checkpoint now and then, recorded as the snapshot after each acknowledgement.
struct PowerCutWorkload {
    /// The canonical lifecycle's plain transitions, and its terminal states.
    let targets: [String: [String]]
    let terminal: Set<String>
    /// The ledger file (the normal name; the VFS's is derived from it).
    let path: String
    let durability: Ledger.Configuration.Durability

    /// The snapshots: `[0]` before the workload, `[k]` after the k-th acknowledged transaction.
    private(set) var snapshots: [LedgerSnapshot] = []
    /// The runs the workload touched, with their last known state.
    private(set) var states: [String: String] = [:]
    /// How many checkpoints ran.
    private(set) var checkpoints = 0

    init(lifecycle: Lifecycle, path: String, durability: Ledger.Configuration.Durability, known: [String: String]) {
        var targets: [String: [String]] = [:]
        for transition in lifecycle.transitions where transition.action == nil {
            targets[transition.from, default: []].append(transition.to)
        }
        self.targets = targets
        self.terminal = Set(lifecycle.states.filter(\.isTerminal).map(\.name))
        self.path = path
        self.durability = durability
        self.states = known
    }

    var acknowledged: Int { snapshots.count - 1 }

    /// Runs `operations` operations on `ledger` until one fails (the cut). Returns the error
    /// that stopped it, if any.
    mutating func run(on ledger: Ledger, operations: Int, generator: inout SeededGenerator) throws -> (any Error)? {
        snapshots = [try LedgerSnapshot.read(ledger, ids: Set(states.keys))]
        for _ in 0..<operations {
            do {
                let wrote = try step(ledger, generator: &generator)
                if wrote { snapshots.append(try LedgerSnapshot.read(ledger, ids: Set(states.keys))) }
            } catch {
                return error
            }
        }
        return nil
    }

    /// One random operation; returns whether it was a ledger transaction.
    private mutating func step(_ ledger: Ledger, generator: inout SeededGenerator) throws -> Bool {
        let active = states.filter { !terminal.contains($0.value) }.keys.sorted()
        let roll = Int.random(in: 0..<100, using: &generator)
        if active.isEmpty || roll < 20 {
            let run = try ledger.start(job: "job-\(Int.random(in: 0..<3, using: &generator))", lifecycle: "canonical")
            states[run.id] = run.state
            return true
        }
        let id = active[Int.random(in: 0..<active.count, using: &generator)]
        switch roll {
        case 20..<50:
            guard let target = pickTarget(id, generator: &generator) else { return false }
            states[id] = try ledger.transition(id, to: target).to
        case 50..<62:
            // A batch: a new run and a change of an existing one, in one transaction.
            let picked = pickTarget(id, generator: &generator)
            let started = try ledger.batch { batch in
                let run = try batch.start(job: "batch-job", lifecycle: "canonical")
                if let picked { try batch.transition(id, to: picked) }
                return run
            }
            states[started.id] = started.state
            if let picked { states[id] = picked }
        case 62..<74:
            try ledger.heartbeat(id)
        case 74..<86:
            try ledger.annotate(id, kind: "note-\(Int.random(in: 0..<5, using: &generator))", reason: "power-cut suite")
        default:
            let modes = ["PASSIVE", "FULL", "RESTART", "TRUNCATE"]
            let mode = modes[Int.random(in: 0..<modes.count, using: &generator)]
            let synchronous = durability == .full ? "FULL" : "NORMAL"
            let code = powercut_exec(path, "PRAGMA synchronous = \(synchronous); PRAGMA wal_checkpoint(\(mode))")
            guard code == 0 else { throw CheckpointFailed(code: code) }
            checkpoints += 1
            return false
        }
        return true
    }

    private func pickTarget(_ id: String, generator: inout SeededGenerator) -> String? {
        guard let state = states[id], let choices = targets[state], !choices.isEmpty else { return nil }
        // Prefer states that keep the run going, so that runs live through several cuts.
        let going = choices.filter { !terminal.contains($0) }
        let pool = !going.isEmpty && Int.random(in: 0..<4, using: &generator) > 0 ? going : choices
        return pool[Int.random(in: 0..<pool.count, using: &generator)]
    }
}

/// A checkpoint through the VFS failed (after a cut, always).
struct CheckpointFailed: Error {
    let code: Int32
}
