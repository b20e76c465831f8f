import RunLedger

/// `/`: runs, newest first, filtered as `runledger runs` filters them, with a bar of each
/// run's states; pages of `limit` runs, each after the last run of the one before (keyset:
/// as fast on the thousandth page as on the first).
struct RunsPage {
    static let parameters = ["job", "lifecycle", "state", "type", "status", "since", "until", "limit", "older"]

    var query: RunQuery
    var parameters: PageParameters
    var limit: Int

    /// Parses the filters; throws a 400's reason for a malformed one.
    init(query text: String, now: Timestamp) throws(PageError) {
        let parameters = try PageParameters(text, allowed: Self.parameters)
        let type: CanonicalType?
        if let text = parameters["type"] {
            guard let parsed = CanonicalType(rawValue: text.uppercased()) else {
                throw .badRequest(
                    "type must be a canonical type (\(CanonicalType.allCases.map(\.rawValue).joined(separator: ", "))), "
                        + "not \(text)")
            }
            type = parsed
        } else {
            type = nil
        }
        let status = try parameters.choice("status", ["any", "active", "terminal"], default: "any")
        let since = try parameters.time("since", now: now)
        let until = try parameters.time("until", now: now)
        if let since, let until, until < since { throw .badRequest("until must not be before since") }
        limit = try parameters.integer("limit", in: 1...500, default: 50)
        self.parameters = parameters
        query = RunQuery(
            job: parameters["job"], lifecycle: parameters["lifecycle"], state: parameters["state"],
            status: RunQuery.Status(rawValue: status) ?? .any, canonicalType: type, createdSince: since,
            createdBefore: until, olderThan: parameters["older"], limit: limit + 1)
    }

    /// Reads the page's runs (``Ledger/runs(matching:)``, the call `runledger runs` makes)
    /// and their histories for the bars, and renders them.
    func render(_ ledger: Ledger, now: Timestamp) throws -> Page {
        var runs = try ledger.runs(matching: query)
        let hasMore = runs.count > limit
        if hasMore { runs.removeLast() }
        let histories = try ledger.histories(of: runs.map(\.id))
        let lifecycles = Dictionary(try ledger.lifecycles().map { ($0.name, $0) }) { first, _ in first }

        var html = "<h1>Runs</h1>" + filters(lifecycles: lifecycles.keys.sorted())
        if runs.isEmpty {
            html += "<p class=\"none\" id=\"no-runs\">No run matches.</p>"
        } else {
            html += """
                <table id="runs"><thead><tr><th>ID</th><th>JOB</th><th>LIFECYCLE</th><th>STATE</th><th>TYPE</th>\
                <th>STATES</th><th class="num">ATTEMPT</th><th>CREATED</th><th>ENDED</th>\
                <th class="num">DURATION</th></tr></thead><tbody>
                """
            for run in runs {
                let stays = Gantt.stays(of: histories[run.id] ?? [], lifecycle: lifecycles[run.lifecycle], now: now)
                let duration = (run.endedAt ?? now).seconds(since: run.createdAt)
                html += """
                    <tr data-run="\(HTML.escape(run.id))" data-type="\(run.canonicalType.rawValue)">\
                    <td>\(HTML.runLink(run.id, short: true))</td><td class="job">\(HTML.jobLink(run.job))</td>\
                    <td>\(HTML.lifecycleLink(run.lifecycle))</td>\
                    <td class="state">\(HTML.badge(run.state, run.canonicalType))\
                    \(run.outcome.map { "<br><span class=\"outcome\">\(HTML.escape($0))</span>" } ?? "")</td>\
                    <td>\(run.canonicalType.rawValue)</td><td>\(Gantt.bar(stays))</td>\
                    <td class="num">\(run.attempt)</td><td>\(HTML.time(run.createdAt, compact: true))</td>\
                    <td>\(HTML.time(run.endedAt, compact: true))</td><td class="num">\(HTML.span(duration))\
                    \(run.isTerminal ? "" : " <span class=\"none\">(active)</span>")</td></tr>
                    """
            }
            html += "</tbody></table>"
        }
        html += "<div class=\"pager\">"
        if parameters["older"] != nil { html += "<a href=\"/\(HTML.escape(link(older: nil)))\">Newest</a>" }
        if hasMore, let last = runs.last {
            html += "<a id=\"older\" href=\"/\(HTML.escape(link(older: last.id)))\">Older runs →</a>"
        }
        html += "</div>" + Gantt.legend
        return Page(HTML.layout(title: "Runs", current: "/", html))
    }

    /// This page's filters with another cursor.
    private func link(older: String?) -> String {
        HTML.query(Self.parameters.filter { $0 != "older" }.map { ($0, parameters[$0]) } + [("older", older)])
    }

    /// The filter form (GET, so that a filtered page is a link).
    private func filters(lifecycles: [String]) -> String {
        func field(_ name: String, _ label: String, placeholder: String = "") -> String {
            """
            <label>\(label)<input name="\(name)" value="\(HTML.escape(parameters[name] ?? ""))" \
            placeholder="\(placeholder)"></label>
            """
        }
        func select(_ name: String, _ label: String, _ options: [String]) -> String {
            let current = parameters[name] ?? ""
            var html = "<label>\(label)<select name=\"\(name)\"><option value=\"\">any</option>"
            for option in options {
                let selected = option.lowercased() == current.lowercased() ? " selected" : ""
                html += "<option value=\"\(HTML.escape(option))\"\(selected)>\(HTML.escape(option))</option>"
            }
            return html + "</select></label>"
        }
        return "<form class=\"filters\" method=\"get\" action=\"/\">" + field("job", "Job")
            + select("lifecycle", "Lifecycle", lifecycles) + field("state", "State")
            + select("type", "Canonical type", CanonicalType.allCases.map(\.rawValue))
            + select("status", "Active / terminal", ["active", "terminal"])
            + field("since", "Created since", placeholder: "24h or ISO time")
            + field("until", "Created before", placeholder: "ISO time")
            + field("limit", "Per page", placeholder: "50")
            + "<button type=\"submit\">Filter</button> <a href=\"/\">Clear</a></form>"
    }
}
