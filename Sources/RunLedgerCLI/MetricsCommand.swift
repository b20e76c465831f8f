import ArgumentParser
import Foundation
import RunLedger

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print metrics for Prometheus, or write a textfile.",
        discussion: """
            Prints the ledger's metrics in Prometheus' text format (0.0.4): runledger_runs \
            (gauge by job, lifecycle, state, canonical_type), runledger_state_changes_total \
            (counter by job, lifecycle, to_state, from the history: exact), \
            runledger_run_duration_seconds (histogram of ended runs by job and canonical_type), \
            runledger_oldest_active_run_age_seconds (by job, lifecycle, state), \
            runledger_last_success_timestamp_seconds and runledger_consecutive_failures (by job). \
            Reads only; the cost grows with jobs and states, not with runs.

            With --textfile, writes them for node_exporter's textfile collector instead, \
            atomically: into a temporary file beside PATH, synced, then renamed over PATH, so \
            the collector reads the old file or the new one, never half of one. A ledger with \
            more jobs than --max-jobs is refused (exit 65) and PATH is left as it was.

            A prune lowers the counters, which Prometheus reads as a counter reset.

            Examples:
              runledger metrics
              runledger metrics --textfile /var/lib/node_exporter/textfile/runledger.prom
              runledger --db postgresql://ops@db/runs metrics --max-jobs 5000
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp(
            "Write to this file (atomically) instead of stdout, for node_exporter's textfile collector.",
            valueName: "path"))
    var textfile: String?

    @Option(
        help: ArgumentHelp(
            "Refuse a ledger with more jobs than this: each job brings its own series.", valueName: "n"))
    var maxJobs = LedgerMetrics.defaultMaxJobs

    func validate() throws {
        if maxJobs < 0 { throw ValidationError("--max-jobs must be 0 or more, not \(maxJobs).") }
        if let textfile, textfile.isEmpty { throw ValidationError("--textfile needs a path.") }
    }

    func run() throws {
        let ledger = try global.open(.readOnly)
        let metrics: LedgerMetrics
        do {
            metrics = try ledger.metrics(maxJobs: maxJobs)
        } catch LedgerError.invalidArgument(name: "maxJobs", let reason) {
            throw CLIError.data("Too many jobs for --max-jobs: \(reason).")
        }
        let text = metrics.prometheusText
        if let textfile {
            try Self.writeAtomically(text, to: textfile)
        } else {
            print(text, terminator: "")
        }
    }

    /// Writes `text` to `path` so that a reader sees the old file or the new one whole: into
    /// a temporary file in the same directory (not ending in `.prom`, which the textfile
    /// collector would read), `fsync`, `rename` over `path` (atomic within one file system),
    /// then `fsync` of the directory so that the rename survives a crash.
    static func writeAtomically(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary =
            url.deletingLastPathComponent().appendingPathComponent(
                ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
            ).path
        func failure(_ what: String) -> CLIError {
            CLIError(
                message: "Cannot write \(path): \(what) (\(String(cString: strerror(errno)))).",
                code: ExitStatus.ioError)
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot create a temporary file in \(directory)") }
        var written = false
        defer {
            if !written { unlink(temporary) }
        }
        do {
            defer { close(descriptor) }
            let bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let count = bytes.withUnsafeBytes { buffer in
                    write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw failure("cannot write the temporary file")
                }
                offset += count
            }
            guard fsync(descriptor) == 0 else { throw failure("cannot sync the temporary file") }
        }
        guard rename(temporary, path) == 0 else { throw failure("cannot rename the temporary file over it") }
        written = true
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}
