/// A seal over the history: a SHA-256 chain value over the history rows up to a `seq`, with
/// the previous seal folded in, as ``Ledger/seal(actor:)`` stores it in the `seals` table.
///
/// The chain value of a seal is the SHA-256, as 64 lowercase hex digits, of the previous
/// seal's value (64 zeros for the first seal) followed by each covered row's digest, in
/// `seq` order: all as ASCII hex text. A row's digest is the SHA-256 of its canonical
/// encoding: its 11 `state_history` columns in order (`seq`, `run_id`, `from_state`,
/// `to_state`, `at`, `action`, `actor`, `reason`, `meta`, `outcome`, `request_key`), each `-`
/// when NULL, else its byte length in decimal, `:` and its UTF-8 bytes. README ("Sealed
/// history") shows how to recompute it with other tools.
public struct Seal: Sendable, Hashable {
    /// What a seal covers.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        /// The rows after the previous seal's `seq`, up to its own.
        case seal
        /// Every row still present up to its `seq`, written by a prune after it removed runs:
        /// the chain goes on from here, since the seals before cover rows that are gone.
        case prune
    }

    /// Its number: 1, 2, 3... in the order sealed.
    public var id: Int64
    /// What it covers.
    public var kind: Kind
    /// The rows covered have `fromSeq < seq <= seq`.
    public var fromSeq: Int64
    /// The newest history row it covers.
    public var seq: Int64
    /// How many rows it covers.
    public var rows: Int64
    /// The previous seal's ``sha256`` (64 zeros for the first).
    public var previous: String
    /// The chain value, 64 lowercase hex digits.
    public var sha256: String
    /// When it was made.
    public var at: Timestamp
    /// Who made it.
    public var actor: String?

    /// The previous value of the first seal.
    public static let genesis = String(repeating: "0", count: 64)

    /// Makes a seal.
    public init(
        id: Int64, kind: Kind, fromSeq: Int64, seq: Int64, rows: Int64, previous: String, sha256: String,
        at: Timestamp, actor: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.fromSeq = fromSeq
        self.seq = seq
        self.rows = rows
        self.previous = previous
        self.sha256 = sha256
        self.at = at
        self.actor = actor
    }

    /// The seal as one line to keep off the box (appended to a file in git, a log, a
    /// ticket), which ``Ledger/verify(seals:limit:)`` compares with the stored seal:
    /// `runledger-seal v1 id=3 seq=1200 rows=400 sha256=<64 hex> at=2026-12-02T20:00:00.000000Z`.
    public var line: String {
        "runledger-seal v1 id=\(id) seq=\(seq) rows=\(rows) sha256=\(sha256) at=\(at.iso8601)"
            + (kind == .prune ? " kind=prune" : "")
    }

    /// A seal saved off the box, read back from its ``line``.
    public struct Line: Sendable, Hashable {
        /// The seal's number.
        public var id: Int64
        /// The newest history row it covered.
        public var seq: Int64
        /// How many rows it covered.
        public var rows: Int64
        /// Its chain value.
        public var sha256: String

        /// Reads a line as ``Seal/line`` prints it (text around it, as a log adds, is
        /// ignored); nil when it holds no seal.
        public init?(_ text: some StringProtocol) {
            let words = String(text).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let start = words.firstIndex(of: "runledger-seal"), words.index(after: start) < words.endIndex,
                words[words.index(after: start)] == "v1"
            else { return nil }
            var fields: [Substring: Substring] = [:]
            for word in words[start...] {
                guard let equals = word.firstIndex(of: "=") else { continue }
                fields[word[..<equals]] = word[word.index(after: equals)...]
            }
            guard let id = fields["id"].flatMap({ Int64($0) }), let seq = fields["seq"].flatMap({ Int64($0) }),
                let rows = fields["rows"].flatMap({ Int64($0) }), let sha256 = fields["sha256"], sha256.count == 64,
                sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase })
            else { return nil }
            self.init(id: id, seq: seq, rows: rows, sha256: String(sha256))
        }

        /// Makes a line's fields.
        public init(id: Int64, seq: Int64, rows: Int64, sha256: String) {
            self.id = id
            self.seq = seq
            self.rows = rows
            self.sha256 = sha256
        }
    }

    /// The canonical encoding of one history row, whose SHA-256 is the row's digest: its 11
    /// columns as `state_history` names them, in this order: `seq`, `run_id`, `from_state`,
    /// `to_state`, `at`, `action`, `actor`, `reason`, `meta`, `outcome`, `request_key`. Each
    /// is `-` when NULL, else its byte length in decimal, `:`, and its UTF-8 bytes (integers
    /// in decimal), with nothing between columns. The empty text is `0:`, distinct from NULL.
    ///
    /// - Parameter columns: The 11 values, as text (nil for NULL).
    /// - Returns: The encoding's bytes.
    package static func encode(_ columns: [String?]) -> [UInt8] {
        var bytes: [UInt8] = []
        for column in columns {
            guard let column else {
                bytes.append(UInt8(ascii: "-"))
                continue
            }
            bytes.append(contentsOf: String(column.utf8.count).utf8)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: column.utf8)
        }
        return bytes
    }
}

/// What ``Ledger/verify(seals:limit:)`` checked and found.
public struct SealReport: Sendable, Hashable {
    /// The seals stored.
    public var seals: Int
    /// The seals whose chain value was recomputed from the rows (those from the latest
    /// prune's seal on; the rows of the ones before were pruned).
    public var recomputed: Int
    /// The history rows hashed.
    public var rows: Int
    /// The newest `seq` sealed (0 when nothing is).
    public var sealedThrough: Int64
    /// History rows newer than the latest seal, not sealed yet.
    public var unsealed: Int
    /// The lines saved off the box that were compared.
    public var saved: Int
    /// What is wrong, check `seal`, each naming the first `seq` it concerns.
    public var problems: [LedgerProblem]

    /// The first history row that no longer matches its seal, if any.
    public var firstBadSeq: Int64? { problems.compactMap(\.seq).min() }

    /// Whether the history matches every seal, and the seals every saved line.
    public var isClean: Bool { problems.isEmpty }
}
