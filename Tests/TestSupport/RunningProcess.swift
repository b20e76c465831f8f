import Foundation

/// What a process printed and how it ended.
public struct ProcessResult: Sendable, CustomStringConvertible {
    /// The exit status, or the number of the signal that ended the process.
    public let status: Int32
    /// Everything the process wrote to stdout.
    public let stdout: String
    /// Everything the process wrote to stderr.
    public let stderr: String
    /// Whether a signal ended the process (then `status` is the signal's number).
    public var signaled = false

    /// A result as a process left it.
    public init(status: Int32, stdout: String, stderr: String, signaled: Bool = false) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.signaled = signaled
    }

    /// The status and both outputs, for the message of a failed expectation.
    public var description: String { "status \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// A started process whose output goes to files (so no pipe can fill and block it). The
/// files live in the temporary directory, never in the process's working directory, and
/// are removed once the output is read.
public final class RunningProcess {
    /// The process, to watch or signal while it runs.
    public let process = Process()
    private let outURL: URL
    private let errURL: URL
    private let inURL: URL?
    private let handles: [FileHandle]

    /// Starts `executable` in `directory` with nothing on stdin. Its environment is the tests'
    /// own without `RUNLEDGER_DB` and `RUNLEDGER_ACTOR` (so a ledger or actor set where the
    /// tests run cannot leak into them), plus `environment`.
    public convenience init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: URL
    ) throws {
        var base = ProcessInfo.processInfo.environment
        base.removeValue(forKey: "RUNLEDGER_DB")
        base.removeValue(forKey: "RUNLEDGER_ACTOR")
        try self.init(
            executable, arguments, wholeEnvironment: base.merging(environment) { $1 }, directory: directory, input: nil)
    }

    /// Starts `executable` with exactly `wholeEnvironment` (nil: the tests' own), in `directory`
    /// (nil: the tests' working directory), with `input` on stdin (nil: nothing).
    init(
        _ executable: String, _ arguments: [String], wholeEnvironment: [String: String]?, directory: URL?,
        input: String?
    ) throws {
        let name = "runledger-tests-\(UUID().uuidString)"
        outURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).out")
        errURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        var inHandle: FileHandle?
        if let input {
            let inURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).in")
            _ = FileManager.default.createFile(atPath: inURL.path, contents: Data(input.utf8))
            inHandle = try FileHandle(forReadingFrom: inURL)
            self.inURL = inURL
        } else {
            inURL = nil
        }
        handles = [out, err] + (inHandle.map { [$0] } ?? [])
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let wholeEnvironment { process.environment = wholeEnvironment }
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inHandle ?? FileHandle.nullDevice
        try process.run()
    }

    /// Where the process's stdout goes, to watch it while the process runs.
    public var outputPath: String? { outURL.path }

    /// Waits for the process to end; returns what it printed and how it ended.
    public func wait() throws -> ProcessResult {
        process.waitUntilExit()
        defer {
            for handle in handles { try? handle.close() }
            for url in [outURL, errURL] + (inURL.map { [$0] } ?? []) { try? FileManager.default.removeItem(at: url) }
        }
        return ProcessResult(
            status: process.terminationStatus,
            stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8),
            signaled: process.terminationReason == .uncaughtSignal)
    }
}

/// Runs a program to its end, with `input` on stdin. Unlike `RunningProcess`, the program
/// inherits the tests' working directory and, unless `environment` is given (then it is the
/// whole environment), their environment.
public func runProcess(
    _ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil
) throws -> ProcessResult {
    try RunningProcess(executable, arguments, wholeEnvironment: environment, directory: nil, input: input).wait()
}
