/// Generated run ids.
enum RunID {
    /// A new UUIDv7 (RFC 9562): 48 bits of Unix time in milliseconds, then random bits, so
    /// that ids sort by creation time and index well. Lowercase, 36 characters.
    static func uuidV7(at time: Timestamp = .now) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        let milliseconds = UInt64(max(0, time.rawValue / 1000))
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> UInt64(40 - 8 * index)) }
        let random = (generator.next() as UInt64, generator.next() as UInt64)
        for index in 6..<16 {
            let source = index < 8 ? random.0 : random.1
            bytes[index] = UInt8(truncatingIfNeeded: source >> UInt64(8 * (index % 8)))
        }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // variant 10
        let hex = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append("-") }
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return text
    }
}
