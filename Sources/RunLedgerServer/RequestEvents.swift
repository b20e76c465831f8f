import RunLedger

/// The events of a POST body: one JSON object, or a JSON array of them, each element's text
/// exactly as sent.
///
/// Each event is checked for what makes a RunEvent at all, by the ledger's own check
/// (`OpenLineageEvent.init`: `eventTime`, `run.runId`, `job.namespace`, `job.name`) before
/// anything is queued, so that a request with one such event in its array is refused whole
/// (400 naming the field) and records nothing.
enum RequestEvents {
    /// Why a body holds no events to record.
    struct Refusal: Error {
        var message: String
        var field: String?
    }

    /// Whether the body is a JSON array (after leading whitespace).
    static func isArray(_ body: [UInt8]) -> Bool {
        body.first { !isWhitespace($0) } == UInt8(ascii: "[")
    }

    /// The events' texts, or why there are none to record.
    static func split(_ body: [UInt8]) -> Result<[String], Refusal> {
        guard let text = String(validating: body, as: UTF8.self) else {
            return .failure(Refusal(message: "the body is not UTF-8 text", field: nil))
        }
        guard let start = body.firstIndex(where: { !isWhitespace($0) }) else {
            return .failure(Refusal(message: "the body is empty: send one RunEvent or an array of them", field: nil))
        }
        let events: [String]
        switch body[start] {
        case UInt8(ascii: "{"):
            events = [text]
        case UInt8(ascii: "["):
            guard let elements = elements(of: body, from: start) else {
                return .failure(Refusal(message: "the body is not valid JSON", field: nil))
            }
            events = elements
        default:
            return .failure(Refusal(message: "the body is not a JSON object or array", field: nil))
        }
        for (index, event) in events.enumerated() {
            let subject = body[start] == UInt8(ascii: "[") ? "event \(index + 1) of the array" : "the body"
            guard let json = JSONValue(parsing: event) else {
                return .failure(Refusal(message: "\(subject) is not valid JSON", field: nil))
            }
            guard case .object = json else {
                return .failure(Refusal(message: "\(subject) is not a JSON object", field: nil))
            }
            // The ledger's own check of what makes a RunEvent (OpenLineageEvent), before
            // anything is queued: a request with one such event is refused whole.
            do {
                _ = try OpenLineageEvent(json)
            } catch LedgerError.invalidArgument(let name, let reason) {
                return .failure(Refusal(message: "\(subject) is not a RunEvent: \(name): \(reason)", field: name))
            } catch {
                return .failure(Refusal(message: "\(subject) is not a RunEvent: \(error)", field: nil))
            }
        }
        return .success(events)
    }

    /// The texts of a JSON array's elements, each exactly as sent; nil if the array is not
    /// closed, or has text after it. (Each element is then parsed on its own.)
    private static func elements(of body: [UInt8], from start: Int) -> [String]? {
        var elements: [String] = []
        var depth = 0
        var inString = false
        var isEscaped = false
        var elementStart: Int?
        var isAfterComma = false
        var index = start
        var end: Int?
        while index < body.count {
            let byte = body[index]
            if inString {
                if isEscaped {
                    isEscaped = false
                } else if byte == UInt8(ascii: "\\") {
                    isEscaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                if depth == 1, elementStart == nil { elementStart = index }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if depth == 1, elementStart == nil { elementStart = index }
                depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 {
                    guard byte == UInt8(ascii: "]"), !isAfterComma || elementStart != nil else { return nil }
                    if let first = elementStart { elements.append(text(body[first..<index])) }
                    end = index
                }
            case UInt8(ascii: ","):
                if depth == 1 {
                    guard let first = elementStart else { return nil }
                    elements.append(text(body[first..<index]))
                    elementStart = nil
                    isAfterComma = true
                }
            default:
                if depth == 1, elementStart == nil, !isWhitespace(byte) { elementStart = index }
            }
            index += 1
            if end != nil { break }
        }
        guard let end, body[(end + 1)...].allSatisfy(isWhitespace) else { return nil }
        return elements
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        var slice = bytes
        while let last = slice.last, isWhitespace(last) { slice = slice.dropLast() }
        return String(decoding: slice, as: UTF8.self)
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
