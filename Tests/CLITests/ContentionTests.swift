import Foundation
import RunLedger
import Testing

/// Processes and threads racing on the same runs with compare-and-set transitions, while
/// readers run the CLI; on both engines.
struct ContentionTests {
    @Test(arguments: Ledger.Engine.allCases) func fourProcessesOfTwoThreadsRaceWhileReadersWatch(
        _ engine: Ledger.Engine
    ) throws {
        let operations = SuiteSize.value("RUNLEDGER_CONTENTION_OPERATIONS", default: 400)
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory, name: "race.db") { database in
                let path = database.location
                let runs = 3
                #expect(try runledger(["--db", path, "init"], in: directory).status == 0)
                let writers = try (1...4).map { seed in
                    try RunningProcess(
                        Binaries.workload,
                        [
                            "contend", "--db", path, "--runs", "\(runs)", "--operations", "\(operations)", "--seed",
                            "\(seed)",
                            "--threads", "2", "--log", directory.appendingPathComponent("acks-\(seed)").path,
                        ], directory: directory)
                }
                // Readers: every snapshot they see is whole (verify checks that each run's state
                // follows its last history row), and no lock reaches them.
                var reads = 0
                while writers.contains(where: { $0.process.isRunning }) && reads < 60 {
                    let command: [String] =
                        switch reads % 3 {
                        case 0: ["--db", path, "verify"]
                        case 1: ["--db", path, "stats", "--format", "json"]
                        default: ["--db", path, "history", "shared-\(reads % runs)", "--format", "json"]
                        }
                    let result = try runledger(command, in: directory)
                    #expect(
                        result.status == 0 || (result.status == 66 && command.contains("history")),
                        "\(command): \(result)")
                    #expect(!result.stderr.contains("locked"), "\(result)")
                    reads += 1
                }
                for writer in writers {
                    let result = try writer.wait()
                    #expect(result.status == 0, "\(result)")
                    #expect(result.stdout.contains("busy=0 other=0"), "\(result)")
                }

                // No lost update: the ledger holds exactly the acknowledged changes, each run's
                // history chains, and its state is its last change.
                let acknowledged = try checkAcknowledgedChanges(
                    in: database, runs: runs, logs: (1...4).map { directory.appendingPathComponent("acks-\($0)") })
                print(
                    "contention suite (\(engine)): 4 processes x 2 threads, \(acknowledged) changes acknowledged and found, \(reads) reads, 0 locks"
                )
            }
        }
    }
}
