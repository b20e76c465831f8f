import RunLedger
import RunLedgerOutput

/// A page's outcome: its status and its whole HTML document.
struct Page: Sendable {
    var status: Int
    var html: String

    init(status: Int = 200, _ html: String) {
        self.status = status
        self.html = html
    }
}

/// Why a page cannot be made: the request's fault (400, 404), said on the page.
struct PageError: Error {
    var status: Int
    var title: String
    var reason: String

    static func badRequest(_ reason: String) -> PageError {
        PageError(status: 400, title: "Bad request", reason: reason)
    }

    static func notFound(_ reason: String) -> PageError {
        PageError(status: 404, title: "Not found", reason: reason)
    }
}

/// Building blocks of the pages: escaping, the layout every page shares, times, numbers.
///
/// Everything that comes from the ledger (job names, reasons, metadata, states) goes
/// through ``escape(_:)`` before it reaches the document: a job named
/// `<script>alert(1)</script>` shows as that text.
enum HTML {
    /// Text safe inside an element or a quoted attribute: `& < > " '` as entities.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A query string value or path segment, percent-encoded (everything but unreserved characters).
    static func urlComponent(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }

    /// A query string from pairs (empty values left out), escaped for an attribute.
    static func query(_ pairs: [(String, String?)]) -> String {
        let parts = pairs.compactMap { name, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return "\(name)=\(urlComponent(value))"
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    /// The link to a run's page; `short` shows a long id by its ends (the whole in its title).
    static func runLink(_ id: String, short: Bool = false) -> String {
        let text = short && id.count > 16 ? String(id.prefix(8)) + "…" + String(id.suffix(6)) : id
        return "<a class=\"run-id\" href=\"/runs/\(escape(urlComponent(id)))\" title=\"\(escape(id))\">"
            + "\(escape(text))</a>"
    }

    /// The link to a job's runs.
    static func jobLink(_ job: String) -> String {
        "<a href=\"/\(escape(query([("job", job)])))\">\(escape(job))</a>"
    }

    /// The link to a lifecycle's page.
    static func lifecycleLink(_ name: String) -> String {
        "<a href=\"/lifecycles/\(escape(urlComponent(name)))\">\(escape(name))</a>"
    }

    /// A time in UTC; the page's script adds the local time as its title (on hover).
    /// `compact` shows it to the second (`2026-11-23 18:20:09Z`), for lists; the whole
    /// ISO-8601 time stays in `datetime`.
    static func time(_ time: Timestamp?, compact: Bool = false) -> String {
        guard let time else { return "<span class=\"none\">-</span>" }
        let text = time.iso8601
        let shown = compact ? text.prefix(10) + " " + text.dropFirst(11).prefix(8) + "Z" : text
        return "<time datetime=\"\(text)\" title=\"\(text)\">\(shown)</time>"
    }

    /// A duration as the CLI's tables print it (`850ms`, `4.2s`, `3m07s`).
    static func span(_ seconds: Double?) -> String {
        guard let seconds else { return "-" }
        return TableFormatter.span(seconds)
    }

    /// A state with its canonical type, as a coloured badge.
    static func badge(_ state: String, _ type: CanonicalType?) -> String {
        let kind = type?.rawValue.lowercased() ?? "unknown"
        return "<span class=\"badge t-\(kind)\" title=\"\(escape(type?.rawValue ?? "-"))\">\(escape(state))</span>"
    }

    /// The fill of a canonical type in bars and timelines.
    static func color(_ type: CanonicalType?) -> String {
        switch type {
        case .scheduled: "#9fa8da"
        case .pending: "#ffcc80"
        case .running: "#64b5f6"
        case .completed: "#81c784"
        case .failed: "#e57373"
        case .cancelled: "#b0bec5"
        case .crashed: "#f06292"
        case .skipped: "#d6d6d6"
        case nil: "#eeeeee"
        }
    }

    /// A number of SVG user units, short.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// A rate from 0 to 1 as a percentage.
    static func percent(_ rate: Double?) -> String {
        guard let rate else { return "-" }
        return number(rate * 100) + "%"
    }

    /// A `Table` (the CLI's rows) as an HTML table: the same columns, the same cells.
    static func table(_ table: Table, id: String? = nil) -> String {
        var html = "<table\(id.map { " id=\"\($0)\"" } ?? "")><thead><tr>"
        for column in table.columns { html += "<th>\(escape(column.title))</th>" }
        html += "</tr></thead><tbody>"
        for row in table.rows {
            html += "<tr>"
            for cell in row {
                switch cell {
                case .time(let at): html += "<td>\(time(at))</td>"
                case .null: html += "<td class=\"none\">-</td>"
                default: html += "<td>\(escape(TableFormatter.text(cell)))</td>"
                }
            }
            html += "</tr>"
        }
        return html + "</tbody></table>"
    }

    /// The whole document: head, the navigation between pages, the page's content.
    static func layout(title: String, current: String, _ content: String) -> String {
        let links = [("/", "Runs"), ("/timeline", "Timeline"), ("/jobs", "Jobs"), ("/lifecycles", "Lifecycles")]
        let navigation = links.map { path, name in
            "<a href=\"\(path)\"\(path == current ? " class=\"current\"" : "")>\(name)</a>"
        }.joined()
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · runledger</title>
            <link rel="stylesheet" href="/assets/runledger.css">
            </head><body>
            <header><a class="brand" href="/">runledger</a><nav>\(navigation)</nav>\
            <a class="metrics" href="/metrics">/metrics</a></header>
            <main>
            \(content)
            </main>
            <footer>Times in UTC; hover for local time.</footer>
            <script src="/assets/runledger.js"></script>
            </body></html>

            """
    }

    /// The page for a refusal: its status, its title and the reason.
    static func errorPage(_ error: PageError) -> Page {
        Page(
            status: error.status,
            layout(
                title: error.title, current: "",
                "<h1>\(error.status) \(escape(error.title))</h1><p class=\"error\">\(escape(error.reason))</p>"))
    }
}
