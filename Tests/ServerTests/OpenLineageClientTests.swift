import Foundation
import RunLedger
import TestSupport
import Testing

/// The real openlineage-python client, its HTTP transport pointed at `runledger serve`
/// (emit.py), records every run it describes, keeps every event, and a second delivery of
/// the same events records nothing new.
struct OpenLineageClientTests {
    struct Emitted: Decodable {
        var runs: [String: String]
        var events: Int
        var posts: Int
        var errors: [String]
    }

    static func emit(to server: ServerProcess, seed: Int, in directory: URL) throws -> Emitted {
        let python = try openLineagePython()
        let script = repositoryRoot.appendingPathComponent("Tests/ServerTests/emit.py").path
        let result = try RunningProcess(
            python, [script, "http://127.0.0.1:\(server.port)", String(seed)], directory: directory
        ).wait()
        try #require(result.status == 0, "emit.py failed: \(result)")
        return try JSONDecoder().decode(Emitted.self, from: Data(result.stdout.utf8))
    }

    @Test(arguments: Ledger.Engine.allCases)
    func theRealClientRecordsEveryRunAndEveryEventOnce(_ engine: Ledger.Engine) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                let seed = Int.random(in: 1...1_000_000)
                try withServer(database, in: directory) { server in
                    let emitted = try Self.emit(to: server, seed: seed, in: directory)
                    #expect(emitted.errors.isEmpty, "seed \(seed): \(emitted.errors)")

                    let runs = try #require(
                        try cliJSON(["runs", "--limit", "0"], database, in: directory) as? [[String: Any]])
                    var states: [String: String] = [:]
                    for run in runs { states[run["id"] as? String ?? ""] = run["state"] as? String }
                    for (id, expected) in emitted.runs.sorted(by: { $0.key < $1.key }) {
                        #expect(states[id] == expected, "seed \(seed): run \(id) is \(states[id] ?? "missing")")
                    }
                    #expect(runs.count == emitted.runs.count, "seed \(seed)")
                    #expect(try eventRowCount(database) == emitted.events, "seed \(seed): every event kept, once")

                    // The same events again, as a retrying transport would send them.
                    let before = try LedgerSnapshot(database, in: directory)
                    let again = try Self.emit(to: server, seed: seed, in: directory)
                    #expect(again.errors.isEmpty, "seed \(seed): \(again.errors)")
                    #expect(try LedgerSnapshot(database, in: directory) == before, "seed \(seed): a repeat recorded")
                }
                let verified = try runledger(["--db", database.location, "verify"], in: directory)
                #expect(verified.status == 0, "seed \(seed): \(verified)")
            }
        }
    }
}
