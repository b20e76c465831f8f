import Foundation
import Hummingbird
import Logging
import NIOCore
import RunLedger
import RunLedgerOutput
import ServiceLifecycle

/// `runledger serve`: OpenLineage intake over HTTP, as Marquez takes it
/// (`POST /api/v1/lineage`), the ledger's runs as the CLI's JSON, pages for a browser
/// (`Pages/`: runs, a run, a timeline, job health, lifecycles) and `/metrics` for Prometheus.
///
/// ```swift
/// let server = LedgerServer(
///     configuration: .init(host: "127.0.0.1", port: 5000), writing: writable, reading: readOnly)
/// try await server.run { address in print("listening on \(address)") }
/// ```
///
/// Writes go through one thread (``GroupCommitWriter``), reads through another
/// (``LedgerReader``); the server's event loops only parse and answer. `run` returns after
/// SIGINT or SIGTERM once the server stopped accepting, the requests in flight were
/// answered, and what was queued was committed.
package struct LedgerServer: Sendable {
    /// Where the server listens and what it accepts.
    package struct Configuration: Sendable {
        /// The address to listen on: an IPv4 or IPv6 address, or a host name.
        package var host: String
        /// The port; 0 picks a free one (the listening callback gets the real one).
        package var port: Int
        /// The bearer token every request must carry; nil for none.
        package var token: String?
        /// The largest body taken, in bytes (larger: 413).
        package var maximumBodySize: Int
        /// How long a request's body may take to arrive (then 408); also, plus a second, how
        /// long a connection may stay silent, idle between requests or within one, before it is
        /// closed.
        package var readTimeout: Duration
        /// The most jobs `GET /metrics` exports (`--max-jobs`); a ledger with more is refused.
        package var metricsMaxJobs: Int

        /// Makes a configuration: loopback port 5000, no token, 10 MB, 30 seconds, 1000 jobs by default.
        package init(
            host: String = "127.0.0.1", port: Int = 5000, token: String? = nil,
            maximumBodySize: Int = 10 * 1024 * 1024, readTimeout: Duration = .seconds(30),
            metricsMaxJobs: Int = LedgerMetrics.defaultMaxJobs
        ) {
            self.metricsMaxJobs = metricsMaxJobs
            self.host = host
            self.port = port
            self.token = token
            self.maximumBodySize = maximumBodySize
            self.readTimeout = readTimeout
        }

        var readTimeoutDescription: String {
            let seconds = Double(readTimeout.components.seconds) + Double(readTimeout.components.attoseconds) / 1e18
            return "the read timeout of \(TableFormatter.span(seconds)) (--read-timeout)"
        }
    }

    private let configuration: Configuration
    private let writing: Ledger
    private let reading: Ledger

    /// A server over two handles on the same ledger: `writing`, opened read-write, takes the
    /// events; `reading`, opened `.readOnly`, answers the GETs.
    package init(configuration: Configuration, writing: Ledger, reading: Ledger) {
        self.configuration = configuration
        self.writing = writing
        self.reading = reading
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully and returns.
    ///
    /// - Parameters:
    ///   - onListening: Called once listening, with the address as `host:port` (the real
    ///     port when 0 was asked for).
    ///   - onStopped: Called after the shutdown, with the transactions and events committed.
    /// - Throws: What stopped the server otherwise: the address cannot be bound, say.
    package func run(
        onListening: @escaping @Sendable (String) -> Void,
        onStopped: @escaping @Sendable (_ commits: Int, _ events: Int) -> Void = { _, _ in }
    ) async throws {
        let writer = GroupCommitWriter(ledger: writing)
        let reader = LedgerReader(ledger: reading)
        let responder = LedgerResponder(
            configuration: configuration, writer: writer, reader: reader, location: writing.path,
            engine: writing.engine)
        // Silence for longer than this closes a connection, idle or mid-request. A second more
        // than the read timeout, so that a body that stops arriving gets its 408 first.
        let timeout = configuration.readTimeout + .seconds(1)
        let idle = TimeAmount.nanoseconds(
            timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        var logger = Logger(label: "runledger-serve")
        logger.logLevel = .warning
        let host = configuration.host
        let app = Application(
            responder: responder,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [CloseAfterResponseHandler(linger: .seconds(2))], idleTimeout: idle)),
            configuration: ApplicationConfiguration(address: .hostname(host, port: configuration.port)),
            services: [LedgerThreads(writer: writer, reader: reader, onStopped: onStopped)],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                onListening(host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
            },
            logger: logger)
        try await app.runService()
    }
}

/// The writing and reading threads as a service of the application: started before the
/// server accepts, stopped after it has answered its last request (a ServiceGroup shuts its
/// services down in reverse order, and the application's server comes after its services),
/// so that what was queued is committed before the process exits.
private struct LedgerThreads: Service {
    let writer: GroupCommitWriter
    let reader: LedgerReader
    let onStopped: @Sendable (Int, Int) -> Void

    func run() async throws {
        writer.start()
        reader.start()
        try? await gracefulShutdown()
        await writer.stop()
        reader.stop()
        let totals = writer.totals
        onStopped(totals.commits, totals.events)
    }
}
