import Foundation
import Synchronization
import Testing

@testable import RunLedger

/// `Ledger.wait`, synchronous and async, on both engines: it returns once the run has ended
/// (or entered the state asked for) whoever wrote the change, gives up at its timeout, and
/// refuses what it cannot wait for. The writes come from other threads while the wait blocks;
/// no assertion depends on how long anything took.
struct WaitTests {
    /// Runs `write` on another thread after a short pause (so that the wait is blocking by
    /// then; the expectations hold either way), and returns a way to join it.
    private func later(_ write: @escaping @Sendable () throws -> Void) -> @Sendable () throws -> Void {
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            usleep(200_000)
            let result = Result { try write() }
            outcome.withLock { $0 = result }
            done.signal()
        }
        return {
            done.wait()
            try outcome.withLock { $0 }?.get()
        }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func waitReturnsTheRunWhenAForeignClientEndsIt(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let run = try ledger.start(job: "etl", lifecycle: "databricks")
            // Plain SQL from the engine's own shell, another process that knows nothing of
            // runledger: TERMINATED with outcome FAILED is a failure.
            let join = later {
                _ = try database.query(
                    """
                    INSERT INTO state_history (run_id, from_state, to_state) VALUES ('\(run.id)', 'PENDING', 'RUNNING');
                    INSERT INTO state_history (run_id, from_state, to_state, outcome)
                    VALUES ('\(run.id)', 'RUNNING', 'TERMINATED', 'FAILED');
                    """)
            }
            let ended = try ledger.wait(for: run.id, timeout: .seconds(120))
            try join()
            #expect(ended.state == "TERMINATED")
            #expect(ended.outcome == "FAILED")
            #expect(ended.canonicalType == .failed)
            #expect(ended.isTerminal)
        }
    }

    /// SQLite's `data_version` does not move for the connection's own commits: a change
    /// through the same `Ledger`, from another thread, must end the wait all the same.
    @Test(arguments: Ledger.Engine.allCases)
    func waitSeesChangesMadeThroughTheSameLedger(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let run = try ledger.start(job: "render", lifecycle: "opencue")
            try ledger.transition(run.id, to: "running")
            let join = later { try ledger.perform("kill", on: run.id, reason: "wrong frames") }
            let ended = try ledger.wait(for: run.id, timeout: .seconds(120))
            try join()
            #expect(ended.state == "killed")
            #expect(ended.canonicalType == .cancelled)
        }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func waitSeesChangesOfAnotherLedgerOnTheSameDatabase(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let run = try ledger.start(job: "train", lifecycle: "domino")
            let other = try database.open()
            let join = later {
                for state in ["Scheduled", "Preparing", "Running", "Finishing", "Succeeded"] {
                    try other.transition(run.id, to: state)
                }
            }
            let ended = try ledger.wait(for: run.id, timeout: .seconds(120))
            try join()
            #expect(ended.state == "Succeeded")
            #expect(ended.canonicalType == .completed)
        }
    }

    /// With a state, the wait ends when the run enters it, even if it has left it again by
    /// the next look (here, in the same commit), and when the run ends without entering it.
    @Test(arguments: Ledger.Engine.allCases)
    func waitUntilAStateEndsWhenTheRunEntersItOrEnds(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let other = try database.open()
            let passing = try ledger.start(job: "a", state: "PENDING")
            let join = later {
                try other.batch { batch in
                    try batch.transition(passing.id, to: "RUNNING")
                    try batch.transition(passing.id, to: "PENDING", reason: "interrupted")
                }
            }
            let seen = try ledger.wait(for: passing.id, until: "RUNNING", timeout: .seconds(120))
            try join()
            #expect(seen.state == "PENDING")  // as it is now: it entered RUNNING and left it

            let failing = try ledger.start(job: "b", state: "PENDING")
            let join2 = later { try other.transition(failing.id, to: "FAILED", reason: "bad parameters") }
            let ended = try ledger.wait(for: failing.id, until: "RUNNING", timeout: .seconds(120))
            try join2()
            #expect(ended.state == "FAILED")

            let running = try ledger.start(job: "c", state: "RUNNING")
            #expect(try ledger.wait(for: running.id, until: "RUNNING", timeout: .zero).state == "RUNNING")
        }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func waitThrowsAtItsTimeoutWithTheRunAsItWas(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let run = try ledger.start(job: "slow", lifecycle: "prefect")
            let error = #expect(throws: WaitTimeout.self) {
                try ledger.wait(for: run.id, timeout: .milliseconds(250))
            }
            #expect(error?.run.id == run.id)
            #expect(error?.run.state == "Scheduled")
            #expect(error?.state == nil)
            #expect(error?.description.contains("has not ended after") == true)
            #expect(throws: WaitTimeout.self) {
                try ledger.wait(for: run.id, until: "Running", timeout: .zero)
            }
            // A run that has ended returns at once, whatever the timeout (none, or one too
            // long for the clock).
            try ledger.transition(run.id, to: "Cancelled")
            #expect(try ledger.wait(for: run.id).state == "Cancelled")
            #expect(try ledger.wait(for: run.id, timeout: .seconds(Int64.max)).state == "Cancelled")
        }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func waitRefusesAnUnknownRunStateOrTimeout(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let run = try ledger.start(job: "x", lifecycle: "databricks")
            #expect(throws: LedgerError.noSuchRun(runID: "nope")) { try ledger.wait(for: "nope") }
            #expect(throws: LedgerError.noSuchState(lifecycle: "databricks", state: "Running")) {
                try ledger.wait(for: run.id, until: "Running")
            }
            #expect(throws: LedgerError.self) { try ledger.wait(for: run.id, timeout: .seconds(-1)) }
        }
    }

    // MARK: - Async

    @Test(arguments: Ledger.Engine.allCases)
    func asyncWaitReturnsWhenTheRunEnds(_ engine: Ledger.Engine) async throws {
        try await withAsyncTestDatabase(engine) { database in
            let ledger = try database.open()
            let run = try await ledger.start(job: "etl", lifecycle: "openlineage")
            let waiting = Task { try await ledger.wait(for: run.id, timeout: .seconds(120)) }
            try await Task.sleep(for: .milliseconds(200))
            try await ledger.transition(run.id, to: "COMPLETE")
            let ended = try await waiting.value
            #expect(ended.state == "COMPLETE")
            #expect(ended.canonicalType == .completed)
        }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func asyncWaitEndsWhenItsTaskIsCancelled(_ engine: Ledger.Engine) async throws {
        try await withAsyncTestDatabase(engine) { database in
            let ledger = try database.open()
            let run = try await ledger.start(job: "forever")
            let waiting = Task { try await ledger.wait(for: run.id) }
            try await Task.sleep(for: .milliseconds(100))
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            #expect(try await ledger.run(id: run.id)?.state == "SCHEDULED")
        }
    }
}
