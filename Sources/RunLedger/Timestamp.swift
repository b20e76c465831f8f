#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A point in time: microseconds since the Unix epoch, UTC.
///
/// The ledger stores every time this way, as INTEGER in columns named `*_at`, so that SQL
/// can compare and subtract times without parsing. `iso8601` and `init?(iso8601:)` convert
/// to and from text.
///
/// ```swift
/// let t = Timestamp.now
/// print(t.iso8601)  // 2026-11-23T18:20:09.290412Z
/// ```
public struct Timestamp: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public let rawValue: Int64

    /// Wraps microseconds since the Unix epoch.
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// Wraps microseconds since the Unix epoch.
    public init(microsecondsSinceEpoch: Int64) { self.rawValue = microsecondsSinceEpoch }

    /// Microseconds since the Unix epoch.
    public var microsecondsSinceEpoch: Int64 { rawValue }

    /// The current time of the system clock (`clock_gettime(CLOCK_REALTIME)`).
    public static var now: Timestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Timestamp(rawValue: Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1_000)
    }

    /// Orders timestamps in time.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The time `seconds` later (earlier when negative).
    public func adding(seconds: Double) -> Timestamp {
        Timestamp(rawValue: rawValue + Int64((seconds * 1_000_000).rounded()))
    }

    /// Seconds from `earlier` to this time.
    public func seconds(since earlier: Timestamp) -> Double {
        Double(rawValue - earlier.rawValue) / 1_000_000
    }

    /// The ISO-8601 text, in UTC with microseconds: `2026-11-23T18:20:09.290412Z`.
    public var description: String { iso8601 }

    /// The ISO-8601 text, in UTC with microseconds: `2026-11-23T18:20:09.290412Z`.
    public var iso8601: String {
        let (days, microsOfDay) = rawValue.floorDivided(by: 86_400_000_000)
        let (year, month, day) = Self.civil(fromDays: days)
        let seconds = microsOfDay / 1_000_000
        let fraction = microsOfDay % 1_000_000
        return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))"
            + "T\(Self.pad(seconds / 3600, 2)):\(Self.pad(seconds / 60 % 60, 2)):\(Self.pad(seconds % 60, 2))"
            + ".\(Self.pad(fraction, 6))Z"
    }

    /// Parses ISO-8601 text: a date (`2026-11-23`, midnight UTC), or a date and time with
    /// optional seconds, fraction (up to microseconds) and offset (`Z`, `+02:00`, `-0500`);
    /// a time without an offset is UTC. Returns nil for anything else, or an impossible date.
    public init?(iso8601 text: String) {
        var scanner = Scanner(Array(text.utf8))
        guard let year = scanner.digits(4), scanner.skip("-"), let month = scanner.digits(2), scanner.skip("-"),
            let day = scanner.digits(2), (1...12).contains(month),
            (1...Self.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var micros: Int64 = 0
        var offsetSeconds: Int64 = 0
        if scanner.skip("T") || scanner.skip("t") || scanner.skip(" ") {
            guard let hour = scanner.digits(2), hour < 24, scanner.skip(":"), let minute = scanner.digits(2),
                minute < 60
            else { return nil }
            var second: Int64 = 0
            if scanner.skip(":") {
                guard let value = scanner.digits(2), value < 60 else { return nil }
                second = value
                if scanner.skip(".") || scanner.skip(",") {
                    var fraction: Int64 = 0
                    var count = 0
                    while let digit = scanner.digit() {
                        if count < 6 { fraction = fraction * 10 + digit }
                        count += 1
                    }
                    guard count > 0 else { return nil }
                    for _ in count..<max(count, 6) { fraction *= 10 }
                    micros = fraction
                }
            }
            micros += ((hour * 60 + minute) * 60 + second) * 1_000_000
            if scanner.skip("Z") || scanner.skip("z") {
            } else if let sign = scanner.sign() {
                guard let hours = scanner.digits(2), hours < 24 else { return nil }
                _ = scanner.skip(":")
                guard let minutes = scanner.digits(2), minutes < 60 else { return nil }
                offsetSeconds = sign * (hours * 3600 + minutes * 60)
            }
        }
        guard scanner.isAtEnd else { return nil }
        let days = Self.days(fromCivil: year, month, day)
        self.rawValue = days * 86_400_000_000 + micros - offsetSeconds * 1_000_000
    }

    // MARK: - Calendar arithmetic (proleptic Gregorian; Howard Hinnant's algorithms)

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Int64 {
    /// Quotient and remainder rounded toward negative infinity, so times before 1970 format too.
    fileprivate func floorDivided(by divisor: Int64) -> (Int64, Int64) {
        let quotient = self / divisor
        let remainder = self % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}

/// A cursor over ASCII bytes, for the ISO-8601 parser.
private struct Scanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index == bytes.count }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(character.value) else { return false }
        index += 1
        return true
    }

    mutating func digit() -> Int64? {
        guard index < bytes.count, (48...57).contains(bytes[index]) else { return nil }
        defer { index += 1 }
        return Int64(bytes[index] - 48)
    }

    mutating func digits(_ count: Int) -> Int64? {
        var value: Int64 = 0
        for _ in 0..<count {
            guard let digit = digit() else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    mutating func sign() -> Int64? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }
}
