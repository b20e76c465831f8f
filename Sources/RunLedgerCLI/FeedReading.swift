import Foundation
import RunLedger

/// Reads the ledger-wide feed after `cursor` and hands it to `handle` a page at a time, in
/// `seq` order: up to the newest committed change, or, with `follow`, on as any process
/// commits, until interrupted (what `tail` and `notify` do).
///
/// The root command is synchronous: following runs the subscription in a task while this
/// thread waits for it to end, and an error it ends with is thrown here.
func readFeed(
    _ ledger: Ledger, after cursor: Int64, matching filter: ChangeFilter, follow: Bool, pollInterval: Duration,
    _ handle: sending @escaping (ChangePage) throws -> Void
) throws {
    guard follow else {
        var cursor = cursor
        while true {
            let page = try ledger.changes(after: cursor, matching: filter, limit: 500)
            guard page.through > cursor else { return }
            try handle(page)
            cursor = page.through
        }
    }
    let outcome = FollowOutcome()
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            for try await page in ledger.subscribe(from: cursor, matching: filter, pollInterval: pollInterval).pages {
                try handle(page)
            }
        } catch {
            outcome.set(error)
        }
        done.signal()
    }
    done.wait()
    if let error = outcome.error { throw error }
}

/// The follow task's error, handed to the waiting thread (set before `done.signal()`, read
/// after `done.wait()`).
private final class FollowOutcome: @unchecked Sendable {
    private(set) var error: (any Error)?
    func set(_ error: any Error) { self.error = error }
}
