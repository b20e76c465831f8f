import Foundation
import HTTPTypes
import Hummingbird
import RunLedger
import RunLedgerOutput

/// Answers every request: checks the token, routes by path and method, and turns each
/// endpoint's outcome into a response. Routing is by hand (a handful of fixed paths) so that
/// each refusal is exactly the one the server documents: 401, 404, 405 with `Allow`, 413,
/// 415, 400 naming the field, 503 with `Retry-After`.
struct LedgerResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let configuration: LedgerServer.Configuration
    let writer: GroupCommitWriter
    let reader: LedgerReader
    /// Where the ledger is, without a password (``Ledger/path``), and its engine.
    let location: String
    let engine: Ledger.Engine

    func respond(to request: Request, context: Context) async throws -> Response {
        if let token = configuration.token, !Self.isAuthorized(request.headers[.authorization], token: token) {
            var response = Self.error(.unauthorized, "a bearer token is required (Authorization: Bearer <token>)")
            response.headers[.wwwAuthenticate] = "Bearer realm=\"runledger\""
            return response
        }
        let path = request.uri.path
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        switch segments {
        case ["api", "v1", "lineage"]:
            guard request.method == .post else { return Self.methodNotAllowed("POST") }
            return await receive(request)
        case ["healthz"], ["api", "v1", "health"]:
            guard request.method == .get else { return Self.methodNotAllowed("GET") }
            return await health()
        case ["api", "v1", "runs"]:
            guard request.method == .get else { return Self.methodNotAllowed("GET") }
            return await runs(query: request.uri.query ?? "")
        case let segments where segments.count == 4 && segments.starts(with: ["api", "v1", "runs"]):
            guard request.method == .get else { return Self.methodNotAllowed("GET") }
            return await run(id: Self.decodedPath(segments[3]))
        case let segments
        where segments.count == 5 && segments.starts(with: ["api", "v1", "runs"]) && segments[4] == "history":
            guard request.method == .get else { return Self.methodNotAllowed("GET") }
            return await history(of: Self.decodedPath(segments[3]))
        default:
            if let page = await page(segments, query: request.uri.query ?? "", method: request.method) { return page }
            return Self.error(.notFound, "no such endpoint: \(path)")
        }
    }

    // MARK: - POST /api/v1/lineage

    /// Marquez's intake: one RunEvent, or a JSON array of them. 201 with the receipts once
    /// committed; nothing is recorded for a request that gets anything else.
    private func receive(_ request: Request) async -> Response {
        if let refusal = Self.refuseContentType(request.headers) { return refusal }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maximumBodySize {
            return Self.tooLarge(configuration.maximumBodySize)
        }
        let body: [UInt8]
        switch await readBody(request.body) {
        case .complete(let bytes): body = bytes
        case .tooLarge: return Self.tooLarge(configuration.maximumBodySize)
        case .timedOut:
            return Self.closing(
                Self.error(.requestTimeout, "the body did not arrive within \(configuration.readTimeoutDescription)"))
        case .failed: return Self.closing(Self.error(.badRequest, "the body could not be read"))
        }
        let events: [String]
        switch RequestEvents.split(body) {
        case .failure(let refusal): return Self.error(.badRequest, refusal.message, field: refusal.field)
        case .success(let split): events = split
        }
        if events.isEmpty { return Self.error(.badRequest, "the array holds no event", field: nil) }

        switch await writer.submit(events) {
        case .failed(let sentence):
            var response = Self.error(.serviceUnavailable, "nothing was recorded: \(sentence)")
            response.headers[.retryAfter] = "1"
            return response
        case .committed(let results):
            var receipts: [String] = []
            for (index, result) in results.enumerated() {
                switch result {
                case .success(let receipt): receipts.append(Self.json(receipt))
                case .failure(let error):
                    let position = events.count > 1 ? " (event \(index + 1) of the array)" : ""
                    if case .invalidArgument(let name, let reason) = error {
                        return Self.error(.badRequest, "not a RunEvent\(position): \(reason)", field: name)
                    }
                    return Self.error(.badRequest, "not recorded\(position): \(error.description)", field: nil)
                }
            }
            let text =
                events.count == 1 && !RequestEvents.isArray(body)
                ? receipts[0] : "[" + receipts.joined(separator: ", ") + "]"
            return Self.json(status: .created, text)
        }
    }

    private enum BodyRead {
        case complete([UInt8])
        case tooLarge
        case timedOut
        case failed
    }

    /// Reads the whole body within the read timeout and the size limit.
    private func readBody(_ body: RequestBody) async -> BodyRead {
        let limit = configuration.maximumBodySize
        let timeout = configuration.readTimeout
        return await withTaskGroup(of: BodyRead?.self) { group in
            group.addTask {
                var bytes: [UInt8] = []
                do {
                    for try await buffer in body {
                        if bytes.count + buffer.readableBytes > limit { return .tooLarge }
                        bytes.append(contentsOf: buffer.readableBytesView)
                    }
                } catch {
                    return Task.isCancelled ? nil : .failed
                }
                return Task.isCancelled ? nil : .complete(bytes)
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return Task.isCancelled ? nil : .timedOut
            }
            var outcome = BodyRead.failed
            for await result in group {
                if let result {
                    outcome = result
                    break
                }
            }
            group.cancelAll()
            return outcome
        }
    }

    // MARK: - GET endpoints

    private func runs(query: String) async -> Response {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decoded(String(parts[0]))
            guard ["job", "state", "lifecycle", "limit"].contains(name) else {
                return Self.error(
                    .badRequest, "unknown query parameter \(name) (job, state, lifecycle, limit)", field: name)
            }
            parameters[name] = parts.count > 1 ? Self.decoded(String(parts[1])) : ""
        }
        var limit = 100
        if let text = parameters["limit"] {
            guard let value = Int(text), value >= 0 else {
                return Self.error(
                    .badRequest, "limit must be an integer, 0 or more (0: all), not \(text)", field: "limit")
            }
            limit = value
        }
        let query = RunQuery(
            job: parameters["job"], lifecycle: parameters["lifecycle"], state: parameters["state"],
            limit: limit == 0 ? nil : limit)
        return await reading { ledger in JSONFormatter.render(RunRows.table(try ledger.runs(matching: query))) }
    }

    private func run(id: String) async -> Response {
        await reading { ledger in
            guard let run = try ledger.run(id: id) else { throw LedgerError.noSuchRun(runID: id) }
            // The one object of `runs --format json`'s array.
            return String(JSONFormatter.inline(RunRows.table([run])).dropFirst().dropLast())
        }
    }

    private func history(of id: String) async -> Response {
        await reading { ledger in JSONFormatter.render(ChangeRows.timeline(try ledger.timeline(of: id))) }
    }

    private func health() async -> Response {
        let location = self.location
        let engine = self.engine
        do {
            let runs = try await reader.read { ledger in try ledger.runs(matching: RunQuery(limit: 1)).count }
            _ = runs
            return Self.json(
                status: .ok,
                "{\"status\": \"ok\", \"engine\": \(JSONFormatter.quote(engine.rawValue)), \"ledger\": "
                    + "\(JSONFormatter.quote(location))}")
        } catch {
            var response = Self.json(
                status: .serviceUnavailable,
                "{\"status\": \"unavailable\", \"engine\": \(JSONFormatter.quote(engine.rawValue)), \"ledger\": "
                    + "\(JSONFormatter.quote(location)), \"error\": \(JSONFormatter.quote(String(describing: error)))}")
            response.headers[.retryAfter] = "5"
            return response
        }
    }

    /// A read on the reading thread: 200 with its JSON, 404 for no such run, 503 otherwise.
    private func reading(_ body: @escaping @Sendable (Ledger) throws -> String) async -> Response {
        do {
            return Self.json(status: .ok, try await reader.read(body))
        } catch LedgerError.noSuchRun(let id) {
            return Self.error(.notFound, "no run has id \(id)")
        } catch {
            var response = Self.error(.serviceUnavailable, String(describing: error))
            response.headers[.retryAfter] = "1"
            return response
        }
    }

    // MARK: - Responses

    static func json(status: HTTPResponse.Status, _ text: String) -> Response {
        let body = text.hasSuffix("\n") ? text : text + "\n"
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// `{"error": "...", "field": "..."}`; `field` only where one field is at fault.
    static func error(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) -> Response {
        var text = "{\"error\": \(JSONFormatter.quote(message))"
        if let field { text += ", \"field\": \(JSONFormatter.quote(field))" }
        return json(status: status, text + "}")
    }

    static func methodNotAllowed(_ allowed: String) -> Response {
        var response = error(.methodNotAllowed, "this endpoint takes \(allowed) only")
        response.headers[.allow] = allowed
        return response
    }

    static func tooLarge(_ limit: Int) -> Response {
        closing(error(.contentTooLarge, "the body is larger than the limit of \(limit) bytes (--max-body)"))
    }

    /// The response, with the connection closed after it (``CloseAfterResponseHandler``):
    /// for a body the server did not read to its end.
    static func closing(_ response: Response) -> Response {
        var response = response
        response.headers[.connection] = "close"
        return response
    }

    /// 415 unless the body is `application/json` (any charset but UTF-8 refused) and not
    /// encoded (the server decodes no Content-Encoding).
    static func refuseContentType(_ headers: HTTPFields) -> Response? {
        if let encoding = headers[.contentEncoding]?.trimmingCharacters(in: .whitespaces).lowercased(),
            !encoding.isEmpty, encoding != "identity"
        {
            return error(
                .unsupportedMediaType,
                "Content-Encoding \(encoding) is not decoded here: send the body uncompressed (identity)")
        }
        guard let type = headers[.contentType] else {
            return error(.unsupportedMediaType, "the body must be application/json (no Content-Type was sent)")
        }
        let parts = type.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard parts.first == "application/json" else {
            return error(.unsupportedMediaType, "the body must be application/json, not \(type)")
        }
        for parameter in parts.dropFirst() where parameter.hasPrefix("charset=") {
            let charset = parameter.dropFirst("charset=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard charset == "utf-8" || charset == "utf8" else {
                return error(.unsupportedMediaType, "the body must be UTF-8, not \(charset)")
            }
        }
        return nil
    }

    /// Whether the Authorization header carries the token (compared in constant time).
    static func isAuthorized(_ header: String?, token: String) -> Bool {
        guard let header else { return false }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return false }
        let given = Array(parts[1].trimmingCharacters(in: .whitespaces).utf8)
        let expected = Array(token.utf8)
        var difference = given.count == expected.count ? 0 : 1
        for index in 0..<given.count { difference |= Int(given[index] ^ expected[index % max(expected.count, 1)]) }
        return difference == 0
    }

    /// A query's name or value: `+` is a space, then percent-decoded.
    static func decoded(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }

    /// A path segment, percent-decoded.
    static func decodedPath(_ text: String) -> String {
        text.removingPercentEncoding ?? text
    }

    /// A receipt as JSON, with snake_case keys as the CLI's JSON has them.
    static func json(_ receipt: OpenLineageReceipt) -> String {
        var fields = [
            "\"effect\": \(JSONFormatter.quote(receipt.effect.rawValue))",
            "\"event_type\": \(receipt.eventType.map(JSONFormatter.quote) ?? "null")",
        ]
        if let note = receipt.note { fields.append("\"note\": \(JSONFormatter.quote(note))") }
        fields.append("\"run_id\": \(JSONFormatter.quote(receipt.runID))")
        return "{" + fields.joined(separator: ", ") + "}"
    }
}
