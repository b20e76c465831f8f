import Foundation
import RunLedger
import Testing

/// Writer processes racing on a ledger file that does not exist yet: they create and migrate
/// it, then write it at once while a reader polls; no lock reaches anyone, and the file holds
/// exactly the acknowledged changes.
///
/// SQLite only: processes racing to create one file.
struct FileCreationRaceTests {
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
            let acknowledged = try checkAcknowledgedChanges(
                ledgerPath: path, runs: runs, logs: (1...3).map { directory.appendingPathComponent("acks-\($0)") })
            #expect(acknowledged > runs)
        }
    }
}
