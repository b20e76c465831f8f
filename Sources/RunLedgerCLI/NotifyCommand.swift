import ArgumentParser
import Foundation
import RunLedger
import RunLedgerOutput

#if canImport(Glibc)
    import Glibc
#endif

struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Run a command or call a webhook for each change.",
        discussion: """
            Delivers each change into a state of the --on canonical types (refined by the \
            outcome, as tail --type does), whichever process recorded it, to a command or a \
            webhook: in seq order, one at a time, at least once. The consumer's cursor is kept \
            in the ledger (runledger consumers lists it; a new consumer starts at --from, else \
            at the newest change) and moves past a change only once it is delivered or given \
            up: after a crash, notify resumes at the cursor, and the change it was delivering \
            is delivered again (tell by its seq).

            --exec CMD runs /bin/sh -c CMD with the change as one JSON line on stdin (the line \
            tail prints) and RUNLEDGER_SEQ, RUNLEDGER_RUN_ID, RUNLEDGER_JOB, RUNLEDGER_STATE, \
            RUNLEDGER_CANONICAL_TYPE and RUNLEDGER_CONSUMER added to its environment; exit 0 \
            is delivered. --webhook URL POSTs the line as application/json with the headers \
            X-RunLedger-Seq, X-RunLedger-Delivery (CONSUMER:SEQ, the same for every attempt, \
            to deduplicate) and, when the secret's environment variable (--secret-env, else \
            RUNLEDGER_WEBHOOK_SECRET) is set, X-RunLedger-Signature: sha256= and the hex \
            HMAC-SHA256 of the body under the secret (which is never printed); a 2xx answer is \
            delivered, a redirect is not followed.

            An attempt that fails (another exit status or answer, an error, or --timeout \
            passing, when the command's whole process group is killed) is made again after \
            --backoff, doubling each time up to 5 minutes, at most --retries times. Then notify \
            gives up on the change: it records an annotation of kind notify_failed on the run \
            (runledger history shows it) and goes on with the next. Each delivery, failed \
            attempt and give-up is one line on stderr; nothing goes to stdout.

            Without --follow, notify delivers what is pending and exits 0, give-ups included \
            (they are recorded, not errors); with --follow, it goes on as changes are \
            committed, until interrupted.

            Examples:
              runledger notify --consumer alerts --on FAILED,CRASHED --follow \\
                --webhook https://hooks.example.com/runledger
              runledger notify --consumer pager --on FAILED --job nightly-etl \\
                --exec 'page-oncall "$RUNLEDGER_JOB failed: run $RUNLEDGER_RUN_ID"'
              RUNLEDGER_WEBHOOK_SECRET=$(cat /etc/runledger/hook.key) runledger notify \\
                --consumer ci --on FAILED --follow --webhook http://127.0.0.1:8080/hook
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp("The consumer: the cursor in the ledger that records what is delivered.", valueName: "name"))
    var consumer: String

    @Option(
        help: ArgumentHelp(
            "The changes to deliver: into a state of these canonical types, comma-separated (FAILED,CRASHED).",
            valueName: "types"))
    var on: String

    @Option(help: ArgumentHelp("Only changes of runs of this job (repeat for several).", valueName: "job"))
    var job: [String] = []

    @Option(help: ArgumentHelp("Only changes of runs of this lifecycle (repeat for several).", valueName: "name"))
    var lifecycle: [String] = []

    @Option(help: ArgumentHelp("Run /bin/sh -c CMD for each change, the change on stdin.", valueName: "cmd"))
    var exec: String?

    @Option(help: ArgumentHelp("POST each change to this http:// or https:// URL.", valueName: "url"))
    var webhook: String?

    @Flag(help: "Keep delivering new changes as they are committed.")
    var follow = false

    @Option(
        help: ArgumentHelp(
            "Sign webhooks with the secret in this environment variable (default: RUNLEDGER_WEBHOOK_SECRET, if set).",
            valueName: "var"))
    var secretEnv: String?

    @Option(help: ArgumentHelp("Attempts after the first before giving up on a change.", valueName: "N"))
    var retries = 5

    @Option(help: ArgumentHelp("Wait before the 2nd attempt, doubled for each next (up to 5m).", valueName: "duration"))
    var backoff = "1s"

    @Option(help: ArgumentHelp("How long one attempt may take (200ms, 10s, 2m).", valueName: "duration"))
    var timeout = "30s"

    @Option(help: ArgumentHelp("Where a new consumer starts: after this seq (0: the whole history).", valueName: "seq"))
    var from: Int64?

    @Option(help: ArgumentHelp("Milliseconds between checks for new commits with --follow.", visibility: .hidden))
    var interval = 50

    /// The variable the secret is read from when --secret-env is not given.
    static let defaultSecretVariable = "RUNLEDGER_WEBHOOK_SECRET"
    /// The longest wait between two attempts.
    static let maxBackoff = 300.0

    func validate() throws {
        guard !consumer.isEmpty else { throw ValidationError("--consumer needs a name.") }
        _ = try types()
        switch (exec, webhook) {
        case (nil, nil):
            throw ValidationError("Give --exec CMD or --webhook URL: where to deliver the changes.")
        case (.some, .some):
            throw ValidationError("Give --exec or --webhook, not both.")
        case (.some(let command), nil):
            guard !command.isEmpty else { throw ValidationError("--exec needs a command.") }
            if secretEnv != nil { throw ValidationError("--secret-env signs webhooks; it does not go with --exec.") }
        case (nil, .some(let text)):
            _ = try url(text)
            _ = try secret()
        }
        guard (0...10_000).contains(retries) else {
            throw ValidationError("--retries must be 0 to 10000, not \(retries).")
        }
        _ = try seconds(backoff, option: "--backoff")
        guard try seconds(timeout, option: "--timeout") > 0 else {
            throw ValidationError("--timeout must be more than 0.")
        }
        if let from, from < 0 { throw ValidationError("--from must be 0 or more, not \(from).") }
        guard interval > 0, interval <= 60_000 else { throw ValidationError("--interval must be 1 to 60000 ms.") }
    }

    /// The canonical types of --on.
    func types() throws -> Set<CanonicalType> { try TailCommand.canonicalTypes(on, option: "--on") }

    /// --webhook's URL: http or https, with a host.
    func url(_ text: String) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw ValidationError("--webhook '\(text)' is not an http:// or https:// URL.")
        }
        return url
    }

    /// The webhook's secret: from --secret-env's variable, which must then be set and not
    /// empty, else from RUNLEDGER_WEBHOOK_SECRET if it is set (nil: no signature).
    func secret() throws -> [UInt8]? {
        let environment = ProcessInfo.processInfo.environment
        guard let secretEnv else {
            guard let value = environment[Self.defaultSecretVariable], !value.isEmpty else { return nil }
            return Array(value.utf8)
        }
        guard !secretEnv.isEmpty else { throw ValidationError("--secret-env needs a variable's name.") }
        guard let value = environment[secretEnv], !value.isEmpty else {
            throw ValidationError("--secret-env: the environment variable \(secretEnv) is not set, or empty.")
        }
        return Array(value.utf8)
    }

    /// A duration option in seconds; a bad one is a usage error.
    func seconds(_ text: String, option: String) throws -> Double {
        do {
            return try TimeArgument.duration(text, option: option)
        } catch let error as CLIError {
            throw ValidationError(error.message)
        }
    }

    func target() throws -> any NotifyTarget {
        let timeout = try seconds(timeout, option: "--timeout")
        if let exec { return CommandTarget(command: exec, timeout: timeout) }
        return WebhookTarget(url: try url(webhook ?? ""), secret: try secret(), timeout: timeout)
    }

    func run() throws {
        // A command that exits without reading its stdin must not kill notify as it writes.
        signal(SIGPIPE, SIG_IGN)
        let notifier = Notifier(
            ledger: try global.open(.readWrite), consumer: consumer, target: try target(),
            attempts: retries + 1, backoff: try seconds(backoff, option: "--backoff"))
        let ledger = notifier.ledger
        let filter = ChangeFilter(
            jobs: job.isEmpty ? nil : Set(job), lifecycles: lifecycle.isEmpty ? nil : Set(lifecycle),
            canonicalTypes: try types())
        let consumer = self.consumer
        var cursor = try ledger.openConsumer(consumer, at: from)
        /// Delivers a page's changes, moving the cursor past each once it is handled, then past
        /// the page (the changes that did not match).
        func handle(_ page: ChangePage) throws {
            for change in page.changes {
                notifier.handle(Delivery(change, consumer: consumer))
                try ledger.acknowledge(change.seq, for: consumer)
                cursor = change.seq
            }
            if page.through > cursor { try ledger.acknowledge(page.through, for: consumer) }
            cursor = page.through
        }

        let start = cursor
        try readFeed(
            ledger, after: start, matching: filter, follow: follow, pollInterval: .milliseconds(interval), handle)
    }
}

/// Delivers one change at a time to the target, retrying with a doubling backoff, and
/// records on the run the changes it gives up on.
struct Notifier: Sendable {
    let ledger: Ledger
    let consumer: String
    let target: any NotifyTarget
    /// Attempts per change: 1 + --retries.
    let attempts: Int
    /// Seconds before the 2nd attempt; doubled for each next, up to ``NotifyCommand/maxBackoff``.
    let backoff: Double

    /// The annotation's kind for a change given up on.
    static let failureKind = "notify_failed"
    /// The annotation's actor.
    static let actor = "runledger notify"

    /// Returns once the change is delivered, or given up on and noted on its run.
    func handle(_ delivery: Delivery) {
        var wait = min(backoff, NotifyCommand.maxBackoff)
        var why = ""
        for attempt in 1...attempts {
            switch target.attempt(delivery) {
            case .delivered(let detail):
                let retried = attempt > 1 ? " on attempt \(attempt)" : ""
                printNote("notify: \(delivery.label): delivered to \(target.description) (\(detail))\(retried)")
                return
            case .failed(let reason):
                why = reason
            }
            guard attempt < attempts else { break }
            printNote(
                "notify: \(delivery.label): attempt \(attempt) of \(attempts) failed: \(why); "
                    + "next in \(TableFormatter.span(wait))")
            Thread.sleep(forTimeInterval: wait)
            wait = min(wait * 2, NotifyCommand.maxBackoff)
        }
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        printNote(
            "notify: \(delivery.label): attempt \(attempts) of \(attempts) failed: \(why); "
                + "giving up, noted on the run as \(Self.failureKind)")
        giveUp(on: delivery, tries: tries, why: why)
    }

    /// Records the give-up as an annotation on the run; a warning if that fails.
    private func giveUp(on delivery: Delivery, tries: String, why: String) {
        let runID = delivery.change.change.runID
        let reason = "notify \(consumer): gave up after \(tries): \(target.description) \(why)"
        let metadata = Failure(
            consumer: consumer, seq: delivery.change.seq, target: target.name, attempts: attempts, error: why)
        do {
            // An annotation may name a run not recorded (yet): do not leave one behind a pruned run.
            guard try ledger.run(id: runID) != nil else {
                printNote("notify: warning: run \(runID) is no longer in the ledger; the give-up is not noted")
                return
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let json = String(decoding: try encoder.encode(metadata), as: UTF8.self)
            try ledger.annotate(runID, kind: Self.failureKind, reason: reason, metadata: json, actor: Self.actor)
        } catch {
            printNote("notify: warning: the give-up could not be noted on run \(runID): \(error)")
        }
    }

    /// The give-up annotation's metadata.
    private struct Failure: Encodable {
        let consumer: String
        let seq: Int64
        let target: String
        let attempts: Int
        let error: String
    }
}
