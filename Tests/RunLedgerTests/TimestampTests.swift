import Testing

@testable import RunLedger

/// Timestamps: microsecond ISO 8601 both ways, the forms accepted and refused, the clock.
struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00.000000Z", Int64(0)),
        ("2026-11-23T18:20:09.290412Z", Int64(1_795_458_009_290_412)),
        ("2000-02-29T12:00:00.000001Z", Int64(951_825_600_000_001)),
        ("1969-12-31T23:59:59.999999Z", Int64(-1)),
    ])
    func formatsAndParsesMicrosecondISO8601(text: String, micros: Int64) throws {
        #expect(Timestamp(rawValue: micros).iso8601 == text)
        #expect(Timestamp(iso8601: text)?.rawValue == micros)
    }

    @Test func parsesDatesOffsetsAndShortFractions() {
        #expect(Timestamp(iso8601: "2026-11-23")?.iso8601 == "2026-11-23T00:00:00.000000Z")
        #expect(Timestamp(iso8601: "2026-11-23T18:20")?.iso8601 == "2026-11-23T18:20:00.000000Z")
        #expect(Timestamp(iso8601: "2026-11-23T18:20:09.5Z")?.iso8601 == "2026-11-23T18:20:09.500000Z")
        #expect(Timestamp(iso8601: "2026-11-23T20:20:09+02:00")?.iso8601 == "2026-11-23T18:20:09.000000Z")
        #expect(Timestamp(iso8601: "2026-11-23T13:20:09-0500")?.iso8601 == "2026-11-23T18:20:09.000000Z")
        #expect(Timestamp(iso8601: "2026-11-23T18:20:09.1234567Z")?.iso8601 == "2026-11-23T18:20:09.123456Z")
    }

    @Test(arguments: [
        "", "yesterday", "2026-13-01", "2026-02-30", "2026-11-23T25:00:00Z", "2026-11-23T18:20:09Zjunk",
        "2026-11-23T18:20:09.Z", "26-11-23",
    ])
    func refusesWhatIsNotATime(text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test func nowIsCloseToTheSystemClockAndOrdered() {
        let first = Timestamp.now
        let second = Timestamp.now
        #expect(first <= second)
        #expect(first.rawValue > 1_700_000_000_000_000)
    }
}
