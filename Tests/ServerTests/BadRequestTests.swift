import Foundation
import RunLedger
import TestSupport
import Testing

/// Bad input over HTTP gets its 4xx, says why, and changes nothing in the ledger.
struct BadRequestTests {
    /// A request and what the server must answer.
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var method = "POST"
        var path = "/api/v1/lineage"
        var headers = ["Content-Type": "application/json"]
        var body: String?
        var status: Int
        /// The `field` the JSON error names, if one.
        var field: String?
        /// A header the reply must carry, and part of its value.
        var header: (String, String)?

        var description: String { name }
    }

    static let runID = "0193a1b2-0000-7000-8000-00000000abcd"

    static let cases: [Case] = [
        Case(name: "malformed JSON", body: "{\"eventType\": \"START\", ", status: 400),
        Case(name: "not JSON at all", body: "hello", status: 400),
        Case(name: "a JSON string", body: "\"START\"", status: 400),
        Case(name: "an empty body", body: "", status: 400),
        Case(name: "an empty array", body: "[]", status: 400),
        Case(
            name: "no eventTime",
            body: #"{"eventType": "START", "run": {"runId": "\#(runID)"}, "job": {"namespace": "n", "name": "j"}}"#,
            status: 400, field: "eventTime"),
        Case(
            name: "no run.runId",
            body:
                #"{"eventType": "START", "eventTime": "2026-03-01T10:00:00Z", "run": {}, "job": {"namespace": "n", "name": "j"}}"#,
            status: 400, field: "run.runId"),
        Case(
            name: "no job",
            body: #"{"eventType": "START", "eventTime": "2026-03-01T10:00:00Z", "run": {"runId": "\#(runID)"}}"#,
            status: 400, field: "job.namespace"),
        Case(
            name: "no job.name",
            body:
                #"{"eventType": "START", "eventTime": "2026-03-01T10:00:00Z", "run": {"runId": "\#(runID)"}, "job": {"namespace": "n"}}"#,
            status: 400, field: "job.name"),
        Case(
            name: "an eventTime that is no time",
            body: runEvent("START", runID: runID, at: "yesterday"), status: 400, field: "eventTime"),
        Case(
            name: "an array with one good event and one whose eventTime is no time",
            body: "[" + runEvent("START", runID: runID) + ", " + runEvent("COMPLETE", runID: runID, at: "soon") + "]",
            status: 400, field: "eventTime"),
        Case(
            name: "an array with one good event and one without run.runId",
            body: "[" + runEvent("START", runID: runID) + ", " + #"{"eventTime": "2026-03-01T10:00:00Z", "job": {}}"#
                + "]",
            status: 400, field: "run.runId"),
        Case(
            name: "an array not closed", body: "[" + runEvent("START", runID: runID) + ", ", status: 400),
        Case(
            name: "form content type", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: runEvent("START", runID: runID), status: 415),
        Case(name: "no content type", headers: [:], body: runEvent("START", runID: runID), status: 415),
        Case(
            name: "text/plain", headers: ["Content-Type": "text/plain"], body: runEvent("START", runID: runID),
            status: 415),
        Case(
            name: "latin-1 charset", headers: ["Content-Type": "application/json; charset=iso-8859-1"],
            body: runEvent("START", runID: runID), status: 415),
        Case(
            name: "gzip, which the server does not decode",
            headers: ["Content-Type": "application/json", "Content-Encoding": "gzip"],
            body: runEvent("START", runID: runID), status: 415, header: nil),
        Case(name: "GET on the intake", method: "GET", headers: [:], status: 405, header: ("allow", "POST")),
        Case(
            name: "PUT on the intake", method: "PUT", body: runEvent("START", runID: runID), status: 405,
            header: ("allow", "POST")),
        Case(name: "POST on the runs", path: "/api/v1/runs", body: "{}", status: 405, header: ("allow", "GET")),
        Case(name: "DELETE on a run", method: "DELETE", path: "/api/v1/runs/\(runID)", headers: [:], status: 405),
        Case(name: "an unknown path", path: "/api/v1/lineages", body: runEvent("START", runID: runID), status: 404),
        Case(name: "Marquez's namespaces", method: "GET", path: "/api/v1/namespaces", headers: [:], status: 404),
        Case(
            name: "a bad limit", method: "GET", path: "/api/v1/runs?limit=ten", headers: [:], status: 400,
            field: "limit"),
        Case(
            name: "a negative limit", method: "GET", path: "/api/v1/runs?limit=-1", headers: [:], status: 400,
            field: "limit"),
        Case(
            name: "an unknown filter", method: "GET", path: "/api/v1/runs?jobs=etl", headers: [:], status: 400,
            field: "jobs"),
        Case(name: "no such run", method: "GET", path: "/api/v1/runs/\(runID)", headers: [:], status: 404),
        Case(
            name: "no such run's history", method: "GET", path: "/api/v1/runs/\(runID)/history", headers: [:],
            status: 404),
    ]

    @Test(arguments: Ledger.Engine.allCases)
    func eachBadRequestGetsItsStatusAndChangesNothing(_ engine: Ledger.Engine) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                try withServer(database, in: directory) { server in
                    // One run already there, so "unchanged" means something.
                    let seeded = try server.post(runEvent("START", runID: newRunID()))
                    try #require(seeded.status == 201, "\(seeded)")
                    let before = try LedgerSnapshot(database, in: directory)
                    for item in Self.cases {
                        let reply = try server.request(item.method, item.path, headers: item.headers, body: item.body)
                        #expect(reply.status == item.status, "\(item): \(reply)")
                        let object = reply.object
                        #expect(object?["error"] is String, "\(item): the body is no JSON error: \(reply)")
                        if let field = item.field {
                            #expect(object?["field"] as? String == field, "\(item): \(reply)")
                        }
                        if let (name, value) = item.header {
                            #expect(reply.headers[name]?.contains(value) == true, "\(item): \(reply)")
                        }
                        #expect(try LedgerSnapshot(database, in: directory) == before, "\(item) changed the ledger")
                    }
                }
            }
        }
    }

    @Test func anEncodingRefusalNamesTheEncoding() throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(.sqlite, in: directory) { database in
                try withServer(database, in: directory) { server in
                    let reply = try server.post(
                        runEvent("START", runID: newRunID()), headers: ["Content-Encoding": "br"])
                    #expect(reply.status == 415, "\(reply)")
                    #expect((reply.object?["error"] as? String)?.contains("br") == true, "\(reply)")
                    let charset = try server.post(
                        runEvent("START", runID: newRunID()),
                        headers: ["Content-Type": "application/json; charset=UTF-8"])
                    #expect(charset.status == 201, "a UTF-8 charset is fine: \(charset)")
                }
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func aBodyOverTheLimitGets413AndChangesNothing(_ engine: Ledger.Engine) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                try withServer(database, arguments: ["--max-body", "64KB"], in: directory) { server in
                    let seeded = try server.post(runEvent("START", runID: newRunID()))
                    try #require(seeded.status == 201, "\(seeded)")
                    let before = try LedgerSnapshot(database, in: directory)
                    // A valid event made large by a field of its own: 100 KB.
                    let large = runEvent(
                        "START", runID: newRunID(), extra: #", "padding": "\#(String(repeating: "x", count: 100_000))""#
                    )

                    // Declared too large by its Content-Length, sent whole.
                    let connection = try server.connect()
                    let declared = try connection.request(
                        "POST", "/api/v1/lineage", headers: ["Content-Type": "application/json"],
                        body: Array(large.utf8))
                    #expect(declared.status == 413, "\(declared)")
                    #expect(declared.headers["connection"] == "close", "\(declared)")
                    #expect(connection.isClosedByServer(), "the server keeps a connection whose body it refused")

                    // Chunked, so only reading finds it too large.
                    let chunked = try server.connect()
                    chunked.send(
                        HTTPConnection.head(
                            "POST", "/api/v1/lineage",
                            headers: ["Content-Type": "application/json", "Transfer-Encoding": "chunked"],
                            bodyLength: nil))
                    for chunk in stride(from: 0, to: large.utf8.count, by: 8192) {
                        let part = Array(large.utf8)[chunk..<min(chunk + 8192, large.utf8.count)]
                        chunked.send(String(part.count, radix: 16) + "\r\n")
                        chunked.send(Array(part))
                        chunked.send("\r\n")
                    }
                    chunked.send("0\r\n\r\n")
                    let read = try chunked.readReply()
                    #expect(read.status == 413, "\(read)")
                    #expect((read.object?["error"] as? String)?.contains("65536") == true, "\(read)")

                    // Just under the limit is taken.
                    let small = try server.post(
                        runEvent(
                            "START", runID: newRunID(), extra: #", "x": "\#(String(repeating: "y", count: 60_000))""#))
                    #expect(small.status == 201, "\(small)")
                    let after = try LedgerSnapshot(database, in: directory)
                    #expect(after.counts != before.counts, "the event under the limit was not recorded")
                }
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func aSlowBodyTimesOutAndChangesNothing(_ engine: Ledger.Engine) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                try withServer(database, arguments: ["--read-timeout", "1s"], in: directory) { server in
                    let seeded = try server.post(runEvent("START", runID: newRunID()))
                    try #require(seeded.status == 201, "\(seeded)")
                    let before = try LedgerSnapshot(database, in: directory)

                    // Half a body, then nothing: 408, and the connection is closed.
                    let event = Array(runEvent("START", runID: newRunID()).utf8)
                    let stalled = try server.connect(timeout: 20)
                    stalled.send(
                        HTTPConnection.head(
                            "POST", "/api/v1/lineage", headers: ["Content-Type": "application/json"],
                            bodyLength: event.count))
                    stalled.send(Array(event.prefix(event.count / 2)))
                    let reply = try stalled.readReply()
                    #expect(reply.status == 408, "\(reply)")
                    #expect(stalled.isClosedByServer(), "the connection of a timed-out body stays open")

                    // A body trickled a byte at a time, each well within the idle timeout,
                    // still ends at the read timeout.
                    let trickled = try server.connect(timeout: 20)
                    trickled.send(
                        HTTPConnection.head(
                            "POST", "/api/v1/lineage", headers: ["Content-Type": "application/json"],
                            bodyLength: event.count))
                    let started = Date()
                    var index = 0
                    while index < event.count, Date().timeIntervalSince(started) < 3, trickled.send([event[index]]) {
                        index += 1
                        Thread.sleep(forTimeInterval: 0.2)  // the slow client's pace
                    }
                    #expect(index < event.count, "the trickled body was read to its end")
                    #expect(trickled.isClosedByServer())

                    // A connection that sends nothing is closed after the timeout.
                    let idle = try server.connect(timeout: 20)
                    #expect(idle.isClosedByServer(), "an idle connection stays open")

                    // An idle keep-alive connection, after a request, too.
                    let keptAlive = try server.connect(timeout: 20)
                    let health = try keptAlive.request("GET", "/healthz")
                    #expect(health.status == 200, "\(health)")
                    #expect(keptAlive.isClosedByServer(), "an idle keep-alive connection stays open")

                    #expect(try LedgerSnapshot(database, in: directory) == before)
                }
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func aTokenIsRequiredOnEveryEndpointWhenSet(_ engine: Ledger.Engine) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                try withServer(database, arguments: ["--token", "s3cret"], in: directory) { server in
                    let authorized = ["Authorization": "Bearer s3cret"]
                    let seeded = try server.post(runEvent("START", runID: newRunID()), headers: authorized)
                    try #require(seeded.status == 201, "\(seeded)")
                    let before = try LedgerSnapshot(database, in: directory)
                    let wrong: [[String: String]] = [
                        [:], ["Authorization": "Bearer s3cre"], ["Authorization": "Bearer s3cretx"],
                        ["Authorization": "Basic czNjcmV0"], ["Authorization": "s3cret"],
                    ]
                    for headers in wrong {
                        let post = try server.post(runEvent("START", runID: newRunID()), headers: headers)
                        #expect(post.status == 401, "\(headers): \(post)")
                        #expect(post.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "\(post)")
                        for path in ["/api/v1/runs", "/healthz", "/api/v1/nothing"] {
                            let get = try server.request("GET", path, headers: headers)
                            #expect(get.status == 401, "\(path) \(headers): \(get)")
                        }
                    }
                    #expect(try LedgerSnapshot(database, in: directory) == before)
                    let runs = try server.request("GET", "/api/v1/runs", headers: authorized)
                    #expect(runs.status == 200, "\(runs)")
                }
            }
        }
    }

    @Test func theTokenMayComeFromTheEnvironment() throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(.sqlite, in: directory) { database in
                try withServer(database, environment: ["RUNLEDGER_TOKEN": "from-env"], in: directory) { server in
                    let refused = try server.request("GET", "/healthz")
                    #expect(refused.status == 401, "\(refused)")
                    let taken = try server.request("GET", "/healthz", headers: ["Authorization": "Bearer from-env"])
                    #expect(taken.status == 200, "\(taken)")
                }
            }
        }
    }

    @Test(arguments: ["0.0.0.0:0", "[::]:0", "192.0.2.1:5000", "example.com:5000"])
    func listeningOffLoopbackNeedsAToken(_ address: String) throws {
        try withTemporaryDirectory { directory in
            let result = try runledger(
                ["--db", directory.appendingPathComponent("l.db").path, "serve", "--listen", address], in: directory)
            #expect(result.status == 64, "\(result)")
            #expect(result.stderr.contains("--token"), "\(result)")
            #expect(result.stdout.isEmpty, "\(result)")
        }
    }

    @Test(arguments: [
        ["--listen", "127.0.0.1"], ["--listen", "127.0.0.1:99999"], ["--max-body", "ten"], ["--max-body", "0"],
        ["--read-timeout", "soon"], ["--read-timeout", "0s"],
    ])
    func badOptionsAreUsageErrors(_ arguments: [String]) throws {
        try withTemporaryDirectory { directory in
            let result = try runledger(
                ["--db", directory.appendingPathComponent("l.db").path, "serve"] + arguments, in: directory)
            #expect(result.status == 64, "\(result)")
            #expect(result.stderr.contains(arguments[0]), "\(result)")
        }
    }

    @Test func aHealthCheckSaysWhichLedgerWithoutItsPassword() throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(.postgres, in: directory) { database in
                // The test server trusts every connection, so a password in the URI is ignored
                // by the server; the health check must not show it either.
                let withPassword = database.location.replacingOccurrences(of: "@127.0.0.1", with: ":hunter2@127.0.0.1")
                try #require(withPassword != database.location, "no user@127.0.0.1 in \(database.location)")
                let secret = TestDatabase(engine: .postgres, location: withPassword, schema: database.schema)
                try withServer(secret, in: directory) { server in
                    let health = try server.request("GET", "/healthz")
                    #expect(health.status == 200, "\(health)")
                    #expect(health.object?["engine"] as? String == "postgres", "\(health)")
                    #expect(!health.body.contains("hunter2"), "\(health)")
                    #expect((health.object?["ledger"] as? String)?.hasPrefix("postgres") == true, "\(health)")
                    let alias = try server.request("GET", "/api/v1/health")
                    #expect(alias.status == 200 && !alias.body.contains("hunter2"), "\(alias)")
                    #expect(!server.startLine.contains("hunter2"), "\(server.startLine)")
                }
            }
        }
    }

    @Test func aLedgerThatCannotBeReachedGets503WithRetryAfter() throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(.postgres, in: directory) { database in
                try withServer(database, in: directory) { server in
                    let healthy = try server.request("GET", "/healthz")
                    #expect(healthy.status == 200, "\(healthy)")
                    // The ledger's schema dropped under the running server: reads and writes fail.
                    let schema = try #require(database.schema)
                    let dropped = try database.run("DROP SCHEMA \(schema) CASCADE; CREATE SCHEMA \(schema);")
                    try #require(dropped.status == 0, "\(dropped)")
                    let health = try server.request("GET", "/healthz")
                    #expect(health.status == 503, "\(health)")
                    let post = try server.post(runEvent("START", runID: newRunID()))
                    #expect(post.status == 503, "\(post)")
                    #expect(post.headers["retry-after"] != nil, "\(post)")
                    #expect(post.object?["error"] is String, "\(post)")
                }
            }
        }
    }
}
