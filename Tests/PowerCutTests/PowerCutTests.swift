import CPowerCutVFS
import Foundation
import RunLedger
import TestSupport
import Testing

/// Power cuts at random points of a ledger's writes, through a VFS that keeps every write
/// not yet synced aside and drops it at the cut (Tests/CPowerCutVFS). After each cut the file
/// is reopened with the normal VFS and checked: under `.full` every acknowledged transaction
/// is there, under `.normal` only a tail of the last ones may be missing; never a corrupt file,
/// `verify` always clean. `RUNLEDGER_POWERCUT_SEED` replays a run, `RUNLEDGER_POWERCUT_CUTS`
/// sets the number of cuts (all four settings together).
@Suite(.serialized)
struct PowerCutTests {
    /// One setting's figures.
    struct Figures {
        var cuts = 0
        var midWorkload = 0
        var acknowledged = 0
        var lost = 0
        var worstLoss = 0
        var droppedWrites: Int64 = 0
        var tornBytes: Int64 = 0
        var tornCuts = 0
        var verifySeconds = 0.0
        var verified = 0
    }

    static let seed: UInt64 = {
        if let text = ProcessInfo.processInfo.environment["RUNLEDGER_POWERCUT_SEED"], let value = UInt64(text) {
            return value
        }
        return UInt64.random(in: 1...UInt64(UInt32.max))
    }()
    static let cuts = SuiteSize.value("RUNLEDGER_POWERCUT_CUTS", default: 1000)
    /// Cuts on one file before it is replaced by a fresh ledger.
    static let chain = 20

    @Test(arguments: [
        (Ledger.Configuration.Durability.full, Int32(POWERCUT_DROP)), (.full, Int32(POWERCUT_TORN)),
        (.normal, Int32(POWERCUT_DROP)), (.normal, Int32(POWERCUT_TORN)),
    ])
    func powerCutsLoseOnlyWhatTheDurabilityAllows(durability: Ledger.Configuration.Durability, mode: Int32) throws {
        try #require(powercut_register() == 0)
        try #require(powercut_uri_names_enabled() != 0, "this SQLite does not take file: names as URIs")
        let setting = (durability == .full ? 0 : 2) + Int(mode)
        let seed = Self.seed &+ UInt64(setting) &* 0x1_0000_0001
        let label = "\(durability) \(mode == POWERCUT_TORN ? "torn" : "drop")"
        print("power-cut suite, \(label): seed \(Self.seed) (RUNLEDGER_POWERCUT_SEED=\(Self.seed) replays)")
        let started = Date()
        let figures = try withTemporaryDirectory { directory in
            try Self.run(
                cuts: max(1, Self.cuts / 4), durability: durability, mode: mode, seed: seed, directory: directory)
        }
        print(
            "power-cut suite, \(label): \(figures.cuts) cuts (\(figures.midWorkload) during a write or sync), "
                + "\(figures.acknowledged) acknowledged transactions, \(figures.lost) lost, at most "
                + "\(figures.worstLoss) in one cut; \(figures.droppedWrites) unsynced writes dropped, "
                + "\(figures.tornCuts) torn writes (\(figures.tornBytes) bytes landed); "
                + "\(String(format: "%.1f", Date().timeIntervalSince(started))) s (\(figures.verified) verify runs, \(String(format: "%.1f", figures.verifySeconds)) s)"
        )
        #expect(figures.cuts == max(1, Self.cuts / 4))
        #expect(figures.midWorkload > figures.cuts / 4, "most cuts should fall during the writes")
        #expect(figures.droppedWrites > 0, "the VFS dropped nothing: the harness does not bite")
        if mode == POWERCUT_TORN { #expect(figures.tornCuts > 0, "no write was torn") }
        if durability == .full { #expect(figures.lost == 0) }
    }

    /// The harness bites: under `.normal` nothing syncs a commit, so a cut with no checkpoint
    /// since the commits loses every one of them, though each was acknowledged.
    @Test func aCutLosesAcknowledgedCommitsThatWereNeverSynced() throws {
        try #require(powercut_register() == 0)
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("runs.db").path
            _ = try Ledger(path: path)
            try #require(powercut_reset() == 0)
            var ids: [String] = []
            do {
                let ledger = try Ledger(
                    path: "file:\(path)?vfs=powercut", configuration: .init(mode: .create, durability: .normal))
                for _ in 0..<5 { ids.append(try ledger.start(job: "unsynced").id) }
                powercut_cut_now(Int32(POWERCUT_DROP), 1)
                #expect(throws: (any Error).self) { try ledger.start(job: "after the cut") }
            }
            #expect(powercut_get_stats().droppedWrites > 0)
            try #require(powercut_reset() == 0)
            let reopened = try Ledger(path: path, configuration: .init(mode: .readWrite, durability: .normal))
            for id in ids { #expect(try reopened.run(id: id) == nil, "an unsynced commit survived the cut") }
            #expect(try reopened.verify().isClean)
        }
    }

    // MARK: - The loop

    static func run(
        cuts: Int, durability: Ledger.Configuration.Durability, mode: Int32, seed: UInt64, directory: URL
    ) throws -> Figures {
        var figures = Figures()
        let template = directory.appendingPathComponent("template.db").path
        let lifecycle: Lifecycle
        do {
            let ledger = try Ledger(path: template)
            lifecycle = try #require(try ledger.lifecycle(named: "canonical"))
        }
        let path = directory.appendingPathComponent("runs.db").path
        var known: [String: String] = [:]
        var calibratedEvents: Int64 = 0
        for cut in 0..<cuts {
            if cut % chain == 0 {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
                try FileManager.default.copyItem(atPath: template, toPath: path)
                known = [:]
            }
            var generator = SeededGenerator(state: seed &+ UInt64(cut) &* 0x9E37_79B9)
            try #require(powercut_reset() == 0)
            var workload = PowerCutWorkload(lifecycle: lifecycle, path: path, durability: durability, known: known)
            let eventsAtStart: Int64
            do {
                let ledger = try Ledger(
                    path: "file:\(path)?vfs=powercut", configuration: .init(mode: .create, durability: durability))
                eventsAtStart = powercut_get_stats().events
                // The first cut of each setting runs whole, to learn how many events a workload makes.
                if calibratedEvents > 0 {
                    let at = Int64.random(in: 1...(calibratedEvents + calibratedEvents / 4), using: &generator)
                    powercut_arm(at, mode, generator.next())
                }
                let error = try workload.run(on: ledger, operations: 8, generator: &generator)
                let stats = powercut_get_stats()
                if let error {
                    #expect(stats.isCut != 0, "a call failed with the power on: \(error)")
                    figures.midWorkload += 1
                } else {
                    if calibratedEvents == 0 { calibratedEvents = max(1, stats.events - eventsAtStart) }
                    powercut_cut_now(mode, generator.next())
                }
            }
            let stats = powercut_get_stats()
            try #require(stats.openFiles == 0, "a connection through the VFS is still open")
            figures.droppedWrites += stats.droppedWrites
            figures.tornBytes += stats.tornBytes
            if stats.tornBytes > 0 { figures.tornCuts += 1 }
            try #require(powercut_reset() == 0)

            // Reopen with the normal VFS: the durable state.
            let ledger = try Ledger(path: path, configuration: .init(mode: .readWrite, durability: durability))
            // verify (50 ms here, most of it building its reference schema) runs after every
            // fourth cut and the last of each file; what a cut broke stays in the file until then.
            if cut % 4 == 3 || cut % chain == chain - 1 || cut == cuts - 1 {
                let verifyStart = Date()
                let report = try ledger.verify()
                figures.verifySeconds += Date().timeIntervalSince(verifyStart)
                figures.verified += 1
                #expect(report.isClean, "cut \(cut) (seed \(Self.seed)): verify found \(report.problems)")
            }
            let integrity = try ledger.query("PRAGMA integrity_check")
            #expect(integrity.rows == [[.text("ok")]], "cut \(cut): integrity_check \(integrity.rows)")
            let ids = Set(workload.states.keys)
            let observed = try LedgerSnapshot.read(ledger, ids: ids)
            guard let present = workload.snapshots.lastIndex(of: observed) else {
                Issue.record(
                    "cut \(cut) (seed \(Self.seed)): the ledger matches no prefix of the acknowledged transactions")
                break
            }
            let lost = workload.acknowledged - present
            figures.cuts += 1
            figures.acknowledged += workload.acknowledged
            figures.lost += lost
            figures.worstLoss = max(figures.worstLoss, lost)
            if durability == .full {
                #expect(lost == 0, "cut \(cut) (seed \(Self.seed)): \(lost) acknowledged transactions lost")
            }
            // Carry on from what survived.
            known = [:]
            for (id, facts) in observed.runs { known[id] = facts.state }
        }
        return figures
    }
}
