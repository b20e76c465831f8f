/// Every change committed after a cursor, as it commits: what ``Ledger/subscribe(from:matching:pollInterval:)``
/// returns. Iterate it from one task; it ends when the task is cancelled.
///
/// ``pages`` gives the same changes a page at a time, each with the `seq` it read through:
/// what a consumer that acknowledges its progress (``Ledger/acknowledge(_:for:)``) needs, one
/// acknowledgement per page rather than per change.
public struct LedgerFeed: AsyncSequence, Sendable {
    /// A change of any run.
    public typealias Element = LedgerChange

    let ledger: Ledger
    let start: Int64
    let filter: ChangeFilter
    let pollInterval: Duration

    init(ledger: Ledger, from start: Int64, filter: ChangeFilter, pollInterval: Duration) {
        self.ledger = ledger
        self.start = start
        self.filter = filter
        self.pollInterval = pollInterval
    }

    /// The same feed, a page at a time. A page may hold no change, when every change it read
    /// through was filtered out: its `through` still moved on.
    public var pages: Pages { Pages(feed: self) }

    /// An iterator over the changes; it opens the feed's connection at its first `next()`.
    public func makeAsyncIterator() -> Iterator {
        Iterator(pages: pages.makeAsyncIterator())
    }

    /// The changes one by one, from the pages.
    public struct Iterator: AsyncIteratorProtocol {
        private var pages: Pages.Iterator
        private var buffer: [LedgerChange] = []
        private var next = 0

        init(pages: Pages.Iterator) {
            self.pages = pages
        }

        /// The next change, or nil once the task is cancelled.
        public mutating func next() async throws -> LedgerChange? {
            while next == buffer.count {
                guard let page = try await pages.next() else { return nil }
                (buffer, next) = (page.changes, 0)
            }
            defer { next += 1 }
            return buffer[next]
        }
    }

    /// The feed as pages of changes (``ChangePage``), each reading past the one before.
    public struct Pages: AsyncSequence, Sendable {
        /// A page of changes.
        public typealias Element = ChangePage

        let feed: LedgerFeed

        /// An iterator over the pages; it opens the feed's connection at its first `next()`.
        public func makeAsyncIterator() -> Iterator { Iterator(feed: feed) }

        /// Reads pages on a connection of its own, and waits between them.
        public struct Iterator: AsyncIteratorProtocol {
            private let feed: LedgerFeed
            private var reader: Ledger?
            private var cursor: Int64

            init(feed: LedgerFeed) {
                self.feed = feed
                cursor = feed.start
            }

            /// The next page of at most 500 changes, or nil once the task is cancelled.
            public mutating func next() async throws -> ChangePage? {
                let reader: Ledger
                if let open = self.reader {
                    reader = open
                } else {
                    reader = try feed.ledger.connectReader()
                    try reader.watchCommits()
                    self.reader = reader
                }
                while !Task.isCancelled {
                    // Note others' commits before reading, so one made after the read is seen.
                    _ = try reader.othersCommitted()
                    let page = try reader.changes(after: cursor, matching: feed.filter, limit: 500)
                    defer { cursor = page.through }
                    if page.through > cursor { return page }
                    while try !reader.othersCommitted() {
                        do {
                            try await Task.sleep(for: feed.pollInterval)
                        } catch {
                            return nil  // cancelled
                        }
                    }
                }
                return nil
            }
        }
    }
}
