import Foundation
import RunLedger
import Testing

/// Several processes writing one ledger file at once, with readers running meanwhile.
struct MultiProcessTests {
    @Test func threeWritersAndAReaderShareOneFile() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("shared.db").path
            let runs = 4
            let operations = 250
            // No `init` first: the writers race to create and migrate the file too.
            let writers = try (1...3).map { seed in
                try RunningProcess(
                    Binaries.workload,
                    [
                        "contend", "--db", path, "--runs", "\(runs)", "--operations", "\(operations)", "--seed",
                        "\(seed)",
                        "--log", directory.appendingPathComponent("acks-\(seed)").path,
                    ], directory: directory)
            }
            // A reader polls with the CLI while the writers run; it must never fail with a lock.
            var reads = 0
            while writers.contains(where: { $0.process.isRunning }) && reads < 40 {
                let history = try runledger(["--db", path, "history", "shared-0", "--format", "json"], in: directory)
                #expect(
                    history.status == 0 || history.status == 66 || history.stderr.contains("No ledger file"),
                    "\(history)")
                #expect(!history.stderr.contains("locked"), "\(history)")
                reads += 1
            }
            let results = try writers.map { try $0.wait() }
            for result in results {
                #expect(result.status == 0, "\(result)")
                #expect(result.stdout.contains("busy=0 other=0"), "\(result)")
            }

            // Every acknowledged change is in the ledger, exactly as acknowledged.
            let ledger = try Ledger(path: path, configuration: .init(mode: .readOnly))
            var recorded: [Int64: StateChange] = [:]
            let lifecycle = try #require(try ledger.lifecycle(named: "canonical"))
            for index in 0..<runs {
                let history = try ledger.history(of: "shared-\(index)")
                for change in history { recorded[change.seq] = change }
                #expect(history.first?.from == nil)
                for (previous, next) in zip(history, history.dropFirst()) {
                    #expect(next.from == previous.to)
                    #expect(lifecycle.transitions(from: previous.to).contains { $0.to == next.to })
                }
                #expect(try ledger.run(id: "shared-\(index)")?.state == history.last?.to)
            }
            var acknowledged = 0
            for seed in 1...3 {
                let log = try String(contentsOf: directory.appendingPathComponent("acks-\(seed)"), encoding: .utf8)
                for line in log.split(separator: "\n") {
                    let fields = line.split(separator: " ").map(String.init)
                    let change = try #require(recorded[Int64(fields[0]) ?? -1], "acknowledged \(line) is missing")
                    #expect(change.runID == fields[1] && (change.from ?? "-") == fields[2] && change.to == fields[3])
                    acknowledged += 1
                }
            }
            #expect(acknowledged == recorded.count)
            #expect(acknowledged > runs)
        }
    }
}
