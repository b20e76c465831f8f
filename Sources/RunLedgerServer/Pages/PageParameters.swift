import Foundation
import RunLedger

/// A page's query string, checked: only the names the page knows, each value parsed, and a
/// 400 naming the parameter and the reason otherwise.
struct PageParameters {
    private var values: [String: String] = [:]

    /// Parses `query`, refusing a name not in `allowed` and a name given twice.
    init(_ query: String, allowed: [String]) throws(PageError) {
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = LedgerResponder.decoded(String(parts[0]))
            guard allowed.contains(name) else {
                throw .badRequest("unknown parameter \(name) (this page takes \(allowed.joined(separator: ", ")))")
            }
            guard values[name] == nil else { throw .badRequest("parameter \(name) is given more than once") }
            values[name] = parts.count > 1 ? LedgerResponder.decoded(String(parts[1])) : ""
        }
    }

    /// The value, trimmed; nil when absent or empty (a form's empty field).
    subscript(name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// An integer in `range`, or `defaultValue` when absent.
    func integer(_ name: String, in range: ClosedRange<Int>, default defaultValue: Int) throws(PageError) -> Int {
        guard let text = self[name] else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw .badRequest("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), not \(text)")
        }
        return value
    }

    /// A time: ISO-8601 (`2026-11-23T18:20:09Z`, `2026-11-23`) or an age before `now`
    /// (`90s`, `15m`, `24h`, `7d`, `2w`), as the CLI's `--since` takes it.
    func time(_ name: String, now: Timestamp) throws(PageError) -> Timestamp? {
        guard let text = self[name] else { return nil }
        if let time = Timestamp(iso8601: text) { return time }
        if let seconds = Self.seconds(text) { return now.adding(seconds: -seconds) }
        throw .badRequest("\(name) must be an ISO-8601 time (2026-11-23T18:20:09Z) or an age such as 24h, not \(text)")
    }

    /// A duration (`90s`, `15m`, `24h`, `7d`, `2w`) in seconds, or `defaultValue` when absent.
    func duration(_ name: String, default defaultValue: Double) throws(PageError) -> Double {
        guard let text = self[name] else { return defaultValue }
        guard let seconds = Self.seconds(text), seconds > 0 else {
            throw .badRequest("\(name) must be a duration such as 90s, 15m, 24h, 7d, not \(text)")
        }
        return seconds
    }

    /// One of `choices`, or `defaultValue` when absent.
    func choice(_ name: String, _ choices: [String], default defaultValue: String) throws(PageError) -> String {
        guard let text = self[name] else { return defaultValue }
        guard choices.contains(text) else {
            throw .badRequest("\(name) must be one of \(choices.joined(separator: ", ")), not \(text)")
        }
        return text
    }

    /// `90s`, `15m`, `24h`, `7d`, `2w` in seconds; nil otherwise.
    static func seconds(_ text: String) -> Double? {
        guard text.first?.isASCII == true, text.first?.isNumber == true, let unit = text.last,
            let amount = Double(text.dropLast()), amount >= 0, amount.isFinite
        else { return nil }
        let factors: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        guard let factor = factors[unit], amount * factor < 1e10 else { return nil }
        return amount * factor
    }
}
