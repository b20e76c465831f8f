import Foundation
import RunLedger
import TestSupport
import Testing

/// The GET endpoints return the JSON the CLI prints with --format json, for the same ledger.
struct ReadEndpointTests {
    /// JSON in one canonical spelling (keys sorted), to compare what two sources parsed to.
    static func canonical(_ value: Any?) throws -> String {
        let value = try #require(value, "no JSON")
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }

    @Test(arguments: Ledger.Engine.allCases)
    func runsAndHistoriesAreTheCLIsJSON(_ engine: Ledger.Engine) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                let first = newRunID()
                let second = newRunID()
                let third = newRunID()
                // A run of another lifecycle, made by the CLI.
                let started = try runledger(
                    ["--db", database.location, "start", "nightly-etl", "--lifecycle", "canonical"], in: directory)
                try #require(started.status == 0, "\(started)")
                let cliRun = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                try withServer(database, in: directory) { server in
                    let events = [
                        runEvent("START", runID: first, job: "load", at: "2026-03-01T10:00:00Z"),
                        runEvent("RUNNING", runID: first, job: "load", at: "2026-03-01T10:00:05.250Z"),
                        runEvent("COMPLETE", runID: first, job: "load", at: "2026-03-01T10:01:00Z"),
                        runEvent("START", runID: second, job: "load", at: "2026-03-01T11:00:00Z"),
                        runEvent("FAIL", runID: second, job: "load", at: "2026-03-01T11:00:30Z"),
                        runEvent("START", runID: third, job: "ünïcødé job", at: "2026-03-01T12:00:00+02:00"),
                    ]
                    let posted = try server.post("[" + events.joined(separator: ", ") + "]")
                    try #require(posted.status == 201, "\(posted)")

                    let listings: [(query: String, arguments: [String])] = [
                        ("", ["runs"]),
                        ("?limit=0", ["runs", "--limit", "0"]),
                        ("?limit=2", ["runs", "--limit", "2"]),
                        ("?job=tests/load", ["runs", "--job", "tests/load"]),
                        ("?job=tests/%C3%BCn%C3%AFc%C3%B8d%C3%A9+job", ["runs", "--job", "tests/ünïcødé job"]),
                        ("?state=COMPLETE", ["runs", "--state", "COMPLETE"]),
                        ("?lifecycle=canonical", ["runs", "--lifecycle", "canonical"]),
                        (
                            "?job=tests/load&state=FAIL&lifecycle=openlineage&limit=5",
                            [
                                "runs", "--job", "tests/load", "--state", "FAIL", "--lifecycle", "openlineage",
                                "--limit", "5",
                            ]
                        ),
                        ("?job=nothing", ["runs", "--job", "nothing"]),
                    ]
                    for (query, arguments) in listings {
                        let reply = try server.request("GET", "/api/v1/runs" + query)
                        #expect(reply.status == 200, "\(query): \(reply)")
                        #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true, "\(reply)")
                        let expected = try cliJSON(arguments, database, in: directory)
                        #expect(try Self.canonical(reply.json) == Self.canonical(expected), "\(query)")
                    }

                    let all = try #require(
                        try cliJSON(["runs", "--limit", "0"], database, in: directory) as? [[String: Any]])
                    #expect(all.count == 4)
                    for id in [first, second, third, cliRun] {
                        let reply = try server.request("GET", "/api/v1/runs/\(id)")
                        #expect(reply.status == 200, "\(reply)")
                        let expected = all.first { $0["id"] as? String == id }
                        #expect(try Self.canonical(reply.json) == Self.canonical(expected), "run \(id)")

                        let history = try server.request("GET", "/api/v1/runs/\(id)/history")
                        #expect(history.status == 200, "\(history)")
                        let expectedHistory = try cliJSON(["history", id], database, in: directory)
                        #expect(try Self.canonical(history.json) == Self.canonical(expectedHistory), "history of \(id)")
                    }
                }
            }
        }
    }
}
