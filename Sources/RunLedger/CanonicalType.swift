/// The fixed set of types that every state of every lifecycle maps to, so that stats compare
/// across lifecycles.
///
/// The `canonical` lifecycle has exactly these states. The ledger keeps them in its
/// `canonical_types` table.
public enum CanonicalType: String, CaseIterable, Codable, Sendable, Comparable {
    /// Waiting for a time: a scheduled start, a retry delay.
    case scheduled = "SCHEDULED"
    /// Submitted and active, but not yet running user code: queued, blocked, preparing.
    case pending = "PENDING"
    /// Executing.
    case running = "RUNNING"
    /// Finished successfully.
    case completed = "COMPLETED"
    /// Finished unsuccessfully because of the run's own code or data.
    case failed = "FAILED"
    /// Stopped on purpose, by a user or a policy.
    case cancelled = "CANCELLED"
    /// Ended by a failure outside the run: infrastructure, platform, lost heartbeat.
    case crashed = "CRASHED"
    /// Never executed: a concurrency limit, an unmet condition, an upstream failure.
    case skipped = "SKIPPED"

    /// Whether a state of this type ends a run.
    public var isTerminal: Bool {
        switch self {
        case .scheduled, .pending, .running: false
        case .completed, .failed, .cancelled, .crashed, .skipped: true
        }
    }

    /// Orders the types as the ledger lists them: SCHEDULED first, SKIPPED last.
    public static func < (lhs: CanonicalType, rhs: CanonicalType) -> Bool {
        let all = Self.allCases
        return all.firstIndex(of: lhs) ?? 0 < all.firstIndex(of: rhs) ?? 0
    }
}
