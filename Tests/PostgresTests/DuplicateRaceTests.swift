import Foundation
import RunLedger
import RunLedgerPostgres
import Synchronization
import TestSupport
import Testing

/// Sessions that give the same run id or request key at the same moment: one records it, the
/// others get the typed refusal through the library (the rules' tag, or the unique index's
/// violation that the library reads as the same rule).
struct DuplicateRaceTests {
    @Test func eightSessionsStartingTheSameRunRecordItOnce() throws {
        try withPostgresSchema { database in
            let first = try database.open(.init())
            let ledgers = try (0..<8).map { _ in try database.open(.init()) }
            for round in 0..<20 {
                let outcomes = Mutex<[String]>([])
                DispatchQueue.concurrentPerform(iterations: ledgers.count) { index in
                    let outcome: String
                    do {
                        try ledgers[index].start(job: "etl", id: "run-\(round)")
                        outcome = "started"
                    } catch LedgerError.duplicateRun(let runID) where runID == "run-\(round)" {
                        outcome = "duplicate"
                    } catch {
                        outcome = "\(error)"
                    }
                    outcomes.withLock { $0.append(outcome) }
                }
                let seen = outcomes.withLock { $0 }.sorted()
                #expect(seen == ["duplicate"] * 7 + ["started"], "round \(round): \(seen)")
            }
            #expect(try first.query("SELECT count(*) FROM runs").rows == [[.integer(20)]])
            #expect(try first.verify().isClean)
        }
    }

    @Test func eightSessionsSendingTheSameRequestKeyRecordOneChange() throws {
        try withPostgresSchema { database in
            let first = try database.open(.init())
            let ledgers = try (0..<8).map { _ in try database.open(.init()) }
            for round in 0..<20 {
                try first.start(job: "etl", id: "run-\(round)")
                let seqs = Mutex<[String]>([])
                DispatchQueue.concurrentPerform(iterations: ledgers.count) { index in
                    let outcome: String
                    do {
                        outcome = String(
                            try ledgers[index].transition("run-\(round)", to: "PENDING", requestKey: "key-\(round)").seq
                        )
                    } catch {
                        outcome = "\(error)"
                    }
                    seqs.withLock { $0.append(outcome) }
                }
                // Every session gets the one change recorded, the same seq.
                let seen = seqs.withLock { $0 }
                #expect(Set(seen).count == 1 && Int64(seen[0]) != nil, "round \(round): \(seen)")
                #expect(try first.history(of: "run-\(round)").count == 2)
            }
            #expect(try first.verify().isClean)
        }
    }
}

extension Array {
    fileprivate static func * (element: [Element], count: Int) -> [Element] {
        Array((0..<count).flatMap { _ in element })
    }
}
