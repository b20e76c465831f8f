import ArgumentParser
import Foundation
import RunLedger
import RunLedgerOutput
import RunLedgerServer

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve pages, metrics and OpenLineage intake over HTTP.",
        discussion: """
            Pages, read-only, for a browser: / (runs, with filters), /runs/ID (a run's timeline \
            and history, live while it is active), /timeline (many runs over a window), /jobs \
            (job health), /lifecycles/NAME (a lifecycle's graph). GET /metrics returns what \
            runledger metrics prints, for Prometheus to scrape; a ledger with more jobs than \
            --max-jobs is refused there (500).

            Producers post RunEvents to POST /api/v1/lineage (OPENLINEAGE_URL=http://127.0.0.1:5000 \
            for openlineage-python); 201 once committed. GET /api/v1/runs, /api/v1/runs/ID, \
            /api/v1/runs/ID/history return the JSON of runs and history --format json; \
            GET /healthz says whether the ledger can be read.

            Listening anywhere but on loopback needs a token (--token or $RUNLEDGER_TOKEN); \
            with one, every request must send Authorization: Bearer TOKEN. SIGINT or SIGTERM \
            stops accepting, answers the requests in flight, commits what is queued and exits 0.

            Examples:
              runledger serve
              runledger serve --listen 127.0.0.1:0
              RUNLEDGER_TOKEN=s3cret runledger serve --listen 0.0.0.0:5000
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Where to listen: host:port, [v6]:port; port 0 picks one.", valueName: "address"))
    var listen = "127.0.0.1:5000"

    @Option(help: ArgumentHelp("The bearer token requests must carry (default: $RUNLEDGER_TOKEN).", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("The largest request body taken: bytes, or with KB, MB, GB.", valueName: "size"))
    var maxBody = "10MB"

    @Option(
        help: ArgumentHelp(
            "How long a body may take to arrive, and an idle connection may stay open: 30s, 500ms, 2m.",
            valueName: "duration"))
    var readTimeout = "30s"

    @Option(
        help: ArgumentHelp(
            "GET /metrics refuses a ledger with more jobs than this, as runledger metrics does.", valueName: "n"))
    var maxJobs = LedgerMetrics.defaultMaxJobs

    /// The address, parsed.
    var address: (host: String, port: Int) {
        get throws {
            guard let address = Self.parseAddress(listen) else {
                throw ValidationError("--listen must be host:port or [v6-address]:port, not \(listen).")
            }
            return address
        }
    }

    /// --token, else $RUNLEDGER_TOKEN.
    var resolvedToken: String? {
        if let token { return token.isEmpty ? nil : token }
        let environment = ProcessInfo.processInfo.environment["RUNLEDGER_TOKEN"]
        return environment?.isEmpty == false ? environment : nil
    }

    func validate() throws {
        let (host, _) = try address
        if maxJobs < 0 { throw ValidationError("--max-jobs must be 0 or more, not \(maxJobs).") }
        guard Self.parseSize(maxBody) != nil else {
            throw ValidationError("--max-body must be a size such as 10MB, 512KB or 1048576, not \(maxBody).")
        }
        guard Self.parseDuration(readTimeout) != nil else {
            throw ValidationError("--read-timeout must be a duration such as 30s, 500ms or 2m, not \(readTimeout).")
        }
        if !Self.isLoopback(host) && resolvedToken == nil {
            throw ValidationError(
                "--listen \(listen) is not a loopback address: set --token (or $RUNLEDGER_TOKEN) so that "
                    + "requests need it.")
        }
    }

    func run() throws {
        let (host, port) = try address
        let configuration = LedgerServer.Configuration(
            host: host, port: port, token: resolvedToken, maximumBodySize: Self.parseSize(maxBody) ?? 0,
            readTimeout: Self.parseDuration(readTimeout) ?? .seconds(30), metricsMaxJobs: maxJobs)
        let writing = try global.open(.create)
        let reading = try global.open(.readOnly)
        let server = LedgerServer(configuration: configuration, writing: writing, reading: reading)
        let location = writing.path
        let engine = writing.engine.rawValue
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        // The root command is synchronous: the server runs in a task while this thread waits.
        Task {
            do {
                try await server.run(
                    onListening: { address in
                        print("runledger serve: listening on http://\(address) (ledger \(location), \(engine))")
                        fflush(nil)  // all streams: the line must reach a pipe at once
                    },
                    onStopped: { commits, events in
                        printNote("runledger serve: stopped; \(events) events committed in \(commits) transactions")
                    })
            } catch {
                outcome.set(error)
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error {
            throw CLIError(message: "the server stopped: \(error)", code: ExitStatus.ioError)
        }
    }

    /// `host:port`, `[v6]:port`; nil if neither.
    static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return nil }
        }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// Whether `host` is a loopback address: 127.0.0.0/8, ::1, localhost.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// `1048576`, `512KB`, `10MB`, `1GB` (K, M, G are powers of 1024); nil if not a size.
    static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [
            ("KIB", 1 << 10), ("MIB", 1 << 20), ("GIB", 1 << 30), ("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30),
            ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1),
        ]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value > 0, value * Double(factor) < Double(1 << 40) else { return nil }
            return Int(value * Double(factor))
        }
        guard let value = Int(trimmed), value > 0 else { return nil }
        return value
    }

    /// `30s`, `500ms`, `2m`, `30` (seconds); nil if not a positive duration.
    static func parseDuration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var seconds: Double?
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            seconds = Double(trimmed.dropLast(suffix.count)).map { $0 * factor }
            break
        }
        if seconds == nil { seconds = Double(trimmed) }
        guard let seconds, seconds > 0, seconds <= 86_400 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

/// The server task's error, handed to the waiting thread (set before `done.signal()`, read
/// after `done.wait()`: the semaphore orders the two).
private final class Outcome: @unchecked Sendable {
    private(set) var error: (any Error)?
    func set(_ error: any Error) { self.error = error }
}
