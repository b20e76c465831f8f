import Foundation
import RunLedger
import Testing

/// A writer killed with SIGKILL at random moments, again and again on one file: after each
/// kill the ledger is sound and holds every change whose call had returned.
///
/// SQLite only: processes killed mid-write, and what the file keeps.
@Suite(.serialized)
struct CrashTests {
    @Test(arguments: ["normal", "full"])
    func killedWritersLoseNothingAcknowledged(durability: String) throws {
        let kills = SuiteSize.value("RUNLEDGER_CRASH_KILLS", default: 50)
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("crash.db").path
            let acks = directory.appendingPathComponent("acks.log")
            var generator = SystemRandomNumberGenerator()
            var checked = 0
            for kill in 0..<kills {
                let writer = try RunningProcess(
                    Binaries.workload,
                    [
                        "crash-writer", "--db", path, "--log", acks.path, "--seed", "\(kill + 1)", "--durability",
                        durability,
                    ],
                    directory: directory)
                // Let it run a random while (some kills land during start-up and migration).
                Thread.sleep(forTimeInterval: Double.random(in: 0.02...0.25, using: &generator))
                Foundation.kill(writer.process.processIdentifier, SIGKILL)
                let result = try writer.wait()
                #expect(
                    result.signaled && result.status == SIGKILL, "kill \(kill): the writer ended by itself: \(result)")
                #expect(!result.stderr.contains("unexpected error"), "kill \(kill): \(result.stderr)")

                // Reopen as the next writer would, then check everything acknowledged so far.
                let ledger = try Ledger(path: path, configuration: .init(durability: .normal))
                let report = try ledger.verify()
                #expect(report.isClean, "kill \(kill): \(report.problems.prefix(3))")
                let rows = try ledger.query(
                    "SELECT c.seq, r.id, ifnull(c.from_state, '-'), c.to_state FROM state_changes c JOIN runs r ON r.num = c.run_num"
                )
                var recorded: [String: String] = [:]
                for row in rows.rows {
                    guard case .integer(let seq) = row[0], case .text(let id) = row[1], case .text(let from) = row[2],
                        case .text(let to) = row[3]
                    else { continue }
                    recorded[String(seq)] = "\(id) \(from) \(to)"
                }
                let log = (try? String(contentsOf: acks, encoding: .utf8)) ?? ""
                var missing: [String] = []
                var lines = 0
                for line in log.split(separator: "\n") {
                    let fields = line.split(separator: " ", maxSplits: 1).map(String.init)
                    // A line cut by the kill (no newline yet) was never acknowledged.
                    guard fields.count == 2 else { continue }
                    lines += 1
                    if recorded[fields[0]] != fields[1] { missing.append(String(line)) }
                }
                #expect(missing.isEmpty, "kill \(kill) (\(durability)): acknowledged but missing: \(missing.prefix(3))")
                checked = lines
            }
            #expect(checked > 0)
            print("crash suite (\(durability)): \(kills) kills survived, \(checked) acknowledged changes all present")
        }
    }
}
