import Testing

@testable import RunLedger

/// The library's own SHA-256 (migration checksums, the ids of OpenLineage import and export)
/// and HMAC-SHA256 on top of it (`runledger notify`'s webhook signatures), against the standard
/// test vectors.
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

    /// RFC 4231, section 4: test cases 1 (a 20-byte key), 2 (a key shorter than the output)
    /// and 6 (a 131-byte key, longer than the block: hashed first).
    @Test func hmacMatchesRFC4231() {
        #expect(
            HMACSHA256.hex(key: [UInt8](repeating: 0x0b, count: 20), message: "Hi There".utf8)
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            HMACSHA256.hex(key: "Jefe".utf8, message: "what do ya want for nothing?".utf8)
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(
            HMACSHA256.hex(
                key: [UInt8](repeating: 0xaa, count: 131),
                message: "Test Using Larger Than Block-Size Key - Hash Key First".utf8)
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    /// The edges RFC 4231 leaves out, against Python's hmac: a key of exactly one block (used
    /// as it is, not hashed) and an empty key and message.
    @Test func hmacAtTheBlockSizeAndEmpty() {
        #expect(
            HMACSHA256.hex(key: [UInt8](repeating: UInt8(ascii: "k"), count: 64), message: "exactly one block".utf8)
                == "521b48c3c879586f93e372c93d693664ea7a718f14e1a7eae1730b9ea2928b3b")
        #expect(
            HMACSHA256.hex(key: [UInt8](), message: [UInt8]())
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func theDigestAsBytesIsTheHexDigest() {
        var hasher = SHA256.Hasher()
        hasher.update("abc".utf8)
        let bytes = hasher.finalize()
        #expect(bytes.count == 32)
        let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(hex == SHA256.hex("abc".utf8))
    }
}
