import Testing

@testable import RunLedger

/// The library's own SHA-256 (migration checksums, the ids of OpenLineage import and export),
/// against the standard test vectors.
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

    @Test func hashingPieceByPieceGivesTheDigestOfTheWhole() {
        let message = Array((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        for cut in [0, 1, 55, 56, 63, 64, 65, 127, 128, 999, 1000] {
            var hasher = SHA256.Hasher()
            hasher.update(message[..<cut])
            hasher.update(message[cut...])
            #expect(hasher.finalizeHex() == SHA256.hex(message), "cut at \(cut)")
        }
        var many = SHA256.Hasher()
        for _ in 0..<1000 { many.update("a".utf8) }
        #expect(many.finalizeHex() == SHA256.hex(Array(repeating: UInt8(ascii: "a"), count: 1000)))
    }
}
