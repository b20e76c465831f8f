import RunLedger

/// Retention on the command line: `--older-than FAILED=90d,COMPLETED=7d,*=30d` (or a bare
/// age for every terminal type) and `--keep-last N`, shared by `prune` and `retention`.
///
/// Keys are terminal canonical types (any case); `*` (or `all`) is the age of the types not
/// named. Like a bad time, a bad age or type is rejected data (exit 65).
enum RetentionArgument {
    static let help =
        "Ages by canonical type of the run's end: FAILED=90d,COMPLETED=7d; * (or all) for the other types; "
        + "or one age for every type."

    /// The policy that `olderThan` and `keepLast` describe, or a data error naming the option.
    static func policy(olderThan: String?, keepLast: Int?) throws -> RetentionPolicy {
        var policy = RetentionPolicy(keepLast: keepLast)
        guard let olderThan else { return policy }
        let entries = olderThan.split(separator: ",", omittingEmptySubsequences: false)
        for entry in entries {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 || entries.count == 1 else {
                throw CLIError.data("--older-than '\(entry)' is not TYPE=AGE, such as FAILED=90d.")
            }
            let age = try seconds(String(parts.last ?? ""))
            guard parts.count == 2 else {
                policy.otherwise = age
                continue
            }
            let key = parts[0].trimmingWhitespace.uppercased()
            if key == "*" || key == "ALL" {
                guard policy.otherwise == nil else { throw CLIError.data("--older-than names * twice.") }
                policy.otherwise = age
                continue
            }
            guard let type = CanonicalType(rawValue: key), type.isTerminal else {
                let terminal = CanonicalType.allCases.filter(\.isTerminal).map(\.rawValue).joined(separator: ", ")
                throw CLIError.data("--older-than '\(parts[0])' is not a terminal canonical type (\(terminal) or *).")
            }
            guard policy.maxAge[type] == nil else { throw CLIError.data("--older-than names \(key) twice.") }
            policy.maxAge[type] = age
        }
        return policy
    }

    /// Whole seconds of an age such as `90d`.
    private static func seconds(_ text: String) throws -> Int {
        let value = try TimeArgument.duration(text.trimmingWhitespace, option: "--older-than")
        return Int(value.rounded())
    }

    /// A policy's ages as `--older-than` takes them: `COMPLETED=7d,FAILED=90d,*=30d`.
    static func describe(_ policy: RetentionPolicy) -> String {
        var parts = policy.maxAge.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\(age($0.value))" }
        if let otherwise = policy.otherwise { parts.append("*=\(age(otherwise))") }
        return parts.joined(separator: ",")
    }

    /// An age in the largest unit that divides it: `90d`, `36h`, `90s`.
    static func age(_ seconds: Int) -> String {
        for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)]
        where seconds > 0 && seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }
}

extension Substring {
    fileprivate var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

extension String {
    fileprivate var trimmingWhitespace: String { self[...].trimmingWhitespace }
}
