/// HMAC-SHA256 (RFC 2104 over FIPS 180-4 SHA-256): the signature `runledger notify` sends with
/// each webhook, `X-RunLedger-Signature: sha256=<hex>`, keyed with the shared secret and taken
/// over the request's body.
///
/// A receiver written in Swift checks a delivery by recomputing it over the body it read and
/// comparing the two strings:
///
/// ```swift
/// let expected = "sha256=" + HMACSHA256.hex(key: Array(secret.utf8), message: body)
/// guard request.headers["X-RunLedger-Signature"] == expected else { return .unauthorized }
/// ```
///
/// Small and dependency-free, on the library's own SHA-256: not hardened against timing
/// attacks (on a receiver, prefer a constant-time comparison where one is at hand, such as
/// Python's `hmac.compare_digest`).
public enum HMACSHA256 {
    /// SHA-256's block size in bytes: a longer key is hashed first, a shorter one padded with zeros.
    private static let blockSize = 64

    /// The HMAC-SHA256 of `message` under `key`, as 64 lowercase hex digits.
    ///
    /// - Parameters:
    ///   - key: The secret, any length (RFC 2104: one longer than 64 bytes is hashed first).
    ///   - message: The bytes to authenticate (a webhook's body).
    /// - Returns: The code, as 64 lowercase hex digits (what follows `sha256=` in the header).
    public static func hex<Key: Collection, Message: Collection>(key: Key, message: Message) -> String
    where Key.Element == UInt8, Message.Element == UInt8 {
        var block = [UInt8](key)
        if block.count > blockSize {
            var hasher = SHA256.Hasher()
            hasher.update(block)
            block = hasher.finalize()
        }
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        var inner = SHA256.Hasher()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = SHA256.Hasher()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(inner.finalize())
        return outer.finalizeHex()
    }
}
