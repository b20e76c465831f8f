import Testing

@testable import RunLedger

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

struct SHA256Tests {
    @Test func matchesTheStandardTestVectors() {
        #expect(SHA256.hex("".utf8) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc".utf8) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hex(Array(repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

struct RunIDTests {
    @Test func generatesVersion7UUIDsThatSortByTime() {
        let early = RunID.uuidV7(at: Timestamp(rawValue: 1_700_000_000_000_000))
        let late = RunID.uuidV7(at: Timestamp(rawValue: 1_700_000_000_001_000))
        #expect(early.count == 36)
        #expect(early < late)
        let characters = Array(early)
        #expect(characters[14] == "7")
        #expect("89ab".contains(characters[19]))
        #expect(RunID.uuidV7() != RunID.uuidV7())
    }
}
