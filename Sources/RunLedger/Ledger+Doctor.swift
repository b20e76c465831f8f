#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One thing ``Ledger/doctor(_:now:)`` looked at, and what it found there.
public struct DoctorFinding: Sendable, Hashable, CustomStringConvertible {
    /// How much a finding matters.
    public enum Severity: String, Sendable, CaseIterable, Comparable {
        /// Nothing wrong.
        case ok
        /// Worth attention, but nothing is at risk yet (a large WAL or freelist, old seals).
        case warning
        /// Something is wrong or unsafe (a network file system, rules broken).
        case problem

        /// `ok` < `warning` < `problem`.
        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
        }
    }

    /// What was checked: `file_system`, `wal`, `freelist`, `seals` or `verify`.
    public var check: String
    /// How much it matters.
    public var severity: Severity
    /// One sentence saying what was found.
    public var detail: String

    /// "severity: check: detail".
    public var description: String { "\(severity.rawValue): \(check): \(detail)" }
}

/// The limits ``Ledger/doctor(_:now:)`` judges a ledger by.
public struct DoctorPolicy: Sendable, Hashable {
    /// A -wal file larger than this is reported (64 MiB by default; SQLite's automatic
    /// checkpoint keeps it near 4 MiB while no reader holds an old snapshot).
    public var walLimit: Int64
    /// Free pages are reported when they are more than this share of the file (0.25 by
    /// default) and more than ``freelistMinimum`` bytes.
    public var freelistShare: Double
    /// The fewest free bytes worth reporting (16 MiB by default).
    public var freelistMinimum: Int64
    /// The newest seal is reported when it is older than this (7 days by default).
    public var sealMaxAge: Duration
    /// Whether to run ``Ledger/verify(limit:)`` (which reads the whole ledger); true by default.
    public var verifies: Bool

    /// Makes a policy; every argument has a default.
    public init(
        walLimit: Int64 = 64 << 20, freelistShare: Double = 0.25, freelistMinimum: Int64 = 16 << 20,
        sealMaxAge: Duration = .seconds(7 * 86_400), verifies: Bool = true
    ) {
        self.walLimit = walLimit
        self.freelistShare = freelistShare
        self.freelistMinimum = freelistMinimum
        self.sealMaxAge = sealMaxAge
        self.verifies = verifies
    }
}

extension Ledger {
    /// Checks the ledger's surroundings: what could lose or corrupt it that its rules
    /// cannot see. One finding per check, each one sentence:
    /// - `file_system`: a network or FUSE file system (``FileSystemKind``), where SQLite's
    ///   locking is unsafe, is a problem; tmpfs, which a reboot empties, a warning.
    /// - `wal`: a -wal file above ``DoctorPolicy/walLimit``: checkpoints are not keeping up,
    ///   usually because a reader holds an old snapshot.
    /// - `freelist`: free pages above ``DoctorPolicy/freelistShare`` of the file (space that
    ///   pruning freed and only a VACUUM gives back).
    /// - `seals`: the newest seal older than ``DoctorPolicy/sealMaxAge``, when the ledger has
    ///   a `seals` table.
    /// - `verify`: ``verify(limit:)``'s result now (nothing records an earlier one; a table
    ///   for it would be one more migration, a file beside the ledger one more thing to lose).
    ///
    /// A PostgreSQL ledger gets only `verify`: the server looks after its own files.
    ///
    /// ```swift
    /// for finding in try Ledger(path: "runs.db", configuration: .init(mode: .readOnly)).doctor()
    /// where finding.severity != .ok {
    ///     print(finding)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - policy: The limits to judge by.
    ///   - now: The time seals are judged at.
    /// - Returns: The findings, in the order above.
    /// - Throws: ``SQLiteError`` (`PostgresError` on PostgreSQL) when the ledger cannot be read.
    public func doctor(_ policy: DoctorPolicy = DoctorPolicy(), now: Timestamp = .now) throws -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        if engine == .sqlite {
            findings.append(fileSystemFinding())
            findings.append(walFinding(policy))
            let connection = try Connection(path: path, mode: .readOnly)
            findings.append(try freelistFinding(connection, policy))
            if let seals = try sealFinding(connection, policy, now: now) { findings.append(seals) }
        }
        if policy.verifies {
            let report = try verify(limit: 1)
            findings.append(
                report.isClean
                    ? DoctorFinding(
                        check: "verify", severity: .ok,
                        detail: "verify is clean: \(report.runs) runs and \(report.changes) changes follow every rule.")
                    : DoctorFinding(
                        check: "verify", severity: .problem,
                        detail:
                            "verify finds the ledger breaking its rules (first: \(report.problems.first?.description ?? "?")); runledger verify lists every problem."
                    ))
        } else {
            findings.append(
                DoctorFinding(
                    check: "verify", severity: .ok, detail: "verify was not run (it reads the whole ledger)."))
        }
        return findings
    }

    private func fileSystemFinding() -> DoctorFinding {
        guard let kind = FileSystemKind.of(path: path) else {
            return DoctorFinding(
                check: "file_system", severity: .warning, detail: "The file system of \(path) cannot be read (statfs).")
        }
        if kind.isNetworkOrFUSE {
            return DoctorFinding(
                check: "file_system", severity: .problem,
                detail:
                    "The ledger is on a \(kind.name) file system, where SQLite's locking is unsafe: move it to a local disk (writing is refused there unless forced)."
            )
        }
        if kind.isVolatile {
            return DoctorFinding(
                check: "file_system", severity: .warning,
                detail: "The ledger is on \(kind.name), which lives in memory: a reboot loses it.")
        }
        return DoctorFinding(
            check: "file_system", severity: .ok, detail: "The ledger is on a local \(kind.name) file system.")
    }

    private func walFinding(_ policy: DoctorPolicy) -> DoctorFinding {
        var status = stat()
        let size: Int64 = stat(path + "-wal", &status) == 0 ? Int64(status.st_size) : 0
        guard size > policy.walLimit else {
            return DoctorFinding(
                check: "wal", severity: .ok,
                detail: "The WAL holds \(Self.mebibytes(size)) (limit \(Self.mebibytes(policy.walLimit))).")
        }
        return DoctorFinding(
            check: "wal", severity: .warning,
            detail:
                "The WAL has grown to \(Self.mebibytes(size)) (limit \(Self.mebibytes(policy.walLimit))): checkpoints are not keeping up, usually because a reader holds an old snapshot open."
        )
    }

    private func freelistFinding(_ connection: Connection, _ policy: DoctorPolicy) throws -> DoctorFinding {
        let counts = try connection.pageCounts()
        let free = counts.free * counts.pageSize
        let share = counts.pages == 0 ? 0 : Double(counts.free) / Double(counts.pages)
        let percent = Int((share * 100).rounded())
        guard share > policy.freelistShare, free > policy.freelistMinimum else {
            return DoctorFinding(
                check: "freelist", severity: .ok,
                detail: "Free pages take \(Self.mebibytes(free)) (\(percent)% of the file).")
        }
        return DoctorFinding(
            check: "freelist", severity: .warning,
            detail:
                "Free pages take \(Self.mebibytes(free)) (\(percent)% of the file): space pruned runs left, which only a VACUUM gives back to the disk."
        )
    }

    /// The hook for seals: judged only when the ledger has a `seals` table.
    private func sealFinding(_ connection: Connection, _ policy: DoctorPolicy, now: Timestamp) throws
        -> DoctorFinding?
    {
        switch try connection.newestSeal() {
        case .noTable:
            return nil
        case .none:
            return DoctorFinding(
                check: "seals", severity: .warning, detail: "The ledger has no seal yet: runledger seal makes one.")
        case .at(let time):
            let age = Double(now.rawValue - time.rawValue) / 1_000_000
            let limit = Double(policy.sealMaxAge.milliseconds) / 1000
            let days = (age / 86_400 * 10).rounded() / 10
            guard age > limit else {
                return DoctorFinding(
                    check: "seals", severity: .ok,
                    detail: "The newest seal was made \(days) days ago, at \(time.iso8601).")
            }
            return DoctorFinding(
                check: "seals", severity: .warning,
                detail:
                    "The newest seal is \(days) days old (\(time.iso8601)), older than the policy's \((limit / 86_400 * 10).rounded() / 10) days: run runledger seal."
            )
        }
    }

    /// Bytes as "12.3 MiB".
    private static func mebibytes(_ bytes: Int64) -> String {
        let value = Double(bytes) / 1_048_576
        return value < 0.1 && bytes > 0 ? "\(bytes) bytes" : "\((value * 10).rounded() / 10) MiB"
    }
}
