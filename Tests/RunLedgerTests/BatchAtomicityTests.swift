import Foundation
import Testing

@testable import RunLedger

/// A write refused inside a batch leaves nothing behind, on both engines, also when it is
/// several statements (a start with upstreams: the run, then each dependency).
struct BatchAtomicityTests {
    @Test(arguments: Ledger.Engine.allCases) func aStartRefusedAtItsSecondDependencyLeavesNoRun(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, _ in
            let t0 = Timestamp(rawValue: 1_760_000_000_000_000)
            try ledger.batch { batch in
                try batch.start(job: "a", lifecycle: "databricks", id: "r1", state: "PENDING", at: t0)
                // The second dependency on r1 is refused (bad_value): the run was stored first.
                #expect(throws: LedgerError.self) {
                    try batch.start(job: "b", lifecycle: "databricks", id: "r2", at: t0, upstream: ["r1", "r1"])
                }
                try batch.start(job: "c", lifecycle: "databricks", id: "r3", state: "PENDING", at: t0)
            }
            #expect(try ledger.run(id: "r2") == nil)
            #expect(try ledger.runs(matching: RunQuery()).map(\.id).sorted() == ["r1", "r3"])
            #expect(try ledger.verify().isClean)
        }
    }
}
