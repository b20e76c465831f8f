import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One thread of its own that runs a ledger's blocking work for async callers, one job at a
/// time, in the order they came, so that a write waiting for another process's lock (up to
/// the busy timeout) blocks this thread and never one of Swift's cooperative pool.
///
/// The thread starts with the first job (a ledger used only synchronously starts none) and
/// ends once its owner is gone and the jobs queued before have run.
package final class LedgerThread: Sendable {
    private let queue = JobQueue()

    init() {}

    deinit { queue.close() }

    /// Runs `body` on the thread and returns what it returns; the caller's task is suspended,
    /// not blocked, meanwhile. A task cancelled before its job begins gets `CancellationError`
    /// at once and the job never runs; a job that has begun runs to its end (a write is never
    /// cut in half).
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        let job = Job()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let queued = job.install(
                    work: { continuation.resume(with: Result { try body() }) },
                    abandon: { continuation.resume(throwing: CancellationError()) })
                if queued { queue.push(job) } else { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            job.cancel()
        }
    }

    /// Runs `body` on a thread of its own, started for it and ended after it: for work done
    /// before a ledger (and so its thread) exists, such as opening it.
    package static func once<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await LedgerThread().run(body)
    }

    /// How many jobs have begun on the thread, for tests that must know that one is running.
    var jobsBegun: Int { queue.jobsBegun }
}

/// A queued piece of work, and whether its task was cancelled before it began: exactly one
/// of its two closures runs, `work` on the thread or `abandon` on cancellation.
private final class Job: Sendable {
    private enum State {
        /// Not queued yet; `cancelled` if the task was cancelled already.
        case new(cancelled: Bool)
        case queued(work: @Sendable () -> Void, abandon: @Sendable () -> Void)
        case finished
    }

    private let state = Mutex<State>(.new(cancelled: false))

    /// Takes the job's closures before it is queued; false if its task was cancelled first
    /// (then neither will run, and the job must not be queued).
    func install(work: @escaping @Sendable () -> Void, abandon: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { state in
            guard case .new(cancelled: false) = state else { return false }
            state = .queued(work: work, abandon: abandon)
            return true
        }
    }

    /// Abandons the job if it has not begun: its caller gets `CancellationError` now.
    func cancel() {
        let abandon = state.withLock { state -> (@Sendable () -> Void)? in
            switch state {
            case .new: state = .new(cancelled: true)
            case .queued(_, let abandon):
                state = .finished
                return abandon
            case .finished: break
            }
            return nil
        }
        abandon?()
    }

    /// Runs the job on the thread, unless it was abandoned.
    func perform() {
        let work = state.withLock { state -> (@Sendable () -> Void)? in
            guard case .queued(let work, _) = state else { return nil }
            state = .finished
            return work
        }
        work?()
    }
}

/// The jobs waiting for the thread, guarded by a pthread mutex with a condition variable the
/// thread sleeps on while there are none.
///
/// `@unchecked Sendable`: `jobs`, `closed`, `started` and `begun` are touched only with
/// `mutex` locked; the mutex and condition live at fixed addresses for the queue's lifetime.
private final class JobQueue: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [Job] = []
    private var head = 0
    private var closed = false
    private var started = false
    private var begun = 0

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    var jobsBegun: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return begun
    }

    /// Queues a job, starting the thread for the first one.
    func push(_ job: Job) {
        pthread_mutex_lock(mutex)
        jobs.append(job)
        let start = !started
        started = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
        if start { startThread() }
    }

    /// Lets the thread end once the queue is empty.
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// The next job, waiting for one; nil once closed and empty.
    private func next() -> Job? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while head == jobs.count {
            if closed { return nil }
            pthread_cond_wait(condition, mutex)
        }
        let job = jobs[head]
        head += 1
        begun += 1
        if head == jobs.count || head > 1024 {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }

    /// The thread's loop: it holds the queue (not the `LedgerThread`), so the owner's deinit
    /// can close it.
    private func startThread() {
        let unmanaged = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let created = pthread_create(
            &thread, nil,
            { argument in
                guard let argument else { return nil }
                let queue = Unmanaged<JobQueue>.fromOpaque(argument).takeRetainedValue()
                while let job = queue.next() { job.perform() }
                return nil
            }, unmanaged.toOpaque())
        precondition(created == 0, "cannot start a ledger thread (pthread_create: \(created))")
        pthread_detach(thread)
    }
}
