import Foundation
import RunLedger
import TestSupport
import Testing

/// The ledger-wide feed under load, on both engines: 4 writer processes (3 of the library,
/// and the engine's own shell writing plain INSERTs) and 3 `runledger tail --follow
/// --consumer` subscribers, one of them killed with SIGKILL mid-stream and restarted from
/// its cursor. Each subscriber prints every change exactly once, in `seq` order (the
/// restarted one after dropping the lines it printed again, by `seq`), and what they print
/// is the history.
@Suite struct FeedLoadTests {
    /// One line of `tail`: seq, run, state entered.
    struct Line: Equatable, CustomStringConvertible {
        var seq: Int64
        var run: String
        var to: String
        var description: String { "\(seq) \(run) \(to)" }
    }

    /// The complete lines of a `tail` output (a SIGKILL may cut the last one).
    static func lines(_ text: String) throws -> [Line] {
        var lines: [Line] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            lines.append(
                Line(
                    seq: (object["seq"] as? NSNumber)?.int64Value ?? -1, run: object["run_id"] as? String ?? "",
                    to: object["to_state"] as? String ?? ""))
        }
        return lines
    }

    static func increasing(_ lines: [Line]) -> Bool { zip(lines, lines.dropFirst()).allSatisfy { $0.seq < $1.seq } }

    @Test(arguments: Ledger.Engine.allCases) func everySubscriberSeesEveryChangeOnceInOrder(_ engine: Ledger.Engine)
        throws
    {
        let seed = UInt64.random(in: 1...UInt64.max)
        print("FeedLoadTests \(engine): seed \(seed)")
        var generator = SplitMix(seed: seed)
        try withInitializedLedger(engine) { directory, database in
            let db = database.location
            func subscriber(_ name: String) throws -> RunningProcess {
                try RunningProcess(
                    Binaries.runledger, ["--db", db, "tail", "--consumer", name, "--from", "0", "--follow"],
                    directory: directory)
            }
            func output(_ process: RunningProcess) -> String {
                (try? String(contentsOfFile: process.outputPath ?? "", encoding: .utf8)) ?? ""
            }
            var subscribers = [try subscriber("sub-1"), try subscriber("sub-2"), try subscriber("sub-3")]

            // The shell's writes: runs started and ended in plain SQL, each statement its own
            // transaction.
            var sql = engine == .sqlite ? ".timeout 30000\n" : ""
            let base = Timestamp.now.rawValue
            for run in 0..<150 {
                let at = base + Int64(run) * 1000
                sql += """
                    INSERT INTO runs (id, job, lifecycle, state, created_at) VALUES ('sh-\(run)', 'shell', 'canonical', 'PENDING', \(at));
                    INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('sh-\(run)', 'PENDING', 'RUNNING', \(at + 1));
                    INSERT INTO state_history (run_id, from_state, to_state, at) VALUES ('sh-\(run)', 'RUNNING', 'COMPLETED', \(at + 2));

                    """
            }
            let script = directory.appendingPathComponent("shell.sql")
            try sql.write(to: script, atomically: true, encoding: .utf8)
            let shell =
                engine == .sqlite
                ? try RunningProcess("/usr/bin/sqlite3", ["-bail", db, ".read \(script.path)"], directory: directory)
                : try RunningProcess(
                    "/usr/bin/psql", [db, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", script.path], directory: directory)
            let writers = try (1...3).map { index in
                try RunningProcess(
                    Binaries.workload,
                    [
                        "crash-writer", "--db", db, "--log", directory.appendingPathComponent("acks-\(index)").path,
                        "--seed", "\(seed &+ UInt64(index))",
                    ], directory: directory)
            }

            // Kill sub-2 mid-stream, once it has printed something, and start it again.
            let killAfter = Double.random(in: 0.5...1.5, using: &generator)
            Thread.sleep(forTimeInterval: killAfter)
            for _ in 0..<300 {
                if !(try Self.lines(output(subscribers[1]))).isEmpty { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            kill(subscribers[1].process.processIdentifier, SIGKILL)
            let killed = try subscribers[1].wait()
            #expect(killed.signaled, "sub-2 ended by itself: \(killed)")
            let beforeKill = try Self.lines(killed.stdout)
            try #require(!beforeKill.isEmpty, "sub-2 printed nothing before it was killed")
            subscribers[1] = try subscriber("sub-2")

            Thread.sleep(forTimeInterval: 2)
            for writer in writers { kill(writer.process.processIdentifier, SIGKILL) }
            for writer in writers {
                let result = try writer.wait()
                #expect(!result.stderr.contains("unexpected error"), "\(result.stderr)")
            }
            let shellResult = try shell.wait()
            #expect(shellResult.status == 0, "the shell's writes failed: \(shellResult.stderr)")

            // Every subscriber catches up with the newest change (bounded wait), then stops.
            let history = try database.query(
                "SELECT c.seq || ' ' || r.id || ' ' || c.to_state FROM state_changes AS c JOIN runs AS r ON r.num = c.run_num ORDER BY c.seq;"
            )
            #expect(history.count > 450, "the writers wrote little: \(history.count) changes")
            let newest = history.last ?? ""
            let newestSeq = newest.split(separator: " ").first.map(String.init) ?? ""
            let newestState = newest.split(separator: " ").last.map(String.init) ?? ""
            for subscriber in subscribers {
                // The newest change is the last line once the subscriber has caught up.
                for _ in 0..<600 {
                    if output(subscriber).hasSuffix("\"seq\": \(newestSeq), \"to_state\": \"\(newestState)\"}\n") {
                        break
                    }
                    Thread.sleep(forTimeInterval: 0.1)
                }
                kill(subscriber.process.processIdentifier, SIGKILL)  // its lines are written unbuffered
            }
            let printed = try subscribers.map { try Self.lines(try $0.wait().stdout) }

            for (index, lines) in printed.enumerated() {
                #expect(Self.increasing(lines), "sub-\(index + 1) printed out of order or twice (seed \(seed))")
            }
            #expect(printed[0].map(\.description) == history, "sub-1 (seed \(seed))")
            #expect(printed[2].map(\.description) == history, "sub-3 (seed \(seed))")
            #expect(Self.increasing(beforeKill), "sub-2 before the kill (seed \(seed))")
            // The restarted sub-2 resumed at its cursor: at most what it printed last again.
            var seen = Set<Int64>()
            let deduplicated = (beforeKill + printed[1]).filter { seen.insert($0.seq).inserted }
            #expect(deduplicated.map(\.description) == history, "sub-2 across its restart (seed \(seed))")
            let resumedAt = printed[1].first?.seq ?? Int64.max
            #expect(resumedAt <= (beforeKill.last?.seq ?? 0) + 1, "sub-2 skipped changes at its restart")
            print(
                "FeedLoadTests \(engine): \(history.count) changes; sub-2 killed after \(beforeKill.count) lines, "
                    + "printed \(beforeKill.count + printed[1].count - deduplicated.count) again after its restart")

            // Each consumer's cursor is at the newest change.
            let consumers = try runledger(["--db", db, "consumers", "--format", "csv"], in: directory)
            #expect(consumers.status == 0)
            for name in ["sub-1", "sub-2", "sub-3"] {
                #expect(consumers.stdout.contains("\(name),\(newestSeq),0,"), "\(consumers.stdout)")
            }
        }
    }
}

/// SplitMix64, so that a run can be made again from its printed seed.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
