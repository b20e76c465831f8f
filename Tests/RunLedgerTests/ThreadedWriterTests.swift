import Foundation
import Synchronization
import Testing

@testable import RunLedger

/// Many threads of one process writing one file at once, through one connection or one each:
/// every call succeeds or gets a typed error, no "database is locked" reaches a caller, and
/// every history ends legal. (Processes: CLITests' ContentionTests and FileCreationRaceTests.)
struct ThreadedWriterTests {
    /// What one worker saw.
    struct Outcome: Sendable {
        var acknowledged: [StateChange] = []
        var conflicts = 0
        var unexpected: [String] = []
    }

    /// Moves random shared runs of the canonical lifecycle through non-terminal states with
    /// compare-and-set transitions.
    static func work(_ ledger: Ledger, runs: Int, operations: Int, seed: Int) -> Outcome {
        var outcome = Outcome()
        var random = SystemRandomNumberGenerator()
        guard let lifecycle = try? ledger.lifecycle(named: "canonical") else {
            outcome.unexpected.append("no canonical lifecycle")
            return outcome
        }
        for _ in 0..<operations {
            let runID = "shared-\(Int.random(in: 0..<runs, using: &random))"
            do {
                guard let run = try ledger.run(id: runID) else {
                    outcome.unexpected.append("missing \(runID)")
                    continue
                }
                let targets = lifecycle.transitions(from: run.state).filter {
                    $0.action == nil && lifecycle.state(named: $0.to)?.isTerminal == false
                }
                guard let target = targets.randomElement(using: &random) else { continue }
                outcome.acknowledged.append(
                    try ledger.transition(runID, to: target.to, expecting: run.state, actor: "worker-\(seed)"))
            } catch LedgerError.expectedStateConflict {
                outcome.conflicts += 1
            } catch {
                outcome.unexpected.append("\(error)")
            }
        }
        return outcome
    }

    /// Checks that every acknowledged change is in the ledger and every history is legal.
    static func verify(_ ledger: Ledger, runs: Int, outcomes: [Outcome]) throws {
        let lifecycle = try #require(try ledger.lifecycle(named: "canonical"))
        var recorded: [Int64: StateChange] = [:]
        for index in 0..<runs {
            let history = try ledger.history(of: "shared-\(index)")
            for change in history { recorded[change.seq] = change }
            for (previous, next) in zip(history, history.dropFirst()) {
                #expect(next.from == previous.to)
                #expect(lifecycle.transitions(from: previous.to).contains { $0.to == next.to && $0.action == nil })
            }
            #expect(try ledger.run(id: "shared-\(index)")?.state == history.last?.to)
        }
        for outcome in outcomes {
            #expect(outcome.unexpected.isEmpty, "\(outcome.unexpected.prefix(3))")
            for change in outcome.acknowledged {
                #expect(
                    recorded[change.seq] == change, "acknowledged change \(change.seq) is not in the ledger as returned"
                )
            }
        }
        let acknowledged = outcomes.map(\.acknowledged.count).reduce(0, +)
        #expect(recorded.count == acknowledged + runs)  // + each run's first row
    }

    @Test(arguments: Ledger.Engine.allCases) func eightThreadsSharingOneLedger(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let runs = 4
            for index in 0..<runs { try ledger.start(job: "contend", id: "shared-\(index)", state: "PENDING") }
            let results = Mutex([Outcome](repeating: .init(), count: 8))
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                let outcome = Self.work(ledger, runs: runs, operations: 150, seed: worker)
                results.withLock { $0[worker] = outcome }
            }
            let outcomes = results.withLock { $0 }
            try Self.verify(ledger, runs: runs, outcomes: outcomes)
            #expect(outcomes.map(\.acknowledged.count).reduce(0, +) > 0)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func eightThreadsEachWithItsOwnConnection(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let runs = 3
            for index in 0..<runs { try ledger.start(job: "contend", id: "shared-\(index)", state: "PENDING") }
            let results = Mutex([Outcome](repeating: .init(), count: 8))
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                let outcome: Outcome
                do {
                    let own = try database.open()
                    outcome = Self.work(own, runs: runs, operations: 100, seed: worker)
                } catch {
                    outcome = Outcome(unexpected: ["open: \(error)"])
                }
                results.withLock { $0[worker] = outcome }
            }
            let outcomes = results.withLock { $0 }
            try Self.verify(ledger, runs: runs, outcomes: outcomes)
            let conflicts = outcomes.map(\.conflicts).reduce(0, +)
            let changes = outcomes.map(\.acknowledged.count).reduce(0, +)
            #expect(changes > 0)
            #expect(conflicts + changes > 0)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func concurrentBatchesCommitWhole(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                try? ledger.batch { batch in
                    for index in 0..<25 {
                        let run = try batch.start(job: "batch-\(worker)", id: "b\(worker)-\(index)")
                        try batch.transition(run.id, to: "RUNNING")
                    }
                }
            }
            for worker in 0..<8 {
                let runs = try ledger.runs(matching: RunQuery(job: "batch-\(worker)"))
                #expect(runs.count == 25)
                #expect(runs.allSatisfy { $0.state == "RUNNING" })
            }
        }
    }
}
