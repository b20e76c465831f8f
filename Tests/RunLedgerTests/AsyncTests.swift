import Foundation
import RunLedgerPostgres
import Synchronization
import Testing

@testable import RunLedger

/// The async overloads: many tasks share one ledger, and a write waiting for another
/// process's lock suspends its task without taking a thread of the cooperative pool.
struct AsyncTests {
    @Test(arguments: Ledger.Engine.allCases)
    func aThousandConcurrentTasksWriteThroughOneLedger(_ engine: Ledger.Engine) async throws {
        try await withAsyncTestDatabase(engine) { database in
            let ledger = try await database.openAsync()
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<1000 {
                    group.addTask {
                        let run = try await ledger.start(job: "job-\(index % 10)", lifecycle: "prefect")
                        try await ledger.transition(run.id, to: "Pending")
                        try await ledger.transition(run.id, to: "Running", expecting: "Pending")
                        try await ledger.transition(run.id, to: "Completed")
                        return run.id
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == 1000)
            let runs = try await ledger.runs(matching: RunQuery(limit: nil))
            #expect(runs.count == 1000)
            #expect(runs.allSatisfy { $0.state == "Completed" && ids.contains($0.id) })
            #expect(try await ledger.verify().isClean)
        }
    }

    /// Another process holds the write lock (`BEGIN IMMEDIATE` in the `sqlite3` shell; on
    /// PostgreSQL an exclusive lock on `runs` in `psql`) while more async writes than the
    /// cooperative pool has threads wait for it: pure async tasks still run to their end
    /// meanwhile, and once the lock is released every write is made. A write whose task was
    /// cancelled before it began is not made.
    @Test(arguments: Ledger.Engine.allCases)
    func writesWaitingForALockLeaveTheCooperativePoolFree(_ engine: Ledger.Engine) async throws {
        try await withAsyncTestDatabase(engine) { database in
            let ledger = try await database.openAsync(.init(durability: .normal, busyTimeout: .seconds(60)))
            _ = try await ledger.start(job: "warm-up")  // the schema is made, the thread started
            let begunBefore = ledger.worker.jobsBegun
            let holder = try LockHolder(database)
            defer { holder.close() }

            let writers = 4 * max(2, ProcessInfo.processInfo.activeProcessorCount)
            let written = Counter()
            var writes: [Task<Void, any Error>] = []
            for index in 0..<writers {
                writes.append(
                    Task {
                        try await ledger.start(job: "blocked", id: "blocked-\(index)")
                        written.add()
                    })
            }
            // The first write has begun: the ledger's thread waits for the lock in SQLite
            // (or the server), and every other write is queued behind it.
            while ledger.worker.jobsBegun == begunBefore { try await Task.sleep(for: .milliseconds(5)) }
            let cancelled = Task {
                try await ledger.start(job: "blocked", id: "cancelled")
            }
            cancelled.cancel()

            // Progress: tasks that only sleep and yield, many more than the pool's threads.
            let steps = Counter()
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<writers {
                    group.addTask {
                        for _ in 0..<20 {
                            await Task.yield()
                            try? await Task.sleep(for: .milliseconds(1))
                            steps.add()
                        }
                    }
                }
            }
            #expect(steps.count == writers * 20)
            #expect(written.count == 0, "the lock is still held")
            await #expect(throws: CancellationError.self) { try await cancelled.value }

            try holder.release()
            for write in writes { try await write.value }
            #expect(written.count == writers)
            let runs = try await ledger.runs(matching: RunQuery(job: "blocked", limit: nil))
            #expect(Set(runs.map(\.id)) == Set((0..<writers).map { "blocked-\($0)" }))
        }
    }
}

/// A count shared by tasks.
private final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    func add() { value.add(1, ordering: .sequentiallyConsistent) }

    var count: Int { value.load(ordering: .sequentiallyConsistent) }
}

extension TestDatabase {
    /// The ledger, opened with the async `open`.
    func openAsync(_ configuration: Ledger.Configuration = .init(durability: .normal)) async throws -> Ledger {
        switch engine {
        case .sqlite: try await Ledger.open(path: location, configuration: configuration)
        case .postgres: try await Ledger.open(postgres: location, configuration: configuration)
        }
    }
}

/// The engine's shell, in another process, holding the ledger's write lock until released:
/// `BEGIN IMMEDIATE` in `sqlite3`, `LOCK TABLE runs IN EXCLUSIVE MODE` in `psql`.
private final class LockHolder {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var released = false

    /// Starts the shell and returns once it says it holds the lock.
    init(_ database: TestDatabase) throws {
        switch database.engine {
        case .sqlite:
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            process.arguments = ["-batch", database.location]
        case .postgres:
            process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
            process.arguments = [database.location, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
        }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let lock =
            database.engine == .sqlite ? "BEGIN IMMEDIATE;" : "BEGIN; LOCK TABLE runs IN EXCLUSIVE MODE;"
        input.fileHandleForWriting.write(Data("\(lock)\nSELECT 'locked';\n".utf8))
        var said = ""
        while !said.contains("locked") {
            let data = output.fileHandleForReading.availableData
            guard !data.isEmpty else { throw LockFailed() }  // the shell ended
            said += String(decoding: data, as: UTF8.self)
        }
    }

    /// Commits, releasing the lock.
    func release() throws {
        guard !released else { return }
        released = true
        input.fileHandleForWriting.write(Data("COMMIT;\n".utf8))
    }

    /// Ends the shell (releasing the lock if it still holds it).
    func close() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    struct LockFailed: Error {}
}
