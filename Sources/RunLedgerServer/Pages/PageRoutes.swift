import HTTPTypes
import Hummingbird
import NIOCore
import RunLedger

/// The pages, the assets they load and `/metrics`, as the responder serves them.
extension LedgerResponder {
    /// The response for a page path, or nil when `segments` is no page's.
    func page(_ segments: [String], query: String, method: HTTPRequest.Method) async -> Response? {
        let now = Timestamp.now
        let make: (@Sendable (Ledger) throws -> Page)?
        do throws(PageError) {
            switch segments {
            case [""]:
                let page = try RunsPage(query: query, now: now)
                make = { try page.render($0, now: now) }
            case let segments where segments.count == 2 && segments[0] == "runs":
                let page = RunPage(id: Self.decodedPath(segments[1]))
                make = { try page.render($0, now: now) }
            case ["timeline"]:
                let page = try TimelinePage(query: query, now: now)
                make = { try page.render($0, now: now) }
            case ["jobs"]:
                let page = try JobsPage(query: query)
                make = { try page.render($0, now: now) }
            case ["lifecycles"]:
                make = { try LifecyclePage(name: nil).render($0) }
            case let segments where segments.count == 2 && segments[0] == "lifecycles":
                let page = LifecyclePage(name: Self.decodedPath(segments[1]))
                make = { try page.render($0) }
            case ["assets", "runledger.css"]:
                guard method == .get || method == .head else { return Self.methodNotAllowed("GET") }
                return Self.text(.ok, Assets.css, type: "text/css; charset=utf-8", cache: true)
            case ["assets", "runledger.js"]:
                guard method == .get || method == .head else { return Self.methodNotAllowed("GET") }
                return Self.text(.ok, Assets.javaScript, type: "text/javascript; charset=utf-8", cache: true)
            case ["metrics"]:
                guard method == .get || method == .head else { return Self.methodNotAllowed("GET") }
                return await metrics()
            default:
                return nil
            }
        } catch {
            return Self.html(HTML.errorPage(error))
        }
        guard method == .get || method == .head else { return Self.methodNotAllowed("GET") }
        guard let make else { return nil }
        do {
            return Self.html(try await reader.read(make))
        } catch let error as PageError {
            return Self.html(HTML.errorPage(error))
        } catch {
            var response = Self.html(
                HTML.errorPage(
                    PageError(status: 503, title: "Service unavailable", reason: String(describing: error))))
            response.headers[.retryAfter] = "1"
            return response
        }
    }

    /// `GET /metrics`: ``Ledger/metrics(maxJobs:now:)`` in the text format, as
    /// `runledger metrics` prints it; a ledger with more jobs than `--max-jobs` is refused
    /// (500, the reason as text), so that Prometheus marks the scrape failed rather than
    /// taking some jobs' series.
    private func metrics() async -> Response {
        let maxJobs = configuration.metricsMaxJobs
        do {
            let text = try await reader.read { ledger in try ledger.metrics(maxJobs: maxJobs).prometheusText }
            return Self.text(.ok, text, type: "text/plain; version=0.0.4; charset=utf-8")
        } catch LedgerError.invalidArgument(name: "maxJobs", let reason) {
            return Self.text(
                .internalServerError, "Too many jobs for --max-jobs: \(reason).\n", type: "text/plain; charset=utf-8")
        } catch {
            var response = Self.text(.serviceUnavailable, "\(error)\n", type: "text/plain; charset=utf-8")
            response.headers[.retryAfter] = "1"
            return response
        }
    }

    static func html(_ page: Page) -> Response {
        text(HTTPResponse.Status(code: page.status), page.html, type: "text/html; charset=utf-8")
    }

    static func text(_ status: HTTPResponse.Status, _ text: String, type: String, cache: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: type]
        headers[.cacheControl] = cache ? "max-age=300" : "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
