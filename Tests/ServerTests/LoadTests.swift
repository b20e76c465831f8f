import Foundation
import RunLedger
import TestSupport
import Testing

/// The load test: 8 producer processes (load.py: Python's http.client, keep-alive, one
/// request at a time) post to one server; every acknowledged event is in the ledger, with no
/// error. A benchmark, not a timed assertion: it prints the throughput and the seed.
///
/// Sizes: `RUNLEDGER_SERVE_LOAD_EVENTS` events per producer (5,000 by default, the full size),
/// `RUNLEDGER_SERVE_LOAD_PRODUCERS` producers (8); each producer stops at 600 s regardless.
struct LoadTests {
    struct Produced: Decodable {
        var runs: [String]
        var acknowledged: Int
        var errors: [String]
        var errorCount: Int
        var seconds: Double
    }

    @Test(arguments: Ledger.Engine.allCases)
    func eightProducersLoseNothing(_ engine: Ledger.Engine) throws {
        let events = SuiteSize.value("RUNLEDGER_SERVE_LOAD_EVENTS", default: 5_000)
        let producers = SuiteSize.value("RUNLEDGER_SERVE_LOAD_PRODUCERS", default: 8)
        let seed = SuiteSize.value("RUNLEDGER_SERVE_LOAD_SEED", default: Int.random(in: 1...1_000_000))
        let python = try openLineagePython()
        let script = repositoryRoot.appendingPathComponent("Tests/ServerTests/load.py").path
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                try withServer(database, in: directory) { server in
                    let started = Date()
                    let processes = try (0..<producers).map { producer in
                        try RunningProcess(
                            python,
                            [script, String(server.port), String(events), String(seed), String(producer), "600"],
                            directory: directory)
                    }
                    let results = try processes.map { process in
                        let result = try process.wait()
                        try #require(result.status == 0, "load.py failed: \(result)")
                        let decoder = JSONDecoder()
                        decoder.keyDecodingStrategy = .convertFromSnakeCase
                        return try decoder.decode(Produced.self, from: Data(result.stdout.utf8))
                    }
                    let seconds = Date().timeIntervalSince(started)
                    let acknowledged = results.map(\.acknowledged).reduce(0, +)
                    let errors = results.map(\.errorCount).reduce(0, +)
                    print(
                        "serve load (\(engine.rawValue)): \(producers) producers x \(events) events, seed \(seed): "
                            + "\(acknowledged) acknowledged in \(String(format: "%.2f", seconds)) s, "
                            + "\(Int(Double(acknowledged) / seconds)) events/s, \(errors) errors")
                    #expect(errors == 0, "seed \(seed): \(results.flatMap(\.errors).prefix(10))")
                    #expect(acknowledged == producers * (events / 2) * 2, "seed \(seed)")

                    let runs = try #require(
                        try cliJSON(["runs", "--limit", "0"], database, in: directory) as? [[String: Any]])
                    var states: [String: String] = [:]
                    for run in runs { states[run["id"] as? String ?? ""] = run["state"] as? String }
                    let expected = results.flatMap(\.runs)
                    let wrong = expected.filter { states[$0] != "COMPLETE" }
                    #expect(wrong.isEmpty, "seed \(seed): \(wrong.count) of \(expected.count) runs not COMPLETE")
                    if try hasEventTable(database) {
                        #expect(try eventRowCount(database) == acknowledged, "seed \(seed)")
                    }
                }
            }
        }
    }
}
