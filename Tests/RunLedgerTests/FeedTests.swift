import Foundation
import RunLedger
import TestSupport
import Testing

/// The ledger-wide feed (`Ledger.changes(after:matching:limit:)`, `Ledger.subscribe`) and its
/// consumers, on both engines: every change of every writer, the engine's own shell
/// included, in `seq` order, none skipped and none twice.
@Suite struct FeedTests {
    static func at(_ seconds: Double) -> Timestamp { Timestamp(rawValue: 1_700_000_000_000_000 + Int64(seconds * 1e6)) }

    /// Runs of two jobs and two lifecycles, and a run written by the engine's shell in plain SQL.
    static func fill(_ ledger: Ledger, _ database: TestDatabase) throws {
        for index in 0..<4 {
            let id = "e\(index)"
            _ = try ledger.start(job: "etl", id: id, at: at(Double(index * 10)))
            _ = try ledger.transition(id, to: "RUNNING", at: at(Double(index * 10 + 1)))
            _ = try ledger.transition(id, to: index % 2 == 0 ? "COMPLETED" : "FAILED", at: at(Double(index * 10 + 2)))
        }
        _ = try ledger.start(job: "notebook", lifecycle: "databricks", id: "d1", state: "PENDING", at: at(50))
        _ = try ledger.transition("d1", to: "RUNNING", at: at(51))
        _ = try ledger.transition("d1", to: "TERMINATED", at: at(52), outcome: "FAILED")
        let result = try database.run(
            """
            INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('sql-1', 'shell', 'canonical', 'PENDING', \(at(60).rawValue));
            INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('sql-1', 'PENDING', 'RUNNING', \(at(61).rawValue));
            INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('sql-1', 'RUNNING', 'CRASHED', \(at(62).rawValue));
            """)
        try #require(result.status == 0, "\(result.stderr)")
    }

    /// The history as the shell reads it: seq, run, state entered, in seq order.
    static func history(_ database: TestDatabase, where condition: String = "true") throws -> [String] {
        try database.query(
            "SELECT c.seq || ' ' || r.id || ' ' || c.to_state FROM state_changes AS c JOIN runs AS r ON r.num = c.run_num WHERE \(condition) ORDER BY c.seq;"
        )
    }

    static func lines(_ changes: [LedgerChange]) -> [String] {
        changes.map { "\($0.seq) \($0.change.runID) \($0.change.to)" }
    }

    /// Every page from `seq` on, as a reader that follows `through` reads them.
    static func readAll(_ ledger: Ledger, after seq: Int64 = 0, matching filter: ChangeFilter = .all, limit: Int)
        throws -> (changes: [LedgerChange], pages: Int)
    {
        var cursor = seq
        var changes: [LedgerChange] = []
        var pages = 0
        while true {
            let page = try ledger.changes(after: cursor, matching: filter, limit: limit)
            #expect(page.through >= cursor)
            #expect(page.changes.allSatisfy { $0.seq > cursor && $0.seq <= page.through })
            if page.through == cursor { return (changes, pages) }
            changes += page.changes
            cursor = page.through
            pages += 1
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func pagesFollowedByTheirCursorAreTheWholeHistory(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, database in
            try Self.fill(ledger, database)
            let history = try Self.history(database)
            #expect(history.count == 18)
            for limit in [1, 4, 1000] {
                let (changes, pages) = try Self.readAll(ledger, limit: limit)
                #expect(Self.lines(changes) == history, "limit \(limit)")
                #expect(pages == (history.count + limit - 1) / limit, "limit \(limit)")
            }
            // Resuming from any cursor gives the rest, exactly.
            let all = try ledger.changes(after: 0).changes
            let middle = all[7].seq
            #expect(
                Self.lines(try Self.readAll(ledger, after: middle, limit: 5).changes) == Array(history.dropFirst(8)))
            // What the feed adds to each row: job, lifecycle, type refined by the outcome.
            let terminated = try #require(all.first { $0.change.runID == "d1" && $0.change.to == "TERMINATED" })
            #expect(terminated.job == "notebook" && terminated.lifecycle == "databricks")
            #expect(terminated.canonicalType == .failed && terminated.isTerminal)
            let shell = try #require(all.last)
            #expect(shell.job == "shell" && shell.canonicalType == .crashed && shell.change.actor == nil)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func filtersPassOnlyTheirChangesAndTheCursorStillMovesOn(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, database in
            try Self.fill(ledger, database)
            let etl = try Self.readAll(ledger, matching: ChangeFilter(jobs: ["etl"]), limit: 2).changes
            #expect(Self.lines(etl) == (try Self.history(database, where: "r.job = 'etl'")))
            let failures = try ledger.changes(after: 0, matching: ChangeFilter(canonicalTypes: [.failed, .crashed]))
            #expect(
                Self.lines(failures.changes) == ["6 e1 FAILED", "12 e3 FAILED", "15 d1 TERMINATED", "18 sql-1 CRASHED"])
            let both = try ledger.changes(
                after: 0, matching: ChangeFilter(lifecycles: ["canonical"], canonicalTypes: [.failed]))
            #expect(Self.lines(both.changes) == ["6 e1 FAILED", "12 e3 FAILED"])
            // A page that matched nothing still read through every change: no reread.
            let none = try ledger.changes(after: 0, matching: ChangeFilter(jobs: ["no-such-job"]))
            #expect(none.changes.isEmpty && none.through == 18)
            let last = try ledger.lastChanges(2, matching: ChangeFilter(canonicalTypes: [.failed]))
            #expect(Self.lines(last.changes) == ["12 e3 FAILED", "15 d1 TERMINATED"] && last.through == 18)
            #expect(throws: LedgerError.self) { try ledger.changes(after: -1) }
            #expect(throws: LedgerError.self) { try ledger.changes(after: 0, limit: 0) }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func consumersCursorsMoveOnlyForward(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, database in
            try Self.fill(ledger, database)
            // A new consumer starts at the newest change unless told where.
            #expect(try ledger.openConsumer("next") == 18)
            #expect(try ledger.openConsumer("all", at: 0) == 0)
            #expect(try ledger.openConsumer("all", at: 10) == 0)  // an existing one stays where it is
            try ledger.acknowledge(12, for: "all")
            try ledger.acknowledge(5, for: "all")  // never back
            #expect(try ledger.openConsumer("all") == 12)
            #expect(throws: LedgerError.self) { try ledger.acknowledge(3, for: "nobody") }
            #expect(throws: LedgerError.self) { try ledger.openConsumer("") }

            let now = Self.at(100)
            var consumers = try ledger.consumers(now: now)
            #expect(consumers.map(\.name) == ["all", "next"])
            #expect(consumers.map(\.lagChanges) == [6, 0])
            #expect(consumers[0].lagSeconds == 100 - 50)  // the first change it has not handled: d1's start, at 50 s
            #expect(consumers[1].lagSeconds == 0)

            // A foreign client's change is lag like any other.
            let result = try database.run(
                "INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('sql-2', 'shell', 'canonical', 'PENDING', \(Self.at(80).rawValue));"
            )
            try #require(result.status == 0, "\(result.stderr)")
            consumers = try ledger.consumers(now: now)
            #expect(consumers.map(\.lagChanges) == [7, 1])
            #expect(try ledger.removeConsumer("next"))
            #expect(!(try ledger.removeConsumer("next")))
            #expect(try ledger.consumers().map(\.name) == ["all"])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aSubscriptionDeliversEveryCommitOnceAndEndsWhenCancelled(
        _ engine: Ledger.Engine
    ) async throws {
        try await withAsyncTestDatabase(engine) { database in
            let ledger = try database.open()
            _ = try await ledger.start(job: "etl", id: "before")
            let received = Received()
            let feed = ledger.subscribe(from: 0, pollInterval: .milliseconds(10))
            let reader = Task {
                for try await change in feed { await received.add(change) }
                return await received.count
            }
            // Changes from this ledger's own connection, and from the shell's.
            for index in 0..<20 {
                _ = try await ledger.start(job: "etl", id: "r\(index)")
                if index % 5 == 0 {
                    let result = try database.run(
                        "INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('r\(index)', 'SCHEDULED', 'RUNNING', \(Timestamp.now.rawValue + 1_000_000));"
                    )
                    try #require(result.status == 0, "\(result.stderr)")
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            let expected = try Self.history(database)
            #expect(expected.count == 25)
            // Bounded wait for delivery (not a timing assertion: it fails only if changes never come).
            for _ in 0..<3000 {
                if await received.count >= expected.count { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            reader.cancel()
            let count = try await reader.value  // the sequence ends on cancellation
            #expect(count == expected.count)
            #expect(Self.lines(await received.changes) == expected)
        }
    }
}

/// What a subscription delivered, in order.
private actor Received {
    private(set) var changes: [LedgerChange] = []
    var count: Int { changes.count }
    func add(_ change: LedgerChange) { changes.append(change) }
}
