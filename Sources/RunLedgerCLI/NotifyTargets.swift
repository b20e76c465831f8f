import Foundation
import RunLedger
import RunLedgerOutput

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// One change on its way to `runledger notify`'s target: the change, its JSON line (as `tail`
/// prints it) and the consumer delivering it.
struct Delivery: Sendable {
    let change: LedgerChange
    let consumer: String
    let line: String

    init(_ change: LedgerChange, consumer: String) {
        self.change = change
        self.consumer = consumer
        line = FeedRows.jsonLine(change)
    }

    /// How stderr and the give-up annotation name it: `seq 42 (run 0193... Failed)`.
    var label: String { "seq \(change.seq) (run \(change.change.runID) \(change.change.to))" }

    /// What --exec adds to the environment it passes on.
    var environment: [String: String] {
        [
            "RUNLEDGER_SEQ": String(change.seq), "RUNLEDGER_RUN_ID": change.change.runID, "RUNLEDGER_JOB": change.job,
            "RUNLEDGER_STATE": change.change.to, "RUNLEDGER_CANONICAL_TYPE": change.canonicalType.rawValue,
            "RUNLEDGER_CONSUMER": consumer,
        ]
    }
}

/// How one attempt at a delivery went.
enum Attempt: Sendable, Equatable {
    /// Delivered: the command exited 0, the webhook answered 2xx (the detail says which).
    case delivered(String)
    /// Not delivered, and why, as the end of a sentence: `answered 503`, `exited 3`,
    /// `timed out after 10s`.
    case failed(String)
}

/// Where `runledger notify` delivers changes.
protocol NotifyTarget: Sendable {
    /// The target in a sentence: `webhook https://...`, `command 'page-oncall'`.
    var description: String { get }
    /// The target as the give-up annotation's metadata records it: the URL or the command.
    var name: String { get }
    /// Makes one attempt; returns once it has succeeded or failed (within the timeout).
    func attempt(_ delivery: Delivery) -> Attempt
}

// MARK: - --exec

/// `--exec CMD`: `/bin/sh -c CMD` with the change's JSON line on stdin, in a process group of
/// its own so that a timeout kills whatever the command started.
struct CommandTarget: NotifyTarget {
    let command: String
    /// Seconds an attempt may take before its process group is killed.
    let timeout: Double

    var description: String { "command '\(command)'" }
    var name: String { command }

    func attempt(_ delivery: Delivery) -> Attempt {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(delivery.environment) { $1 }
        let spawned: (pid: pid_t, input: Int32)
        switch Self.spawn(["/bin/sh", "-c", command], environment: environment) {
        case .success(let started): spawned = started
        case .failure(let error): return .failed("could not be started: \(error.sentence)")
        }
        var input = Array((delivery.line + "\n").utf8)[...]
        var inputOpen = true
        let deadline = ContinuousClock.now + .milliseconds(Int64((timeout * 1000).rounded(.up)))
        var status: Int32 = 0
        while true {
            if inputOpen {
                // Non-blocking: a command that does not read its stdin cannot stall the timeout.
                let written = input.withUnsafeBytes { write(spawned.input, $0.baseAddress, $0.count) }
                if written > 0 { input = input.dropFirst(written) }
                if input.isEmpty || (written < 0 && errno != EAGAIN && errno != EINTR) {
                    close(spawned.input)  // the end of its stdin (or it closed it: EPIPE)
                    inputOpen = false
                }
            }
            let waited = waitpid(spawned.pid, &status, WNOHANG)
            if waited == spawned.pid { break }
            if waited < 0 && errno != EINTR {
                if inputOpen { close(spawned.input) }
                return .failed("could not be waited for: \(POSIXErrorText(errno).sentence)")
            }
            if ContinuousClock.now >= deadline {
                killpg(spawned.pid, SIGKILL)  // the shell and everything it started
                if inputOpen { close(spawned.input) }
                while waitpid(spawned.pid, &status, 0) < 0 && errno == EINTR {}
                return .failed("timed out after \(TableFormatter.span(timeout))")
            }
            usleep(inputOpen ? 1000 : 5000)
        }
        if inputOpen { close(spawned.input) }
        let signal = status & 0x7f
        guard signal == 0 else { return .failed("was killed by signal \(signal)") }
        let code = (status >> 8) & 0xff
        return code == 0 ? .delivered("exited 0") : .failed("exited \(code)")
    }

    /// Starts `arguments` with `environment` and a pipe on stdin (its write end, non-blocking,
    /// is returned); stdout and stderr are notify's own. The child starts with no signal
    /// blocked and every signal at its default action (notify ignores SIGPIPE, and a blocked
    /// or ignored signal would otherwise be inherited), as the leader of a new process group.
    private static func spawn(_ arguments: [String], environment: [String: String]) -> Result<
        (pid: pid_t, input: Int32), POSIXErrorText
    > {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return .failure(POSIXErrorText(errno)) }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        defer { close(readEnd) }
        // Close-on-exec: the child gets the read end only as its fd 0, the dup below. (Glibc's
        // module has no pipe2; no other thread of notify starts processes.)
        for end in [readEnd, writeEnd] { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, readEnd, 0)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignal = sigset_t()
        sigemptyset(&noSignal)
        posix_spawnattr_setsigmask(&attributes, &noSignal)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        sigdelset(&everySignal, SIGKILL)
        sigdelset(&everySignal, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard result == 0 else {
            close(writeEnd)
            return .failure(POSIXErrorText(result))
        }
        _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
        return .success((pid, writeEnd))
    }
}

/// An errno value as words.
struct POSIXErrorText: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
    var sentence: String { String(cString: strerror(code)) }
}

// MARK: - --webhook

/// `--webhook URL`: a POST of the change's JSON line, signed when there is a secret.
struct WebhookTarget: NotifyTarget {
    let url: URL
    /// The HMAC-SHA256 key of X-RunLedger-Signature, or nil to send none. Never printed.
    let secret: [UInt8]?
    /// Seconds an attempt may take: the request's timeout.
    let timeout: Double
    private let session: URLSession

    init(url: URL, secret: [UInt8]?, timeout: Double) {
        self.url = url
        self.secret = secret
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        session = URLSession(configuration: configuration, delegate: RefuseRedirects(), delegateQueue: nil)
    }

    var description: String { "webhook \(name)" }

    /// The URL, without a password it may hold.
    var name: String {
        guard url.password != nil, var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            return url.absoluteString
        }
        components.password = "***"
        return components.string ?? url.absoluteString
    }

    /// The headers of a delivery of `body`, the signature's among them when there is a secret.
    func headers(for delivery: Delivery, body: Data) -> [String: String] {
        var headers = [
            "Content-Type": "application/json", "User-Agent": "runledger/0.1.0",
            "X-RunLedger-Seq": String(delivery.change.seq),
            "X-RunLedger-Delivery": "\(delivery.consumer):\(delivery.change.seq)",
        ]
        if let secret { headers["X-RunLedger-Signature"] = "sha256=" + HMACSHA256.hex(key: secret, message: body) }
        return headers
    }

    func attempt(_ delivery: Delivery) -> Attempt {
        let body = Data(delivery.line.utf8)
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        for (field, value) in headers(for: delivery, body: body) { request.setValue(value, forHTTPHeaderField: field) }
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { _, response, error in
            answer.set(response: response, error: error)
            done.signal()
        }
        task.resume()
        done.wait()
        if let error = answer.error {
            if let error = error as? URLError, error.code == .timedOut {
                return .failed("did not answer within \(TableFormatter.span(timeout))")
            }
            return .failed("could not be reached: \(error.localizedDescription)")
        }
        guard let response = answer.response as? HTTPURLResponse else { return .failed("gave no HTTP answer") }
        let status = response.statusCode
        return (200..<300).contains(status) ? .delivered("answered \(status)") : .failed("answered \(status)")
    }
}

/// The request's outcome, handed from URLSession's queue to the waiting thread (set before
/// `done.signal()`, read after `done.wait()`).
private final class Answer: @unchecked Sendable {
    private(set) var response: URLResponse?
    private(set) var error: (any Error)?
    func set(response: URLResponse?, error: (any Error)?) {
        self.response = response
        self.error = error
    }
}

/// A redirect is answered as it is (a failed attempt unless 2xx): a webhook's POST is not
/// followed elsewhere, where it might turn into a GET or carry the signature to another host.
private final class RefuseRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
