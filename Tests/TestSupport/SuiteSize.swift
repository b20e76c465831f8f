import Foundation

/// How big a reliability suite runs: CI's size by default, larger when Scripts/reliability.sh
/// sets the suite's variable.
public enum SuiteSize {
    /// The integer in the environment variable `name`, else `fallback`.
    public static func value(_ name: String, default fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
    }
}
