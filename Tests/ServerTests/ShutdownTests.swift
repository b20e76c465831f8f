import Foundation
import RunLedger
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM while producers post: the server stops accepting, answers what is in flight,
/// commits what is queued and exits 0, and every event it acknowledged is in the ledger.
struct ShutdownTests {
    /// What the posting threads saw, shared between them.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var acknowledged: [String] = []
        private var others: [Int: Int] = [:]

        func record(_ runID: String) { lock.withLock { acknowledged.append(runID) } }
        func record(status: Int) { lock.withLock { others[status, default: 0] += 1 } }
        var acknowledgedRuns: [String] { lock.withLock { acknowledged } }
        var otherStatuses: [Int: Int] { lock.withLock { others } }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func everyAcknowledgedEventSurvivesSIGTERM(_ engine: Ledger.Engine) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                let server = try ServerProcess(location: database.location, in: directory)
                let tally = Tally()
                let port = server.port
                let pid = server.process.process.processIdentifier
                let posters = 8
                // Threads of their own (not concurrentPerform, which runs as many at once as
                // there are cores): every poster and the signaller run at the same time.
                let group = DispatchGroup()
                for _ in 0..<posters {
                    group.enter()
                    Thread {
                        Self.post(port: port, tally: tally)
                        group.leave()
                    }.start()
                }
                // The signal, once some requests were acknowledged: others are in flight.
                let deadline = Date().addingTimeInterval(60)
                while tally.acknowledgedRuns.count < 200, Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.005)  // waiting for progress, not timing
                }
                kill(pid, SIGTERM)
                group.wait()
                let result = try server.process.wait()
                #expect(result.status == 0 && !result.signaled, "\(result)")
                #expect(result.stderr.contains("stopped"), "\(result)")
                let acknowledged = tally.acknowledgedRuns
                #expect(acknowledged.count >= 200, "\(tally.otherStatuses)")
                #expect(tally.otherStatuses.keys.allSatisfy { $0 == 503 }, "\(tally.otherStatuses)")

                let runs = try #require(
                    try cliJSON(["runs", "--limit", "0"], database, in: directory) as? [[String: Any]])
                let recorded = Set(runs.compactMap { $0["id"] as? String })
                let missing = acknowledged.filter { !recorded.contains($0) }
                #expect(missing.isEmpty, "\(missing.count) of \(acknowledged.count) acknowledged runs are missing")
            }
        }
    }

    /// Posts START events on keep-alive connections until the server is gone (at most 3,000).
    static func post(port: Int, tally: Tally) {
        var connection = try? HTTPConnection(port: port, timeout: 30)
        for _ in 0..<3_000 {
            guard let current = connection else { return }
            let runID = newRunID()
            let body = Array(runEvent("START", runID: runID).utf8)
            guard
                let reply = try? current.request(
                    "POST", "/api/v1/lineage", headers: ["Content-Type": "application/json"], body: body)
            else {
                // Closed by the shutdown: reconnect, and stop once nothing listens.
                connection = try? HTTPConnection(port: port, timeout: 30)
                continue
            }
            if reply.status == 201 { tally.record(runID) } else { tally.record(status: reply.status) }
            if reply.headers["connection"] == "close" { connection = try? HTTPConnection(port: port, timeout: 30) }
        }
    }
}
