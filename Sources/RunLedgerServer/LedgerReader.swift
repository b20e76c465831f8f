import Foundation
import RunLedger

/// The server's read path: a read-only ``Ledger`` used only on a thread of its own, so that
/// blocking reads never run on Swift's cooperative pool and never wait behind the writer's
/// commits (SQLite's WAL lets a reader go on while the writer writes).
///
/// `@unchecked Sendable`: `jobs` and `isRunning` are only touched with `condition` locked,
/// and `ledger` is Sendable itself.
final class LedgerReader: @unchecked Sendable {
    private let ledger: Ledger
    private let condition = NSCondition()
    private var jobs: [@Sendable (Ledger) -> Void] = []
    private var isRunning = false
    private var isStopping = false

    init(ledger: Ledger) {
        self.ledger = ledger
    }

    /// Starts the reading thread.
    func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !isRunning else { return }
        isRunning = true
        let thread = Thread { [self] in loop() }
        thread.name = "runledger-reader"
        thread.start()
    }

    /// Runs `body` on the reading thread and returns what it returned (or throws what it threw).
    func read<T: Sendable>(_ body: @escaping @Sendable (Ledger) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            guard isRunning, !isStopping else {
                condition.unlock()
                continuation.resume(throwing: ServerError.shuttingDown)
                return
            }
            jobs.append { ledger in continuation.resume(with: Result { try body(ledger) }) }
            condition.signal()
            condition.unlock()
        }
    }

    /// Lets the thread run the jobs queued, then end.
    func stop() {
        condition.lock()
        isStopping = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !isStopping { condition.wait() }
            if jobs.isEmpty {
                isRunning = false
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job(ledger)
        }
    }
}

/// Why the server could not serve a request, apart from what the ledger said.
enum ServerError: Error, CustomStringConvertible {
    case shuttingDown

    var description: String {
        switch self {
        case .shuttingDown: "the server is shutting down"
        }
    }
}
