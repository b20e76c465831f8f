import Testing

@testable import RunLedger

/// Generated run ids: version 7 UUIDs that sort by time.
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
