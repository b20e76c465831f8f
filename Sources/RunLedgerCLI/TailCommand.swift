import ArgumentParser
import Foundation
import RunLedger
import RunLedgerOutput

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print all runs' changes in seq order, as JSON lines.",
        discussion: """
            Each line is one change of any run: its seq (the change's place in the ledger's \
            one order, whichever client wrote it), run, job, lifecycle, states, canonical \
            type and time. Lines come in seq order, none skipped, none twice.

            Where to start: --from SEQ prints the changes after SEQ (0: the whole history); \
            --consumer NAME those after the consumer's cursor, which is kept in the ledger \
            (the consumers table) and moved on only after the lines were written: after a \
            crash, the consumer resumes where it stopped, printing at most the last lines \
            again (use their seq to tell). A new consumer starts at --from, else at the \
            newest change (it prints what comes next). With neither, the last --lines \
            changes.

            With --follow, new changes are printed as any process commits them, until you \
            interrupt; without it, tail stops at the newest change.

            Examples:
              runledger tail --follow
              runledger tail --consumer alerts --type FAILED,CRASHED --follow
              runledger tail --from 0 --job nightly-etl > history.jsonl
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Only changes of runs of this job (repeat for several).", valueName: "job"))
    var job: [String] = []

    @Option(help: ArgumentHelp("Only changes of runs of this lifecycle (repeat for several).", valueName: "name"))
    var lifecycle: [String] = []

    @Option(
        help: ArgumentHelp(
            "Only changes into a state of these canonical types, comma-separated (FAILED,CRASHED).",
            valueName: "types"))
    var type: String?

    @Option(help: ArgumentHelp("Print the changes after this seq (0: the whole history).", valueName: "seq"))
    var from: Int64?

    @Option(
        help: ArgumentHelp("Start at this consumer's cursor, and move it on as lines are written.", valueName: "name"))
    var consumer: String?

    @Option(
        name: [.customShort("n"), .long],
        help: ArgumentHelp("Without --from or --consumer: the last N changes.", valueName: "N"))
    var lines = 10

    @Flag(help: "Keep printing new changes as they are committed.")
    var follow = false

    @Option(help: ArgumentHelp("Milliseconds between checks for new commits with --follow.", visibility: .hidden))
    var interval = 50

    func validate() throws {
        if let from, from < 0 { throw ValidationError("--from must be 0 or more, not \(from).") }
        guard lines >= 0 else { throw ValidationError("--lines must be 0 or more, not \(lines).") }
        guard interval > 0, interval <= 60_000 else { throw ValidationError("--interval must be 1 to 60000 ms.") }
        _ = try types()
    }

    /// The canonical types of --type, or nil for any.
    func types() throws -> Set<CanonicalType>? {
        try type.map { try Self.canonicalTypes($0, option: "--type") }
    }

    /// Canonical types, comma-separated and in any case (`FAILED,crashed`), as `option`
    /// takes them (tail's --type, notify's --on); a usage error names one that is not.
    static func canonicalTypes(_ text: String, option: String) throws -> Set<CanonicalType> {
        var types = Set<CanonicalType>()
        for name in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = name.trimmingCharacters(in: .whitespaces).uppercased()
            guard let known = CanonicalType(rawValue: trimmed) else {
                throw ValidationError(
                    "\(option): '\(name)' is not a canonical type (\(CanonicalType.allCases.map(\.rawValue).joined(separator: ", ")))."
                )
            }
            types.insert(known)
        }
        return types
    }

    func run() throws {
        let ledger = try global.open(consumer == nil ? .readOnly : .readWrite)
        let filter = ChangeFilter(
            jobs: job.isEmpty ? nil : Set(job), lifecycles: lifecycle.isEmpty ? nil : Set(lifecycle),
            canonicalTypes: try types())
        var cursor: Int64
        if let consumer {
            cursor = try ledger.openConsumer(consumer, at: from)
        } else if let from {
            cursor = from
        } else {
            let last = try ledger.lastChanges(lines, matching: filter)
            try write(last.changes)
            cursor = last.through
        }
        let consumer = self.consumer
        /// Writes a page's lines, then moves the consumer's cursor past them.
        func handle(_ page: ChangePage) throws {
            try write(page.changes)
            if let consumer, page.through > cursor { try ledger.acknowledge(page.through, for: consumer) }
            cursor = page.through
        }

        let start = cursor
        try readFeed(
            ledger, after: start, matching: filter, follow: follow, pollInterval: .milliseconds(interval), handle)
    }

    /// Prints the changes, one JSON line each, and makes sure they reached stdout.
    private func write(_ changes: [LedgerChange]) throws {
        guard !changes.isEmpty else { return }
        var text = ""
        for change in changes { text += FeedRows.jsonLine(change) + "\n" }
        // Unbuffered: when this returns, the lines are in the pipe or file, not in a buffer.
        do {
            try FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
        } catch {
            throw CLIError(message: "cannot write to stdout: \(error.localizedDescription)", code: ExitStatus.ioError)
        }
    }
}

struct ConsumersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consumers",
        abstract: "List the feed's consumers and how far behind each is.",
        discussion: """
            A consumer is a named cursor over the ledger's history, made and moved by \
            `runledger tail --consumer NAME`, or by a program through the library \
            (Ledger.openConsumer, Ledger.acknowledge). LAG is the changes after its cursor; \
            LAG SECONDS the age of the oldest of them (0 when it is caught up).

            Examples:
              runledger consumers
              runledger consumers --format json
              runledger consumers --remove old-exporter
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Delete this consumer and its cursor.", valueName: "name"))
    var remove: String?

    func run() throws {
        if let remove {
            let ledger = try global.open(.readWrite)
            guard try ledger.removeConsumer(remove) else {
                throw CLIError(message: "there is no consumer named \(remove)", code: ExitStatus.noInput)
            }
            printNote("removed consumer \(remove)")
            return
        }
        let ledger = try global.open(.readOnly)
        print(output.format.render(FeedRows.consumers(try ledger.consumers())), terminator: "")
    }
}
