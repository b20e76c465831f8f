import RunLedger

/// `/timeline`: many runs over one window, one lane per run or per job, grouped by job or
/// lifecycle, so that overlaps and idle time show. The runs are those ``Ledger/runs(matching:)``
/// lists for the window (created in it); lanes beyond the cap are counted, not drawn.
struct TimelinePage {
    static let parameters = ["since", "until", "group", "lanes", "limit", "job", "lifecycle"]
    /// The widest window drawn; a wider one is cut to its last 31 days, and the page says so.
    static let widestWindow = 31.0 * 86_400
    /// The most runs read for one page.
    static let runCap = 2000

    var parameters: PageParameters
    var start: Timestamp
    var end: Timestamp
    var cappedFrom: Timestamp?
    var group: String
    var lanes: String
    var limit: Int

    init(query text: String, now: Timestamp) throws(PageError) {
        parameters = try PageParameters(text, allowed: Self.parameters)
        end = try parameters.time("until", now: now) ?? now
        var start = try parameters.time("since", now: now) ?? end.adding(seconds: -86_400)
        guard start < end else { throw .badRequest("since must be before until") }
        if end.seconds(since: start) > Self.widestWindow {
            cappedFrom = start
            start = end.adding(seconds: -Self.widestWindow)
        }
        self.start = start
        group = try parameters.choice("group", ["job", "lifecycle"], default: "job")
        lanes = try parameters.choice("lanes", ["run", "job"], default: "run")
        limit = try parameters.integer("limit", in: 1...500, default: 100)
    }

    func render(_ ledger: Ledger, now: Timestamp) throws -> Page {
        let query = RunQuery(
            job: parameters["job"], lifecycle: parameters["lifecycle"], createdSince: start, createdBefore: end,
            limit: Self.runCap)
        let runs = try ledger.runs(matching: query)
        let total = runs.count < Self.runCap ? runs.count : try ledger.count(matching: query)
        let lifecycles = Dictionary(try ledger.lifecycles().map { ($0.name, $0) }) { first, _ in first }
        let key: (Run) -> String = { group == "job" ? $0.job : $0.lifecycle }
        // Oldest first within a group, groups by name.
        let sorted = runs.sorted { key($0) != key($1) ? key($0) < key($1) : $0.createdAt < $1.createdAt }

        var chosen: [Run] = []
        var laneCount = 0
        var hiddenLanes = 0
        var drawnJobs = Set<String>()
        for run in sorted {
            if lanes == "job" {
                if drawnJobs.contains(run.job) {
                    chosen.append(run)
                } else if drawnJobs.count < limit {
                    drawnJobs.insert(run.job)
                    chosen.append(run)
                }
            } else if laneCount < limit {
                chosen.append(run)
                laneCount += 1
            }
        }
        if lanes == "job" {
            hiddenLanes = Set(runs.map(\.job)).count - drawnJobs.count
        } else {
            hiddenLanes = total - chosen.count
        }
        let histories = try ledger.histories(of: chosen.map(\.id))
        func stays(_ run: Run) -> [Gantt.Stay] {
            Gantt.stays(of: histories[run.id] ?? [], lifecycle: lifecycles[run.lifecycle], now: now)
        }

        var drawn: [Gantt.Lane] = []
        var currentGroup: String?
        var jobLanes: [String: Int] = [:]
        for run in chosen {
            // One lane per job grouped by job: each lane is its own group, no heading needed.
            if key(run) != currentGroup && !(lanes == "job" && group == "job") {
                currentGroup = key(run)
                drawn.append(Gantt.Lane(label: "\(group) \(key(run))", isHeading: true))
            }
            if lanes == "job" {
                if let index = jobLanes[run.job] {
                    drawn[index].stays += stays(run)
                } else {
                    jobLanes[run.job] = drawn.count
                    drawn.append(
                        Gantt.Lane(
                            label: run.job, link: "/" + HTML.query([("job", run.job)]), stays: stays(run), kind: "job"))
                }
            } else {
                drawn.append(
                    Gantt.Lane(
                        label: "\(run.job) #\(run.attempt)", link: "/runs/\(HTML.urlComponent(run.id))",
                        stays: stays(run), kind: "run"))
            }
        }

        var html = "<h1>Timeline</h1>" + form()
        if let cappedFrom {
            html += """
                <p class="note" id="capped">The window asked for began at \(HTML.time(cappedFrom)); it is capped \
                at 31 days, so this timeline starts at \(HTML.time(start)).</p>
                """
        }
        html += "<p>Runs created from \(HTML.time(start)) to \(HTML.time(end)): \(total).</p>"
        if drawn.isEmpty {
            html += "<p class=\"none\">No run was created in this window.</p>"
        } else {
            // With no start asked for, the axis begins at the first run drawn, not 24 hours back.
            var from = start
            if parameters["since"] == nil, let first = chosen.map(\.createdAt).min() {
                from = max(start, first.adding(seconds: -max(end.seconds(since: first), 1) * 0.02))
            }
            html += Gantt.svg(drawn, from: from, to: end, id: "timeline", labelsBelow: false)
        }
        if hiddenLanes > 0 {
            html += "<p class=\"note\" id=\"more\">\(hiddenLanes) more \(lanes == "job" ? "jobs" : "runs") "
            html += "not drawn (at most \(limit) lanes; narrow the window or raise limit, up to 500).</p>"
        } else if runs.count == Self.runCap && total > runs.count {
            html += "<p class=\"note\" id=\"more\">\(total - runs.count) more runs not drawn.</p>"
        }
        html += Gantt.legend
        return Page(HTML.layout(title: "Timeline", current: "/timeline", html))
    }

    private func form() -> String {
        func field(_ name: String, _ label: String, _ placeholder: String) -> String {
            """
            <label>\(label)<input name="\(name)" value="\(HTML.escape(parameters[name] ?? ""))" \
            placeholder="\(placeholder)"></label>
            """
        }
        func select(_ name: String, _ label: String, _ options: [String], _ current: String) -> String {
            "<label>\(label)<select name=\"\(name)\">"
                + options.map {
                    "<option value=\"\($0)\"\($0 == current ? " selected" : "")>\($0)</option>"
                }.joined() + "</select></label>"
        }
        return "<form class=\"filters\" method=\"get\" action=\"/timeline\">"
            + field("since", "From", "24h or ISO time")
            + field("until", "To", "now") + select("group", "Group by", ["job", "lifecycle"], group)
            + select("lanes", "One lane per", ["run", "job"], lanes) + field("job", "Job", "")
            + field("lifecycle", "Lifecycle", "") + field("limit", "Lanes", "100")
            + "<button type=\"submit\">Show</button></form>"
    }
}
