import RunLedger

/// Times on the command line: ISO-8601 (`2026-11-23T18:20:09Z`, `2026-11-23`), or an age
/// before now (`90s`, `15m`, `24h`, `7d`, `2w`).
///
/// Parsed in `run()` rather than by the argument parser: a bad time is rejected data, exit
/// code 65 in README's exit-code table, where the parser would give 64 (usage).
enum TimeArgument {
    static let help = "an ISO-8601 time (2026-11-23T18:20:09Z) or an age such as 90s, 15m, 24h, 7d"

    /// The time `text` names, or a data error naming `option`.
    static func parse(_ text: String, option: String, now: Timestamp = .now) throws -> Timestamp {
        guard let timestamp = timestamp(text, now: now) else {
            throw CLIError.data("\(option) '\(text)' is not \(help).")
        }
        return timestamp
    }

    static func timestamp(_ text: String, now: Timestamp) -> Timestamp? {
        if let timestamp = Timestamp(iso8601: text) { return timestamp }
        guard let seconds = seconds(text) else { return nil }
        return now.adding(seconds: -seconds)
    }

    /// A duration: `200ms`, `90s`, `15m`, `24h`, `7d`, `2w` (or a bare number of seconds).
    static func duration(_ text: String, option: String) throws -> Double {
        guard
            let seconds = milliseconds(text) ?? seconds(text)
                ?? Double(text).flatMap({ $0 >= 0 && $0.isFinite ? $0 : nil })
        else {
            throw CLIError.data("\(option) '\(text)' is not a duration such as 200ms, 5s, 90s, 15m, 24h, 7d.")
        }
        return seconds
    }

    /// `200ms` as seconds: for durations only (an age before now in milliseconds is no use).
    private static func milliseconds(_ text: String) -> Double? {
        guard text.hasSuffix("ms"), text.first?.isASCII == true, text.first?.isNumber == true,
            let amount = Double(text.dropLast(2)), amount >= 0, amount.isFinite
        else {
            return nil
        }
        return amount / 1000
    }

    private static func seconds(_ text: String) -> Double? {
        // Digits first: "+5m" or "-5m" would read as a sign, not as a direction in time.
        guard text.first?.isASCII == true, text.first?.isNumber == true, let unit = text.last,
            let amount = Double(text.dropLast()), amount >= 0, amount.isFinite
        else {
            return nil
        }
        let seconds: Double
        switch unit {
        case "s": seconds = amount
        case "m": seconds = amount * 60
        case "h": seconds = amount * 3600
        case "d": seconds = amount * 86_400
        case "w": seconds = amount * 604_800
        default: return nil
        }
        guard seconds < 1e10 else { return nil }
        return seconds
    }
}
