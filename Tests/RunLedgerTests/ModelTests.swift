import Foundation
import Testing

@testable import RunLedger

/// Random operations on every built-in lifecycle, checked step by step against an in-memory
/// model of the lifecycle graphs: the ledger accepts exactly what the model accepts, and its
/// histories equal the model's; on both engines.
struct ModelTests {
    /// What the model knows of one run.
    struct ModelRun {
        let lifecycle: String
        var states: [String]
        var actions: [String?]
    }

    /// SplitMix64, so a failure can be replayed from its seed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func theLedgerAcceptsExactlyWhatTheModelAccepts(_ engine: Ledger.Engine)
        throws
    {
        let operations = SuiteSize.value("RUNLEDGER_MODEL_OPERATIONS", default: 10_000)
        let seed = UInt64(
            SuiteSize.value("RUNLEDGER_MODEL_SEED", default: Int(Timestamp.now.rawValue % 1_000_000)))
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory, name: "model.db") { database in
                var ledger = try database.open()
                let lifecycles = Dictionary(uniqueKeysWithValues: try ledger.lifecycles().map { ($0.name, $0) })
                let names = lifecycles.keys.sorted()
                var generator = Generator(state: seed)
                var model: [String: ModelRun] = [:]
                var ids: [String] = []
                var accepted = 0
                var refused = 0

                /// One operation, applied to the ledger (through `apply`) and to the model.
                func step(_ apply: (_ write: (Batch) throws -> Void) throws -> Void) throws {
                    let roll = Int.random(in: 0..<100, using: &generator)
                    // Mostly a run that is still active, so that most changes have somewhere to go.
                    let active = ids.suffix(40).filter { id in
                        guard let run = model[id], let state = run.states.last else { return false }
                        return lifecycles[run.lifecycle]?.state(named: state)?.isTerminal == false
                    }
                    if roll < 15 || active.isEmpty {
                        // start: mostly an initial state, sometimes any state (legal only if initial).
                        let name = names.randomElement(using: &generator) ?? "canonical"
                        let lifecycle = try #require(lifecycles[name])
                        let initial = lifecycle.states.filter(\.isInitial).map(\.name)
                        let state =
                            (Int.random(in: 0..<10, using: &generator) < 7
                                ? initial.randomElement(using: &generator) : nil)
                            ?? lifecycle.states.randomElement(using: &generator)?.name ?? ""
                        let id = "m\(ids.count)-\(seed)"
                        let legal = lifecycle.state(named: state)?.isInitial == true
                        var recorded = false
                        try apply { batch in
                            do {
                                // One job per run: concurrency limits are another suite's business.
                                try batch.start(job: "job-\(id)", lifecycle: name, id: id, state: state)
                                recorded = true
                            } catch let error as LedgerError {
                                guard case .illegalTransition = error else { throw error }
                            }
                        }
                        #expect(recorded == legal, "seed \(seed): start \(name) in \(state)")
                        if recorded {
                            model[id] = ModelRun(lifecycle: name, states: [state], actions: [nil])
                            ids.append(id)
                            accepted += 1
                        } else {
                            refused += 1
                        }
                        return
                    }
                    let id =
                        (Int.random(in: 0..<10, using: &generator) < 8 ? active.randomElement(using: &generator) : nil)
                        ?? ids.randomElement(using: &generator) ?? ""
                    guard var run = model[id], let lifecycle = lifecycles[run.lifecycle], let current = run.states.last
                    else {
                        return
                    }
                    let useAction = roll < 35 && !lifecycle.actions.isEmpty
                    var expectedTarget: String?
                    var made: StateChange?
                    if useAction {
                        let available = lifecycle.transitions(from: current).compactMap(\.action)
                        let action =
                            (Int.random(in: 0..<2, using: &generator) == 0
                                ? available.randomElement(using: &generator) : nil)
                            ?? lifecycle.actions.randomElement(using: &generator) ?? ""
                        expectedTarget = lifecycle.transitions.first { $0.from == current && $0.action == action }?.to
                        try apply { batch in
                            do { made = try batch.perform(action, on: id) } catch is LedgerError {}
                        }
                        if let target = expectedTarget {
                            run.states.append(target)
                            run.actions.append(action)
                        }
                    } else {
                        // Mostly a legal target, so runs travel far; sometimes any state at all.
                        let plain = lifecycle.transitions(from: current).filter { $0.action == nil }.map(\.to)
                        let onward = plain.filter { lifecycle.state(named: $0)?.isTerminal == false }
                        let target =
                            (Int.random(in: 0..<10, using: &generator) < 6
                                ? onward.randomElement(using: &generator) : nil)
                            ?? (Int.random(in: 0..<10, using: &generator) < 5
                                ? plain.randomElement(using: &generator) : nil)
                            ?? lifecycle.states.randomElement(using: &generator)?.name ?? ""
                        let legal = lifecycle.transitions.contains {
                            $0.from == current && $0.to == target && $0.action == nil
                        }
                        expectedTarget = legal ? target : nil
                        try apply { batch in
                            do { made = try batch.transition(id, to: target) } catch is LedgerError {}
                        }
                        if legal {
                            run.states.append(target)
                            run.actions.append(nil)
                        }
                    }
                    #expect(made?.to == expectedTarget, "seed \(seed): \(id) from \(current)")
                    if made != nil { accepted += 1 } else { refused += 1 }
                    model[id] = run
                }

                var count = 0
                while count < operations {
                    let kind = Int.random(in: 0..<100, using: &generator)
                    if kind < 3 {
                        // reopen
                        ledger = try database.open()
                        count += 1
                    } else if kind < 13 {
                        // a batch of several operations, committed together
                        let size = Int.random(in: 2...6, using: &generator)
                        try ledger.batch { batch in
                            for _ in 0..<size { try step { try $0(batch) } }
                        }
                        count += size
                    } else {
                        let current = ledger
                        try step { write in try current.batch { try write($0) } }
                        count += 1
                    }
                    if let id = ids.last, let run = model[id] {
                        #expect(try ledger.run(id: id)?.state == run.states.last, "seed \(seed): \(id)")
                    }
                }

                // Every history equals the model's.
                for id in ids {
                    let history = try ledger.history(of: id)
                    let run = try #require(model[id])
                    #expect(history.map(\.to) == run.states, "seed \(seed): \(id)")
                    #expect(history.map(\.action) == run.actions, "seed \(seed): \(id)")
                }
                #expect(try ledger.verify().isClean, "seed \(seed)")
                #expect(accepted > 0 && refused > 0)
                print(
                    "model suite (\(engine)): \(count) operations (seed \(seed)): \(accepted) accepted, \(refused) refused, as the model said; \(ids.count) runs"
                )
            }
        }
    }
}
