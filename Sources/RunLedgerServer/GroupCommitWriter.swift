import Foundation
import RunLedger

/// The server's write path: one thread that owns the read-write ``Ledger`` and commits the
/// events of every waiting request in one ``Ledger/receiveOpenLineage(_:at:)`` call.
///
/// The ledger is synchronous and blocks (on fsync, on another process's lock), so it never
/// runs on Swift's cooperative pool: a request hands its events over and suspends; the
/// thread takes everything queued, commits it, and only then resumes each request with its
/// own receipts. An acknowledged event is therefore durable, and under load one fsync serves
/// many requests (group commit).
///
/// `@unchecked Sendable`: `pending` and `state` are only touched with `condition` locked,
/// and `ledger` is Sendable itself (it serializes its connection).
final class GroupCommitWriter: @unchecked Sendable {
    /// What became of one request's events.
    enum Outcome: Sendable {
        /// The transaction committed: one result per event, in order.
        case committed([Result<OpenLineageReceipt, LedgerError>])
        /// The transaction failed as a whole (busy, I/O) or the server is stopping: nothing
        /// was recorded; the sentence says why.
        case failed(String)
    }

    private struct Submission {
        let events: [String]
        let continuation: CheckedContinuation<Outcome, Never>
    }

    private enum State { case idle, running, stopping, stopped }

    /// At most this many events go into one transaction (whole requests, so one large request
    /// may exceed it alone): bounds how long one commit holds the lock.
    static let maximumEventsPerCommit = 2_000

    private let ledger: Ledger
    private let condition = NSCondition()
    private var pending: [Submission] = []
    private var state = State.idle
    private var stopped: [CheckedContinuation<Void, Never>] = []

    private var commits = 0
    private var committedEvents = 0

    /// How many transactions the writer committed, and the events in them.
    var totals: (commits: Int, events: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (commits, committedEvents)
    }

    init(ledger: Ledger) {
        self.ledger = ledger
    }

    /// Starts the writer thread.
    func start() {
        condition.lock()
        defer { condition.unlock() }
        guard state == .idle else { return }
        state = .running
        let thread = Thread { [self] in loop() }
        thread.name = "runledger-writer"
        thread.start()
    }

    /// Queues `events` (one request's) and returns once they are committed, or failed.
    func submit(_ events: [String]) async -> Outcome {
        await withCheckedContinuation { continuation in
            condition.lock()
            guard state == .running else {
                condition.unlock()
                continuation.resume(returning: .failed("the server is shutting down"))
                return
            }
            pending.append(Submission(events: events, continuation: continuation))
            condition.signal()
            condition.unlock()
        }
    }

    /// Commits what is queued, then ends the thread; returns when it has ended. Submissions
    /// after this fail with "shutting down".
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            switch state {
            case .idle, .stopped:
                state = .stopped
                condition.unlock()
                continuation.resume()
            case .running, .stopping:
                state = .stopping
                stopped.append(continuation)
                condition.signal()
                condition.unlock()
            }
        }
    }

    private func loop() {
        while true {
            condition.lock()
            while pending.isEmpty && state == .running { condition.wait() }
            if pending.isEmpty {
                state = .stopped
                let waiting = stopped
                stopped = []
                condition.unlock()
                for continuation in waiting { continuation.resume() }
                return
            }
            var batch: [Submission] = []
            var count = 0
            while let next = pending.first, batch.isEmpty || count + next.events.count <= Self.maximumEventsPerCommit {
                batch.append(pending.removeFirst())
                count += next.events.count
            }
            condition.unlock()
            commit(batch)
        }
    }

    /// One transaction for the whole batch. If it fails and held several requests, each is
    /// tried alone, so that one request the ledger cannot take does not fail the others.
    private func commit(_ batch: [Submission]) {
        do {
            let results = try ledger.receiveOpenLineage(batch.flatMap(\.events))
            record(events: results.count)
            var offset = 0
            for submission in batch {
                let end = offset + submission.events.count
                submission.continuation.resume(returning: .committed(Array(results[offset..<end])))
                offset = end
            }
        } catch {
            guard batch.count > 1 else {
                batch[0].continuation.resume(returning: .failed(Self.sentence(error)))
                return
            }
            for submission in batch { commit([submission]) }
        }
    }

    private func record(events: Int) {
        condition.lock()
        commits += 1
        committedEvents += events
        condition.unlock()
    }

    /// The error as the CLI would say it: a plain sentence.
    static func sentence(_ error: any Error) -> String {
        String(describing: error)
    }
}
