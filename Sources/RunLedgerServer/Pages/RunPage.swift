import RunLedger
import RunLedgerOutput

/// `/runs/{id}`: one run's life. A Gantt of its stays, one lane per attempt of its retry
/// chain and one per upstream run it waits for, its annotations as markers; then the
/// history table, the columns of `runledger history` from the same call
/// (``Ledger/timeline(of:)``). While the run is active the page says so (`data-live`) and
/// its script reloads the content every second, until the run ends.
struct RunPage {
    var id: String

    func render(_ ledger: Ledger, now: Timestamp) throws -> Page {
        let timeline: RunTimeline
        do {
            timeline = try ledger.timeline(of: id)
        } catch LedgerError.noSuchRun {
            throw PageError.notFound("no run has id \(id)")
        }
        let run = timeline.run
        let chain = try ledger.chain(of: id)
        let upstreamRuns = try timeline.upstreams.compactMap { try ledger.run(id: $0.id) }
        let others = chain.map(\.id).filter { $0 != id } + upstreamRuns.map(\.id)
        var histories = try ledger.histories(of: others)
        histories[id] = timeline.changes
        let lifecycles = Dictionary(try ledger.lifecycles().map { ($0.name, $0) }) { first, _ in first }

        var lanes: [Gantt.Lane] = []
        for attempt in chain {
            var lane = Gantt.Lane(
                label: "attempt \(attempt.attempt)" + (attempt.id == id ? " (this run)" : ""),
                link: attempt.id == id ? nil : "/runs/\(HTML.urlComponent(attempt.id))",
                stays: Gantt.stays(of: histories[attempt.id] ?? [], lifecycle: lifecycles[attempt.lifecycle], now: now),
                kind: attempt.id == id ? "run" : "attempt")
            if attempt.id == id {
                lane.markers = timeline.annotations.map {
                    Gantt.Marker(at: $0.at, title: "\($0.kind): \($0.reason ?? "") (\($0.at.iso8601))")
                }
            }
            lanes.append(lane)
        }
        for upstream in upstreamRuns {
            lanes.append(
                Gantt.Lane(
                    label: "upstream \(upstream.job)", link: "/runs/\(HTML.urlComponent(upstream.id))",
                    stays: Gantt.stays(
                        of: histories[upstream.id] ?? [], lifecycle: lifecycles[upstream.lifecycle], now: now),
                    kind: "upstream"))
        }
        let all = lanes.flatMap(\.stays)
        let start = all.map(\.start).min() ?? run.createdAt
        var end = all.map(\.end).max() ?? now
        if !run.isTerminal { end = max(end, now) }
        if end.seconds(since: start) < 1 { end = start.adding(seconds: 1) }

        var html = "<div id=\"run\" data-live=\"\(run.isTerminal ? "false" : "true")\" data-run=\"\(HTML.escape(id))\">"
        html += "<h1>Run <span class=\"run-id\">\(HTML.escape(run.id))</span></h1><div class=\"summary\">"
        html += "<div><span>job</span>\(HTML.jobLink(run.job))</div>"
        html += "<div><span>lifecycle</span>\(HTML.lifecycleLink(run.lifecycle))</div>"
        html += "<div><span>state</span><span id=\"state\">"
        html += HTML.badge(run.state + (run.outcome.map { " [\($0)]" } ?? ""), run.canonicalType) + "</span></div>"
        html += "<div><span>attempt</span>\(run.attempt)\(run.maxRetries.map { " of at most \($0 + 1)" } ?? "")</div>"
        html += "<div><span>created</span>\(HTML.time(run.createdAt))</div>"
        html += "<div><span>ended</span>\(HTML.time(run.endedAt))</div>"
        html += "<div><span>duration</span>\(HTML.span((run.endedAt ?? now).seconds(since: run.createdAt)))</div>"
        if let by = run.createdBy { html += "<div><span>by</span>\(HTML.escape(by))</div>" }
        if let reason = run.createdReason { html += "<div><span>reason</span>\(HTML.escape(reason))</div>" }
        html += "</div>"
        if !run.isTerminal {
            html += "<p class=\"live\" id=\"live\">Active: this page follows the run every second until it ends.</p>"
        }
        if let parent = run.parentID { html += "<p>Retries \(HTML.runLink(parent)).</p>" }
        if !timeline.children.isEmpty {
            html += "<p>Retried by " + timeline.children.map { HTML.runLink($0) }.joined(separator: ", ") + ".</p>"
        }
        if !timeline.upstreams.isEmpty {
            html += "<p>Waits for "
            html += timeline.upstreams.map {
                HTML.runLink($0.id) + " (\($0.isCompleted ? "completed" : "not completed"))"
            }.joined(separator: ", ")
            html += ".</p>"
        }
        html += "<h2>Timeline</h2>"
        html += Gantt.svg(lanes, from: start, to: end, id: "timeline") + Gantt.legend
        html += "<h2>History</h2>" + HTML.table(ChangeRows.timeline(timeline), id: "history")
        if !timeline.annotations.isEmpty {
            html += "<h2>Annotations</h2>"
            html += HTML.table(AnnotationRows.table(timeline.annotations), id: "annotations")
        }
        html += "<p><a href=\"/api/v1/runs/\(HTML.escape(HTML.urlComponent(id)))/history\">This history as JSON</a></p>"
        html += "</div>"
        return Page(HTML.layout(title: "Run \(run.id)", current: "", html))
    }
}
