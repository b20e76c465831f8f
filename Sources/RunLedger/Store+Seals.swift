/// The SQL of the seals (`Ledger.seal`, `Ledger.verify(seals:limit:)`, and the seals a
/// prune makes): the history rows read in `seq` order, hashed as ``Seal/encode(_:)`` says,
/// and the `seals` table.
extension Store {
    /// Seals the history rows after the latest seal up to the newest one every writer has
    /// committed (SQLite: the newest; PostgreSQL: `history_high_water()`), and stores the seal.
    func seal(actor: String?) throws -> Seal {
        try lockSeals()
        let latest = try latestSeal()
        let through = try committedHighWater()
        let from = latest?.seq ?? 0
        let chain = try chain(after: from, through: max(through, from), previous: latest?.sha256 ?? Seal.genesis)
        return try insertSeal(
            kind: .seal, from: from, through: max(through, from), chain: chain, after: latest, actor: actor)
    }

    /// Before a prune removes rows: checks that the history still matches its seals (a prune
    /// would otherwise take the evidence of a rewrite with it), then seals up to the newest
    /// row, so that what the prune archives and removes is sealed. Returns that seal.
    func sealBeforePrune(actor: String?) throws -> Seal {
        try lockSeals()
        var checker = SealChecker(store: self, saved: [], limit: 1)
        let report = try checker.run()
        if let problem = report.problems.first {
            throw LedgerError.sealsBroken(seq: problem.seq ?? 0, reason: problem.detail)
        }
        return try seal(actor: actor)
    }

    /// After a prune removed rows: a prune's seal over every row still present up to the
    /// seal made before the prune, with that seal folded in. The chain goes on from it.
    func sealAfterPrune(_ before: Seal, actor: String?) throws {
        let chain = try chain(after: 0, through: before.seq, previous: before.sha256)
        _ = try insertSeal(kind: .prune, from: 0, through: before.seq, chain: chain, after: before, actor: actor)
    }

    /// Every seal, in order, with its row digests (`seq` to the first 8 hex digits).
    func seals() throws -> [(seal: Seal, digests: String)] {
        try connection.prepare(
            "SELECT id, kind, from_seq, seq, rows, previous, sha256, at, actor, digests FROM seals ORDER BY id"
        ).fetchAll { row in
            (
                Seal(
                    id: row.int64(at: 0), kind: Seal.Kind(rawValue: row.string(at: 1)) ?? .seal,
                    fromSeq: row.int64(at: 2), seq: row.int64(at: 3), rows: row.int64(at: 4),
                    previous: row.string(at: 5), sha256: row.string(at: 6), at: Timestamp(rawValue: row.int64(at: 7)),
                    actor: row.optionalString(at: 8)),
                row.string(at: 9)
            )
        }
    }

    /// Checks the history against its seals, and the seals against `saved` lines.
    func verifySeals(saved: [Seal.Line], limit: Int) throws -> SealReport {
        var checker = SealChecker(store: self, saved: saved, limit: limit)
        return try checker.run()
    }

    /// The newest history row, and how many rows are newer than `seq`.
    func historyEnd(after seq: Int64) throws -> (newest: Int64, newer: Int) {
        try connection.prepare(
            "SELECT coalesce(max(seq), 0), count(CASE WHEN seq > ? THEN 1 END) FROM state_changes"
        ).fetchOne(seq) { (newest: $0.int64(at: 0), newer: Int($0.int64(at: 1))) } ?? (0, 0)
    }

    // MARK: - The chain

    /// What hashing a range of the history gave.
    struct Chain {
        var sha256: String
        var rows: Int64
        /// Each row's `seq` and digest, in order.
        var digests: [(seq: Int64, digest: String)]
    }

    /// The rows of a range, as ``Seal/encode(_:)`` reads them, a page at a time.
    static let sealRowsSQL = """
        SELECT s.seq, r.id, s.from_state, s.to_state, s.at, s.action, s.actor, s.reason, s.meta, s.outcome,
               s.request_key
        FROM state_changes AS s LEFT JOIN runs AS r ON r.num = s.run_num
        WHERE s.seq > ? AND s.seq <= ? ORDER BY s.seq LIMIT 5000
        """

    /// The chain value over the rows with `from < seq <= through`, starting from `previous`.
    func chain(after from: Int64, through: Int64, previous: String) throws -> Chain {
        var hasher = SHA256.Hasher()
        hasher.update(previous.utf8)
        var result = Chain(sha256: "", rows: 0, digests: [])
        var last = from
        let page = try connection.cached(Self.sealRowsSQL)
        while last < through {
            var count = 0
            try page.forEachRow(arguments: [.integer(last), .integer(through)]) { row in
                let columns = (0..<Int32(11)).map { row.optionalString(at: $0) }
                let digest = SHA256.hex(Seal.encode(columns))
                hasher.update(digest.utf8)
                last = row.int64(at: 0)
                result.digests.append((last, digest))
                count += 1
            }
            result.rows += Int64(count)
            if count < 5000 { break }
        }
        result.sha256 = hasher.finalizeHex()
        return result
    }

    // MARK: - Storing

    /// Two sessions sealing at once seal one after the other (PostgreSQL: the 'seals'
    /// advisory lock, as seals_before_insert takes it; SQLite's write lock is already held).
    private func lockSeals() throws {
        guard connection.engine != .sqlite else { return }
        try connection.cached("SELECT pg_advisory_xact_lock(runledger_lock_key('seals', NULL))").run()
    }

    private func latestSeal() throws -> Seal? {
        try connection.cached(
            "SELECT id, kind, from_seq, seq, rows, previous, sha256, at, actor FROM seals ORDER BY id DESC LIMIT 1"
        ).fetchOne { row in
            Seal(
                id: row.int64(at: 0), kind: Seal.Kind(rawValue: row.string(at: 1)) ?? .seal, fromSeq: row.int64(at: 2),
                seq: row.int64(at: 3), rows: row.int64(at: 4), previous: row.string(at: 5),
                sha256: row.string(at: 6), at: Timestamp(rawValue: row.int64(at: 7)), actor: row.optionalString(at: 8))
        }
    }

    private func insertSeal(
        kind: Seal.Kind, from: Int64, through: Int64, chain: Chain, after latest: Seal?, actor: String?
    )
        throws -> Seal
    {
        let seal = Seal(
            id: (latest?.id ?? 0) + 1, kind: kind, fromSeq: from, seq: through, rows: chain.rows,
            previous: latest?.sha256 ?? Seal.genesis, sha256: chain.sha256, at: .now, actor: actor)
        let digests =
            kind == .prune ? "" : chain.digests.map { "\($0.seq)=\($0.digest.prefix(8))" }.joined(separator: ",")
        try connection.prepare(
            """
            INSERT INTO seals (id, kind, from_seq, seq, rows, previous, sha256, digests, at, actor)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).execute(
            seal.id, kind.rawValue, from, through, seal.rows, seal.previous, seal.sha256, digests, seal.at.rawValue,
            actor)
        return seal
    }
}

/// The checks of `verify --seals`: the chain's links, each seal's value recomputed from the
/// rows (from the latest prune's seal on), and the lines saved off the box.
private struct SealChecker {
    let store: Store
    let saved: [Seal.Line]
    let limit: Int
    var problems: [LedgerProblem] = []

    init(store: Store, saved: [Seal.Line], limit: Int) {
        self.store = store
        self.saved = saved
        self.limit = max(1, limit)
    }

    private mutating func report(seq: Int64, _ detail: String) {
        guard problems.count < limit else { return }
        problems.append(LedgerProblem(check: "seal", seq: seq, detail: detail))
    }

    mutating func run() throws -> SealReport {
        let stored = try store.seals()
        checkLinks(stored.map(\.seal))
        // The rows of the seals before the latest prune's seal are no longer all there: the
        // chain is recomputed from it on (its value folds in the seal before it).
        let base = stored.lastIndex(where: { $0.seal.fromSeq == 0 }) ?? 0
        var located: [Int64: Substring] = [:]
        for (_, digests) in stored where !digests.isEmpty {
            for entry in digests.split(separator: ",") {
                guard let equals = entry.firstIndex(of: "="), let seq = Int64(entry[..<equals]) else { continue }
                located[seq] = entry[entry.index(after: equals)...]
            }
        }
        var rows = 0
        for (seal, digests) in stored[base...] {
            let chain = try store.chain(after: seal.fromSeq, through: seal.seq, previous: seal.previous)
            rows += Int(chain.rows)
            guard chain.sha256 != seal.sha256 || chain.rows != seal.rows else { continue }
            let (seq, what) = firstDifference(chain, seal: seal, digests: digests, located: located)
            report(
                seq: seq, "\(what), and no longer matches seal \(seal.id) (seqs \(seal.fromSeq + 1) to \(seal.seq)).")
        }
        checkSaved(stored.map(\.seal))
        let sealedThrough = stored.last?.seal.seq ?? 0
        let end = try store.historyEnd(after: sealedThrough)
        return SealReport(
            seals: stored.count, recomputed: stored.isEmpty ? 0 : stored.count - base, rows: rows,
            sealedThrough: sealedThrough, unsealed: end.newer, saved: saved.count, problems: problems)
    }

    /// Each seal folds in the one before and covers what follows it.
    private mutating func checkLinks(_ seals: [Seal]) {
        var before: Seal?
        for seal in seals {
            let expected = (
                id: (before?.id ?? 0) + 1, previous: before?.sha256 ?? Seal.genesis,
                from: seal.kind == .prune ? 0 : before?.seq ?? 0
            )
            if seal.id != expected.id || seal.previous != expected.previous || seal.fromSeq != expected.from
                || seal.seq < (before?.seq ?? 0)
            {
                report(
                    seq: seal.fromSeq + 1,
                    "Seal \(seal.id) does not continue the chain of the seal before it (its number, previous value or range)."
                )
            }
            before = seal
        }
    }

    /// The first row of a seal's range that differs from what was sealed: a row changed,
    /// removed or added, by its seq, from the row digests the seals kept.
    private func firstDifference(_ chain: Store.Chain, seal: Seal, digests: String, located: [Int64: Substring])
        -> (Int64, String)
    {
        var sealed: [(seq: Int64, digest: Substring)] = []
        if !digests.isEmpty {
            for entry in digests.split(separator: ",") {
                guard let equals = entry.firstIndex(of: "="), let seq = Int64(entry[..<equals]) else { continue }
                sealed.append((seq, entry[entry.index(after: equals)...]))
            }
        }
        if seal.kind == .seal {
            var index = 0
            for (seq, digest) in chain.digests {
                if index < sealed.count, sealed[index].seq < seq {
                    return (sealed[index].seq, "History row \(sealed[index].seq) was removed")
                }
                guard index < sealed.count, sealed[index].seq == seq else {
                    return (seq, "History row \(seq) was added")
                }
                if !digest.hasPrefix(sealed[index].digest) { return (seq, "History row \(seq) was changed") }
                index += 1
            }
            if index < sealed.count { return (sealed[index].seq, "History row \(sealed[index].seq) was removed") }
        } else {
            for (seq, digest) in chain.digests {
                guard let known = located[seq] else { return (seq, "History row \(seq) was added") }
                if !digest.hasPrefix(known) { return (seq, "History row \(seq) was changed") }
            }
        }
        return (seal.fromSeq + 1, "A history row after seq \(seal.fromSeq) was removed or changed")
    }

    /// Each line saved off the box names a stored seal with the same value and range.
    private mutating func checkSaved(_ seals: [Seal]) {
        let byID = Dictionary(seals.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let savedByID = Dictionary(saved.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for line in saved.sorted(by: { $0.id < $1.id }) {
            // The first seq the saved seal covered: after the seal before it (stored, or saved).
            let from = (byID[line.id - 1]?.seq ?? savedByID[line.id - 1]?.seq ?? 0) + 1
            guard let seal = byID[line.id] else {
                report(
                    seq: from,
                    "Seal \(line.id), saved off the box, sealed rows up to seq \(line.seq), but the ledger no longer has it: rows were removed from the end, or the seals rewritten."
                )
                continue
            }
            if seal.sha256 != line.sha256 || seal.seq != line.seq || seal.rows != line.rows {
                report(
                    seq: seal.fromSeq + 1,
                    "Seal \(line.id) differs from the line saved off the box: the seals table was rewritten.")
            }
        }
    }
}
