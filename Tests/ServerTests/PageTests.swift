import Foundation
import RunLedger
import TestSupport
import Testing

/// The pages of `runledger serve` over HTTP: status codes, escaping, filters that list what
/// `runledger runs` lists, keyset paging, job health as `jobs --health` has it, refusals,
/// and `/metrics` as `runledger metrics` prints it.
struct PageTests {
    /// The values of `attribute="..."` in `html`, in order.
    static func attributes(_ attribute: String, in html: String) -> [String] {
        html.components(separatedBy: " \(attribute)=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    /// The run ids of a runs page's rows.
    static func rows(_ html: String) -> [String] { attributes("data-run", in: html).filter { !$0.isEmpty } }

    /// The ids `runledger runs ... --format json` lists.
    static func cliRuns(_ arguments: [String], _ database: TestDatabase, in directory: URL) throws -> [String] {
        let runs = try #require(
            try cliJSON(["runs"] + arguments + ["--limit", "0"], database, in: directory) as? [[String: Any]])
        return runs.compactMap { $0["id"] as? String }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func everyPageAnswersAndEscapesWhatTheLedgerHolds(_ engine: Ledger.Engine) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                let fixture = try PageFixture(database, in: directory)
                try withServer(database, in: directory) { server in
                    for path in [
                        "/", "/runs/\(fixture.done)", "/runs/\(fixture.script)", "/runs/\(fixture.live)", "/timeline",
                        "/timeline?lanes=job&group=lifecycle", "/jobs", "/lifecycles", "/lifecycles/prefect",
                        "/lifecycles/databricks",
                    ] {
                        let reply = try server.request("GET", path)
                        #expect(reply.status == 200, "\(path): \(reply.status) \(reply.body.prefix(300))")
                        #expect(reply.headers["content-type"] == "text/html; charset=utf-8", "\(path)")
                        #expect(reply.body.hasPrefix("<!DOCTYPE html>"), "\(path)")
                        // Links between the pages, and the assets served here, nothing from elsewhere.
                        for link in ["href=\"/\"", "href=\"/timeline\"", "href=\"/jobs\"", "href=\"/lifecycles\""] {
                            #expect(reply.body.contains(link), "\(path) links \(link)")
                        }
                        for external in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
                            #expect(!reply.body.contains(external), "\(path) loads \(external)")
                        }
                        // The script job and the HTML reason are text, never markup.
                        #expect(!reply.body.contains(PageFixture.scriptJob), "\(path) holds the job's name unescaped")
                        #expect(!reply.body.contains(PageFixture.htmlReason), "\(path) holds the reason unescaped")
                    }
                    for path in ["/", "/jobs", "/runs/\(fixture.script)"] {
                        let body = try server.request("GET", path).body
                        #expect(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(path) shows the job's name")
                    }
                    #expect(
                        try server.request("GET", "/runs/\(fixture.script)").body.contains(
                            "&lt;img src=x onerror=alert(2)&gt;"))

                    // The run page: one stay per change, in order, and the history's columns.
                    let run = try server.request("GET", "/runs/\(fixture.done)").body
                    #expect(
                        Self.attributes("data-state", in: run).prefix(PageFixture.doneStates.count).elementsEqual(
                            PageFixture.doneStates))
                    for title in ["SEQ", "AT", "FROM", "TO", "TYPE", "AFTER", "OUTCOME", "ACTION", "ACTOR", "REASON"] {
                        #expect(run.contains("<th>\(title)</th>"), "history column \(title)")
                    }
                    #expect(run.contains("data-live=\"false\""))
                    #expect(run.contains("class=\"annotation\"") && run.contains("checked by hand"))
                    // Its retry chain, each attempt a lane; a run's upstream, a lane too.
                    #expect(Self.attributes("data-kind", in: run) == ["run", "attempt"])
                    #expect(run.contains("href=\"/runs/\(fixture.retry)\""))
                    let live = try server.request("GET", "/runs/\(fixture.live)").body
                    #expect(live.contains("data-live=\"true\""))
                    #expect(Self.attributes("data-kind", in: live) == ["run", "upstream"])
                    #expect(live.contains("Waits for") && live.contains("(completed)"))
                    let lifecycle = try server.request("GET", "/lifecycles/prefect").body
                    #expect(Self.attributes("data-state", in: lifecycle).count >= 10, "prefect's states drawn")

                    let css = try server.request("GET", "/assets/runledger.css")
                    #expect(css.status == 200 && css.headers["content-type"] == "text/css; charset=utf-8")
                    let script = try server.request("GET", "/assets/runledger.js")
                    #expect(script.status == 200 && script.body.contains("setInterval"))
                }
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func badInputIsRefusedWithItsReason(_ engine: Ledger.Engine) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                let fixture = try PageFixture(database, in: directory)
                try withServer(database, in: directory) { server in
                    let refused: [(path: String, status: Int, reason: String)] = [
                        ("/runs/no-such-run", 404, "no run has id no-such-run"),
                        ("/runs/%3Cb%3E", 404, "no run has id &lt;b&gt;"),
                        ("/lifecycles/nothing", 404, "no lifecycle is named nothing"),
                        ("/?type=BOGUS", 400, "type must be a canonical type"),
                        ("/?status=done", 400, "status must be one of any, active, terminal, not done"),
                        ("/?limit=0", 400, "limit must be an integer from 1 to 500, not 0"),
                        ("/?limit=x", 400, "limit must be an integer"),
                        ("/?since=yesterday", 400, "since must be an ISO-8601 time"),
                        ("/?since=1h&until=2h", 400, "until must not be before since"),
                        ("/?color=red", 400, "unknown parameter color"),
                        ("/?job=a&job=b", 400, "parameter job is given more than once"),
                        ("/timeline?group=state", 400, "group must be one of job, lifecycle"),
                        ("/timeline?since=1h&until=2h", 400, "since must be before until"),
                        ("/jobs?window=forever", 400, "window must be a duration"),
                    ]
                    for (path, status, reason) in refused {
                        let reply = try server.request("GET", path)
                        #expect(reply.status == status, "\(path): \(reply.status)")
                        #expect(reply.headers["content-type"] == "text/html; charset=utf-8", "\(path)")
                        #expect(reply.body.contains(reason), "\(path): \(reply.body)")
                    }
                    #expect(try server.request("POST", "/jobs").status == 405)
                    #expect(try server.request("POST", "/runs/\(fixture.done)").status == 405)

                    // A window too wide is cut to 31 days, and the page says so.
                    let wide = try server.request("GET", "/timeline?since=400d")
                    #expect(wide.status == 200)
                    #expect(wide.body.contains("id=\"capped\"") && wide.body.contains("capped at 31 days"))
                    #expect(!(try server.request("GET", "/timeline?since=30d").body.contains("id=\"capped\"")))
                    // A lane cap: the runs beyond it are counted.
                    let capped = try server.request("GET", "/timeline?limit=2")
                    #expect(capped.body.contains("4 more runs not drawn"), "\(capped.body)")
                }
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func theRunsPageListsWhatRunsListsAndPagesThroughAll(_ engine: Ledger.Engine) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                let fixture = try PageFixture(database, in: directory)
                try withServer(database, in: directory) { server in
                    let filters: [(query: String, arguments: [String])] = [
                        ("", []),
                        ("?job=load", ["--job", "load"]),
                        ("?job=load&type=FAILED", ["--job", "load", "--type", "FAILED"]),
                        ("?type=completed", ["--type", "COMPLETED"]),
                        ("?status=active", ["--active"]),
                        ("?status=terminal&lifecycle=canonical", ["--terminal", "--lifecycle", "canonical"]),
                        ("?state=Running", ["--state", "Running"]),
                        ("?since=1h", ["--since", "1h"]),
                        ("?until=2000-01-01T00:00:00Z", ["--until", "2000-01-01T00:00:00Z"]),
                        ("?job=%3Cscript%3Ealert%281%29%3C%2Fscript%3E", ["--job", PageFixture.scriptJob]),
                        ("?job=nothing", ["--job", "nothing"]),
                    ]
                    for (query, arguments) in filters {
                        let reply = try server.request("GET", "/" + query)
                        #expect(reply.status == 200, "\(query): \(reply.status)")
                        let expected = try Self.cliRuns(arguments, database, in: directory)
                        #expect(Self.rows(reply.body) == expected, "\(query)")
                    }
                    #expect(Self.rows(try server.request("GET", "/?job=load&type=FAILED").body) == [fixture.loadFailed])

                    // Pages of two, each after the last run of the one before: every run once, in order.
                    let all = try Self.cliRuns([], database, in: directory)
                    var listed: [String] = []
                    var path = "/?limit=2"
                    for _ in 0..<10 {
                        let body = try server.request("GET", path).body
                        listed += Self.rows(body)
                        guard let older = body.components(separatedBy: "id=\"older\" href=\"").dropFirst().first else {
                            break
                        }
                        path = String(older.prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
                    }
                    #expect(listed == all, "pages: \(listed) vs \(all)")
                    #expect(all.count == 6)
                }
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases)
    func theJobsPageShowsJobsHealthWithFailingJobsRed(_ engine: Ledger.Engine) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                let fixture = try PageFixture(database, in: directory)
                let health = try #require(
                    try cliJSON(["jobs", "--health"], database, in: directory) as? [[String: Any]])
                #expect(
                    health.map { $0["job"] as? String } == [
                        "<script>alert(1)</script>", "live-job", "load", "nightly-etl",
                    ])
                let byJob = Dictionary(uniqueKeysWithValues: health.map { ($0["job"] as? String ?? "", $0) })
                #expect(byJob["load"]?["failing"] as? Bool == true)
                #expect(byJob["load"]?["consecutive_failures"] as? Int == 1)
                #expect(byJob["load"]?["success_rate"] as? Double == 0.5)
                #expect(byJob["load"]?["latest_run_id"] as? String == fixture.loadFailed)
                #expect(byJob["nightly-etl"]?["failing"] as? Bool == false)
                #expect(byJob["live-job"]?["active"] as? Int == 1)
                // A window counts only the runs created in it; the latest run and the last
                // success stay those of the whole history.
                Thread.sleep(forTimeInterval: 1.2)  // so that a 1-second window holds no run
                let windowed = try #require(
                    try cliJSON(["jobs", "--health", "--window", "1s"], database, in: directory) as? [[String: Any]])
                for entry in windowed {
                    #expect(entry["window_runs"] as? Int == 0, "\(entry)")
                    #expect(entry["success_rate"] is NSNull && entry["p50_seconds"] is NSNull, "\(entry)")
                }
                let windowedLoad = try #require(windowed.first { $0["job"] as? String == "load" })
                #expect(windowedLoad["latest_run_id"] as? String == fixture.loadFailed)
                #expect(windowedLoad["last_success_at"] as? String == byJob["load"]?["last_success_at"] as? String)
                let csv = try runledger(
                    ["--db", database.location, "jobs", "--health", "--format", "csv"], in: directory)
                #expect(csv.stdout.hasPrefix("job,latest_run_id,latest_state,latest_canonical_type,failing,"))
                let badWindow = try runledger(
                    ["--db", database.location, "jobs", "--health", "--window", "soon"], in: directory)
                #expect(badWindow.status == 65, "\(badWindow)")
                let named = try runledger(["--db", database.location, "jobs", "load", "--health"], in: directory)
                #expect(named.status == 64, "\(named)")
                try withServer(database, in: directory) { server in
                    let body = try server.request("GET", "/jobs").body
                    let windowedPage = try server.request("GET", "/jobs?window=1s").body
                    #expect(windowedPage.contains("created in the last 1s"))
                    let rows = body.components(separatedBy: "<tr data-job=\"").dropFirst()
                    #expect(rows.count == health.count)
                    for row in rows {
                        let job = String(row.prefix { $0 != "\"" })
                        let entry = health.first { ($0["job"] as? String).map(Self.escaped) == job }
                        let failing = try #require(entry?["failing"] as? Bool, "\(job) is in jobs --health")
                        #expect(row.hasPrefix("\(job)\" class=\"failing\"") == failing, "\(job)")
                        if let latest = entry?["latest_run_id"] as? String { #expect(row.contains(latest)) }
                        let failures = entry?["consecutive_failures"] as? Int ?? -1
                        #expect(row.contains("<td class=\"num\">\(failures)</td>"), "\(job)")
                        #expect(row.contains("<td class=\"freshness\">-</td>"), "\(job): no freshness limit")
                    }
                    // Freshness: a job past its limit says since when, in red; one within it, its limit.
                    let ledger = try database.open()
                    try ledger.setFreshness("nightly-etl", staleAfter: 0.001)
                    try ledger.setFreshness("load", staleAfter: 7200)
                    Thread.sleep(forTimeInterval: 0.01)
                    let page = try server.request("GET", "/jobs").body
                    let row = { (job: String) in
                        page.components(separatedBy: "<tr data-job=\"\(job)\"").dropFirst().first ?? ""
                    }
                    #expect(row("nightly-etl").contains("<span class=\"stale\">stale since "), "\(row("nightly-etl"))")
                    #expect(row("load").contains("<td class=\"freshness\">within 2h00m</td>"), "\(row("load"))")
                }
            }
        }
    }

    /// HTML-escaped, as the pages write attributes.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    @Test(arguments: Ledger.Engine.allCases)
    func metricsIsWhatTheMetricsCommandPrints(_ engine: Ledger.Engine) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory) { database in
                let fixture = try PageFixture(database, in: directory)
                // Every run ended, so no figure depends on the time of reading.
                let ended = try runledger(
                    ["--db", database.location, "transition", fixture.live, "Completed"], in: directory)
                try #require(ended.status == 0, "\(ended)")
                let printed = try runledger(["--db", database.location, "metrics"], in: directory)
                try #require(printed.status == 0, "\(printed)")
                try withServer(database, in: directory) { server in
                    let reply = try server.request("GET", "/metrics")
                    #expect(reply.status == 200)
                    #expect(reply.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
                    #expect(reply.body == printed.stdout)
                    #expect(reply.body.contains("runledger_state_changes_total{"))
                    #expect(try server.request("POST", "/metrics").status == 405)
                }
                // Four jobs: over a limit of 3, refused as runledger metrics refuses it.
                let command = try runledger(["--db", database.location, "metrics", "--max-jobs", "3"], in: directory)
                #expect(command.status == 65)
                try withServer(database, arguments: ["--max-jobs", "3"], in: directory) { server in
                    let reply = try server.request("GET", "/metrics")
                    #expect(reply.status == 500)
                    #expect(reply.body.contains("Too many jobs for --max-jobs"), "\(reply.body)")
                    #expect(command.stderr.contains(reply.body.trimmingCharacters(in: .whitespacesAndNewlines)))
                }
                try withServer(database, arguments: ["--max-jobs", "4"], in: directory) { server in
                    let reply = try server.request("GET", "/metrics")
                    #expect(reply.status == 200)
                }
                let negative = try runledger(
                    ["--db", database.location, "serve", "--listen", "127.0.0.1:0", "--max-jobs=-1"], in: directory)
                #expect(negative.status == 64 && negative.stderr.contains("--max-jobs must be 0 or more"))
            }
        }
    }
}
