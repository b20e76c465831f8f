/// Checks of caller input, made before anything is written, so that a bad argument gets an
/// error that names it rather than an SQLite constraint message.
enum Validate {
    /// Longest name (run id, job, lifecycle, state, action), in characters.
    static let nameLimit = 200
    /// Longest actor, in characters.
    static let actorLimit = 200
    /// Longest reason, in characters.
    static let reasonLimit = 10_000
    /// Largest metadata, in UTF-8 bytes.
    static let metadataLimit = 1_000_000

    /// A name: 1 to 200 characters, no control characters (they hide in terminals and logs).
    static func name(_ value: String, as field: String) throws {
        let bytes = value.utf8
        guard !bytes.isEmpty else { throw LedgerError.invalidArgument(name: field, reason: "it is empty") }
        // Characters never outnumber UTF-8 bytes: count graphemes (slow) only for long text.
        guard bytes.count <= nameLimit || value.count <= nameLimit else {
            throw LedgerError.invalidArgument(name: field, reason: "it is longer than \(nameLimit) characters")
        }
        // Control characters are single bytes below 0x20, or 0x7F; no byte of a multi-byte
        // UTF-8 sequence is in that range.
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw LedgerError.invalidArgument(name: field, reason: "it contains a control character")
        }
    }

    /// Free text (actor, reason): no NUL byte, at most `limit` characters.
    static func text(_ value: String?, as field: String, limit: Int) throws {
        guard let value else { return }
        guard value.utf8.count <= limit || value.count <= limit else {
            throw LedgerError.invalidArgument(name: field, reason: "it is longer than \(limit) characters")
        }
        if value.utf8.contains(0) { throw LedgerError.invalidArgument(name: field, reason: "it contains a NUL byte") }
    }

    /// JSON metadata: at most 1 MB here; the database's CHECK (json_valid) judges the syntax.
    static func metadata(_ value: String?) throws {
        guard let value else { return }
        guard value.utf8.count <= metadataLimit else {
            throw LedgerError.invalidArgument(name: "metadata", reason: "it is larger than \(metadataLimit) bytes")
        }
        if value.utf8.contains(0) {
            throw LedgerError.invalidArgument(name: "metadata", reason: "it contains a NUL byte")
        }
    }

    /// A time: not before 1970 (the ledger stores unsigned epoch times).
    static func time(_ value: Timestamp) throws {
        guard value.rawValue >= 0 else {
            throw LedgerError.invalidArgument(name: "time", reason: "\(value.iso8601) is before 1970")
        }
    }
}
