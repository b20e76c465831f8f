import Foundation
import Testing

@testable import RunLedger

/// Lifecycles defined through the library: once and usable, refused when different under a
/// used name, every problem of a bad definition named; on both engines.
struct DefineLifecycleTests {
    static let deploy = Lifecycle(
        name: "deploy", description: "Blue-green deploys",
        states: [
            .init(name: "queued", canonicalType: .pending, isTerminal: false, isInitial: true),
            .init(name: "rolling", canonicalType: .running, isTerminal: false, isInitial: false),
            .init(name: "live", canonicalType: .completed, isTerminal: true, isInitial: false),
            .init(name: "rolled-back", canonicalType: .failed, isTerminal: true, isInitial: false),
        ],
        transitions: [
            .init(from: "queued", to: "rolling"), .init(from: "rolling", to: "live"),
            .init(from: "rolling", to: "rolled-back", action: "rollback"),
            .init(from: "rolled-back", to: "queued", action: "redeploy"),
        ],
        roles: .init(defaultMaxActive: 1))

    @Test(arguments: Ledger.Engine.allCases) func aValidLifecycleIsDefinedOnceAndUsable(_ engine: Ledger.Engine) throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            try ledger.define(Self.deploy)
            try ledger.define(Self.deploy)  // the same again: nothing changes
            #expect(try ledger.lifecycle(named: "deploy") == Self.deploy)
            let run = try ledger.start(job: "web", lifecycle: "deploy")
            #expect(run.state == "queued")
            // Its default limit of one active run per job, and no skip state: a second run is refused.
            #expect(throws: LedgerError.concurrencyLimitReached(job: "web", maxActive: 1)) {
                try ledger.start(job: "web", lifecycle: "deploy")
            }
            #expect(try ledger.start(job: "api", lifecycle: "deploy").state == "queued")
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aDifferentDefinitionUnderAUsedNameIsRefused(_ engine: Ledger.Engine)
        throws
    {
        try withTemporaryLedger(engine) { ledger, _ in
            try ledger.define(Self.deploy)
            var changed = Self.deploy
            changed.states[1].canonicalType = .pending
            #expect(throws: LedgerError.lifecycleExists(name: "deploy")) { try ledger.define(changed) }
            var builtin = Self.deploy
            builtin.name = "prefect"
            #expect(throws: LedgerError.lifecycleExists(name: "prefect")) { try ledger.define(builtin) }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func everyProblemOfADefinitionIsNamed(_ engine: Ledger.Engine) throws {
        try withTemporaryLedger(engine) { ledger, database in
            var bad = Self.deploy
            bad.name = "bad"
            bad.states[0].isInitial = false
            bad.states.append(.init(name: "live", canonicalType: .completed, isTerminal: true, isInitial: false))
            bad.states.append(.init(name: "orphan", canonicalType: .pending, isTerminal: false, isInitial: false))
            bad.transitions.append(.init(from: "live", to: "queued"))
            bad.transitions.append(.init(from: "queued", to: "rolling"))
            bad.transitions.append(.init(from: "queued", to: "nowhere"))
            bad.outcomes = [.init(name: "OK", canonicalType: .running)]
            bad.roles.crashState = "exploded"
            let error = try #require(throws: LedgerError.self) { try ledger.define(bad) }
            guard case .invalidLifecycle("bad", let problems) = error else {
                Issue.record("\(error)")
                return
            }
            let text = problems.joined(separator: "\n")
            #expect(text.contains("no state is initial"))
            #expect(text.contains("state live is defined twice"))
            #expect(text.contains("terminal state live has a plain transition to queued"))
            #expect(text.contains("transition queued -> rolling is defined twice"))
            #expect(text.contains("names unknown state nowhere"))
            #expect(text.contains("outcome OK must have a terminal canonical type"))
            #expect(text.contains("crash_state exploded is not one of its states"))
            var unreachable = Self.deploy
            unreachable.name = "unreachable"
            unreachable.states.append(
                .init(name: "island", canonicalType: .pending, isTerminal: false, isInitial: false))
            #expect(unreachable.problems == ["state island cannot be reached from an initial state"])
            #expect(
                try database.query("SELECT count(*) FROM lifecycles WHERE name IN ('bad', 'unreachable');")
                    == ["0"])
        }
    }
}
