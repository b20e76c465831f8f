import RunLedger

/// `/jobs`: each job's health from ``Ledger/jobHealth(window:now:)``, the call
/// `runledger jobs --health` makes; a job whose latest run failed is red.
struct JobsPage {
    /// Seconds back from now; nil for every run (read from the stats tables: as fast on a
    /// million runs as on a hundred).
    var window: Double?
    var windowText: String?

    init(query text: String) throws(PageError) {
        let parameters = try PageParameters(text, allowed: ["window"])
        windowText = parameters["window"]
        window = windowText == nil ? nil : try parameters.duration("window", default: 0)
    }

    func render(_ ledger: Ledger, now: Timestamp) throws -> Page {
        let jobs = try ledger.jobHealth(window: window, now: now)
        var html = """
            <h1>Jobs</h1><form class="filters" method="get" action="/jobs"><label>Window\
            <input name="window" value="\(HTML.escape(windowText ?? ""))" placeholder="all runs, or 7d"></label>\
            <button type="submit">Show</button></form>
            """
        if let window, let windowText {
            html += """
                <p>Runs, success rate and durations of the runs created in the last \(HTML.escape(windowText)) \
                (since \(HTML.time(now.adding(seconds: -window)))); the latest run, last success and failures \
                over each job's whole history.</p>
                """
        } else {
            html += "<p>Over each job's whole history (a window, such as 7d, counts only the runs created in it).</p>"
        }
        if jobs.isEmpty { return Page(HTML.layout(title: "Jobs", current: "/jobs", html + "<p>No job has run.</p>")) }
        html += """
            <table id="jobs"><thead><tr><th>JOB</th><th>LATEST RUN</th><th>STATE</th><th>LAST SUCCESS</th>\
            <th class="num">CONSECUTIVE FAILURES</th><th class="num">RUNS</th><th class="num">SUCCESS RATE</th>\
            <th class="num">P50</th><th class="num">P95</th><th class="num">ACTIVE</th><th class="num">LIMIT</th>\
            <th>FRESHNESS</th></tr></thead><tbody>
            """
        for job in jobs {
            let latest = job.latestRun
            let limit = job.maxActive.map(String.init) ?? "unlimited"
            html += """
                <tr data-job="\(HTML.escape(job.job))"\(job.isFailing ? " class=\"failing\"" : "")>\
                <td class="job">\(HTML.jobLink(job.job))</td>\
                <td>\(latest.map { HTML.runLink($0.id, short: true) } ?? "-")</td>\
                <td>\(latest.map { HTML.badge($0.state + ($0.outcome.map { " [\($0)]" } ?? ""), $0.canonicalType) } ?? "-")</td>\
                <td>\(HTML.time(job.lastSuccess, compact: true))</td><td class="num">\(job.consecutiveFailures)</td>\
                <td class="num">\(job.windowRuns)</td><td class="num">\(HTML.percent(job.successRate))</td>\
                <td class="num">\(HTML.span(job.duration?.p50))</td><td class="num">\(HTML.span(job.duration?.p95))</td>\
                <td class="num">\(job.active)</td>\
                <td class="num">\(limit)\(job.hasOwnLimit || job.maxActive == nil ? "" : " <span class=\"none\">(lifecycle)</span>")</td>\
                <td class="freshness">\(Self.freshness(job))</td></tr>
                """
        }
        html += "</tbody></table>"
        return Page(HTML.layout(title: "Jobs", current: "/jobs", html))
    }

    /// A job's freshness: stale since when (a violation), fresh within its limit, or none set.
    private static func freshness(_ job: JobHealth) -> String {
        guard let limit = job.staleAfter else { return "-" }
        guard let since = job.staleSince else { return "within \(HTML.span(limit))" }
        return "<span class=\"stale\">stale since \(HTML.time(since, compact: true))</span>"
    }
}
