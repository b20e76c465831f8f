import Foundation
import RunLedger
import Testing

/// `runledger notify`, black-box: the built binary delivering a ledger's changes to a loopback
/// webhook (webhook.py, which logs every request and checks its signature) and to shell
/// commands. It retries with a doubling backoff, moves the consumer's cursor only past what
/// it delivered or gave up on (a notify killed mid-delivery delivers the change again), records
/// a give-up on the run, kills a command that outlives --timeout with its process group, keeps
/// delivering with --follow, and refuses bad options (64).
///
/// No timing is asserted but lower bounds (a backoff is never shorter than asked); every wait
/// for another process polls for up to 20 s.
struct NotifyCommandTests {
    static let secret = "s3cret-for-tests"
    static let webhookScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("webhook.py").path

    // MARK: - Webhooks

    @Test(arguments: Ledger.Engine.allCases) func aWebhookThatFailsTwiceGetsTheChangeOnTheThirdAttempt(
        _ engine: Ledger.Engine
    ) throws {
        try withInitializedLedger(engine) { directory, database in
            let path = database.location
            let runs = try Self.someRuns(db: path, in: directory)
            let failed = try Self.line(of: runs.failed, db: path, in: directory)
            try withReceiver(["--fail-first", "2"], in: directory) { receiver in
                let result = try runledger(
                    [
                        "--db", path, "notify", "--consumer", "alerts", "--on", "FAILED,CRASHED", "--webhook",
                        receiver.url, "--backoff", "200ms", "--from", "0",
                    ], environment: ["RUNLEDGER_WEBHOOK_SECRET": Self.secret], in: directory)
                #expect(result.status == 0, "\(result)")
                #expect(result.stdout.isEmpty, "\(result)")
                #expect(!result.stderr.contains(Self.secret), "\(result)")
                #expect(result.stderr.contains("attempt 1 of 6 failed: answered 503; next in 200ms"), "\(result)")
                #expect(result.stderr.contains("attempt 2 of 6 failed: answered 503; next in 400ms"), "\(result)")
                #expect(result.stderr.contains("delivered to webhook \(receiver.url) (answered 200) on attempt 3"))

                // Three requests, for the failed run only (the completed runs do not match).
                let requests = try receiver.requests()
                try #require(requests.count == 3, "\(requests)")
                #expect(requests.map(\.status) == [503, 503, 200])
                for request in requests {
                    #expect(request.method == "POST" && request.path == "/hook")
                    #expect(request.body == failed.text)
                    #expect(request.signatureOK == true, "signature: \(request.headers)")
                    #expect(request.headers["x-runledger-seq"] == String(failed.seq))
                    #expect(request.headers["x-runledger-delivery"] == "alerts:\(failed.seq)")
                    #expect(request.headers["content-type"] == "application/json")
                    #expect(request.headers["user-agent"] == "runledger/0.1.0")
                }
                let body = try #require(
                    try JSONSerialization.jsonObject(with: Data(requests[0].body.utf8)) as? [String: Any])
                #expect((body["seq"] as? NSNumber)?.int64Value == failed.seq)
                #expect(body["run_id"] as? String == runs.failed)
                #expect(body["to_state"] as? String == "FAILED")

                // The waits: at least the backoff, then at least twice it (lower bounds only).
                let first = requests[1].time - requests[0].time
                let second = requests[2].time - requests[1].time
                #expect(first >= 0.2, "gaps \(first), \(second)")
                #expect(second >= 0.4, "gaps \(first), \(second)")

                // The cursor went past the page (the last change is a completed run's).
                #expect(try Self.cursor("alerts", db: path, in: directory) == runs.newestSeq)
                #expect(try Self.annotations(of: runs.failed, db: path, in: directory).isEmpty)

                // Again: nothing is pending, nothing is sent.
                let again = try runledger(
                    [
                        "--db", path, "notify", "--consumer", "alerts", "--on", "FAILED,CRASHED", "--webhook",
                        receiver.url,
                    ], environment: ["RUNLEDGER_WEBHOOK_SECRET": Self.secret], in: directory)
                #expect(again.status == 0 && again.stdout.isEmpty && again.stderr.isEmpty, "\(again)")
                #expect(try receiver.requests().count == 3)
            }
        }
    }

    @Test func aNotifyKilledWhileWaitingToRetryDeliversTheChangeAgain() throws {
        try withInitializedLedger { directory, path in
            let runs = try Self.someRuns(db: path, in: directory)
            let failed = try Self.line(of: runs.failed, db: path, in: directory)
            try withReceiver(["--fail-first", "1"], in: directory) { receiver in
                let arguments = [
                    "--db", path, "notify", "--consumer", "alerts", "--on", "FAILED", "--webhook", receiver.url,
                ]
                // The first attempt fails, then notify waits a minute to retry: killed meanwhile.
                let first = try RunningProcess(
                    Binaries.runledger, arguments + ["--from", "0", "--backoff", "60s"], directory: directory)
                try withKilledAtTheEnd(first) {
                    try #require(
                        poll { (try? receiver.requests().count) == 1 }, "the first attempt never arrived")
                    kill(first.process.processIdentifier, SIGKILL)
                }
                // The change was not delivered: the cursor is still before it.
                let cursor = try #require(try Self.cursor("alerts", db: path, in: directory))
                #expect(cursor < failed.seq)

                let second = try runledger(arguments + ["--backoff", "200ms"], in: directory)
                #expect(second.status == 0 && second.stdout.isEmpty, "\(second)")
                let requests = try receiver.requests()
                #expect(requests.map(\.status) == [503, 200])
                #expect(Set(requests.map { $0.headers["x-runledger-delivery"] }) == ["alerts:\(failed.seq)"])
                #expect(requests.allSatisfy { $0.body == failed.text && $0.signatureOK == false })
                #expect(requests.allSatisfy { $0.headers["x-runledger-signature"] == nil })
                #expect(try Self.cursor("alerts", db: path, in: directory) == runs.newestSeq)
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aTargetThatAlwaysFailsIsGivenUpOnAndNotedOnTheRun(
        _ engine: Ledger.Engine
    ) throws {
        try withInitializedLedger(engine) { directory, database in
            let path = database.location
            let runs = try Self.someRuns(db: path, in: directory)
            // A second failure after the first: one bad target does not block the next change.
            let crashed = try Self.endedRun("etl-d", "CRASHED", db: path, in: directory)
            try withReceiver(["--always", "500"], in: directory) { receiver in
                let result = try runledger(
                    [
                        "--db", path, "notify", "--consumer", "alerts", "--on", "FAILED,CRASHED", "--webhook",
                        receiver.url, "--retries", "2", "--backoff", "50ms", "--from", "0",
                    ], in: directory)
                #expect(result.status == 0, "\(result)")
                #expect(result.stdout.isEmpty, "\(result)")
                #expect(result.stderr.contains("attempt 3 of 3 failed: answered 500; giving up"), "\(result)")

                let requests = try receiver.requests()
                #expect(requests.count == 6, "\(requests)")
                #expect(requests.allSatisfy { $0.status == 500 })
                for run in [runs.failed, crashed] {
                    let line = try Self.line(of: run, db: path, in: directory)
                    #expect(requests.filter { $0.body == line.text }.count == 3)
                    let annotations = try Self.annotations(of: run, db: path, in: directory)
                    try #require(annotations.count == 1, "\(annotations)")
                    let note = annotations[0]
                    #expect(note["kind"] as? String == "notify_failed")
                    #expect(note["actor"] as? String == "runledger notify")
                    #expect(
                        note["reason"] as? String
                            == "notify alerts: gave up after 3 attempts: webhook \(receiver.url) answered 500")
                    let meta = try #require(note["meta"] as? [String: Any], "\(note)")
                    #expect(meta["consumer"] as? String == "alerts")
                    #expect((meta["seq"] as? NSNumber)?.int64Value == line.seq)
                    #expect(meta["target"] as? String == receiver.url)
                    #expect((meta["attempts"] as? NSNumber)?.intValue == 3)
                    #expect(meta["error"] as? String == "answered 500")
                }
                // Past both, and the page.
                #expect(try Self.cursor("alerts", db: path, in: directory) == Self.newestSeq(db: path, in: directory))
            }
        }
    }

    // MARK: - Commands

    @Test func aCommandThatFailsOnceGetsTheChangeOnItsStdinTheSecondTime() throws {
        try withInitializedLedger { directory, path in
            let runs = try Self.someRuns(db: path, in: directory)
            let failed = try Self.line(of: runs.failed, db: path, in: directory)
            let command = """
                n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > count; cat > payload.json
                echo "$RUNLEDGER_SEQ|$RUNLEDGER_RUN_ID|$RUNLEDGER_JOB|$RUNLEDGER_STATE|$RUNLEDGER_CANONICAL_TYPE|$RUNLEDGER_CONSUMER" > env.txt
                grep -E '^Sig(Blk|Ign)' /proc/self/status > signals.txt
                [ "$n" -ge 2 ]
                """
            let result = try Self.runledgerWithSignalsBlocked(
                [
                    "--db", path, "notify", "--consumer", "pager", "--on", "failed", "--exec", command, "--backoff",
                    "50ms", "--from", "0",
                ], in: directory
            ).wait()
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.isEmpty, "\(result)")
            #expect(result.stderr.contains("attempt 1 of 6 failed: exited 1; next in 50ms"), "\(result)")
            #expect(result.stderr.contains("(exited 0) on attempt 2"), "\(result)")

            func file(_ name: String) throws -> String {
                try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            }
            #expect(try file("count") == "2\n")
            #expect(try file("payload.json") == failed.text + "\n")
            #expect(try file("env.txt") == "\(failed.seq)|\(runs.failed)|etl-b|FAILED|FAILED|pager\n")
            try Self.expectDefaultSignals(try file("signals.txt"))
            #expect(try Self.cursor("pager", db: path, in: directory) == runs.newestSeq)
        }
    }

    @Test func aCommandThatOutlivesTheTimeoutIsKilledWithItsGroup() throws {
        try withInitializedLedger { directory, path in
            let runs = try Self.someRuns(db: path, in: directory)
            // The shell starts a sleeper in the background and waits for it: both must die.
            let result = try runledger(
                [
                    "--db", path, "notify", "--consumer", "slow", "--on", "FAILED", "--exec",
                    "sleep 120 & echo $! > sleeper.pid; wait", "--timeout", "2s", "--retries", "0", "--from", "0",
                ], in: directory)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("attempt 1 of 1 failed: timed out after 2s; giving up"), "\(result)")
            let annotations = try Self.annotations(of: runs.failed, db: path, in: directory)
            #expect(
                annotations.first?["reason"] as? String
                    == "notify slow: gave up after 1 attempt: command 'sleep 120 & echo $! > sleeper.pid; wait' "
                    + "timed out after 2s")
            #expect(try Self.cursor("slow", db: path, in: directory) == runs.newestSeq)

            let pidText = try String(contentsOf: directory.appendingPathComponent("sleeper.pid"), encoding: .utf8)
            let pid = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
            // Gone, or a zombie waiting for a reaper: either way, not sleeping any more.
            #expect(
                poll {
                    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else {
                        return true
                    }
                    return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
                }, "the sleeper \(pid) outlived the timeout")
        }
    }

    // MARK: - Bad input

    @Test func badOptionsAreUsageErrors() throws {
        try withInitializedLedger { directory, path in
            let base = ["--db", path, "notify"]
            let hook = ["--webhook", "http://127.0.0.1:9/hook"]
            let cases: [([String], String)] = [
                (["--consumer", "a", "--on", "FAILED", "--exec", "true"] + hook, "not both"),
                (["--consumer", "a", "--on", "FAILED"], "Give --exec CMD or --webhook URL"),
                (
                    ["--consumer", "a", "--on", "FAILED", "--webhook", "ftp://127.0.0.1/hook"],
                    "'ftp://127.0.0.1/hook' is not an http:// or https:// URL"
                ),
                (["--consumer", "a", "--on", "FAILED", "--webhook", "not a url"], "is not an http:// or https://"),
                (["--consumer", "a", "--on", "FAILED,BROKEN"] + hook, "'BROKEN' is not a canonical type"),
                (["--on", "FAILED"] + hook, "--consumer"),
                (["--consumer", "a"] + hook, "--on"),
                (
                    ["--consumer", "a", "--on", "FAILED", "--secret-env", "RUNLEDGER_NOTIFY_TEST_UNSET"] + hook,
                    "the environment variable RUNLEDGER_NOTIFY_TEST_UNSET is not set"
                ),
                (["--consumer", "a", "--on", "FAILED", "--retries=-1"] + hook, "--retries must be 0 to 10000, not -1"),
                (
                    ["--consumer", "a", "--on", "FAILED", "--backoff", "soon"] + hook,
                    "--backoff 'soon' is not a duration"
                ),
                (["--consumer", "a", "--on", "FAILED", "--timeout", "0s"] + hook, "--timeout must be more than 0"),
                (["--consumer", "a", "--on", "FAILED", "--exec", "true", "--secret-env", "HOME"], "--secret-env"),
            ]
            for (arguments, text) in cases {
                let result = try runledger(base + arguments, in: directory)
                expectFailure(result, code: 64, mentioning: text)
            }
            // Nothing was made: no consumer.
            let consumers = try runledger(["--db", path, "consumers", "--format", "json"], in: directory)
            #expect(try jsonObjects(consumers.stdout).isEmpty, "\(consumers)")
        }
    }

    // MARK: - --follow

    @Test(arguments: Ledger.Engine.allCases) func followDeliversChangesCommittedAfterItStarted(_ engine: Ledger.Engine)
        throws
    {
        try withInitializedLedger(engine) { directory, database in
            let path = database.location
            _ = try Self.someRuns(db: path, in: directory)
            try withReceiver([], in: directory) { receiver in
                let notify = try RunningProcess(
                    Binaries.runledger,
                    [
                        "--db", path, "notify", "--consumer", "live", "--on", "FAILED", "--webhook", receiver.url,
                        "--follow",
                    ], directory: directory)
                try withKilledAtTheEnd(notify) {
                    // A new consumer starts at the newest change: once it exists, what follows is delivered.
                    try #require(
                        poll { (try? Self.cursor("live", db: path, in: directory)) != nil }, "no consumer made")
                    #expect(try receiver.requests().isEmpty, "the changes before it were delivered")
                    let run = try Self.endedRun("etl-live", "FAILED", db: path, in: directory)
                    let line = try Self.line(of: run, db: path, in: directory)
                    try #require(
                        poll { (try? receiver.requests().count) == 1 }, "the change was not delivered within 20 s")
                    let requests = try receiver.requests()
                    #expect(requests.first?.body == line.text)
                    #expect(requests.first?.status == 200)
                    #expect(
                        poll { ((try? Self.cursor("live", db: path, in: directory)) ?? 0) >= line.seq },
                        "the cursor did not move past the delivered change")
                    #expect(notify.process.isRunning)
                }
            }
        }
    }

    /// With --follow, commands are started from the feed's task, on a thread of the
    /// concurrency pool rather than the main thread: they too start with no signal blocked or
    /// ignored, whatever notify inherited.
    @Test func followRunsCommandsWithNoSignalBlockedOrIgnored() throws {
        try withInitializedLedger { directory, path in
            let notify = try Self.runledgerWithSignalsBlocked(
                [
                    "--db", path, "notify", "--consumer", "live", "--on", "FAILED", "--follow", "--exec",
                    "grep -E '^Sig(Blk|Ign)' /proc/self/status > signals.tmp && mv signals.tmp signals.txt",
                ], in: directory)
            try withKilledAtTheEnd(notify) {
                try #require(poll { (try? Self.cursor("live", db: path, in: directory)) != nil }, "no consumer made")
                _ = try Self.endedRun("etl-live", "FAILED", db: path, in: directory)
                let signals = directory.appendingPathComponent("signals.txt")
                try #require(
                    poll { FileManager.default.fileExists(atPath: signals.path) }, "the command did not run in 20 s")
                try Self.expectDefaultSignals(try String(contentsOf: signals, encoding: .utf8))
            }
        }
    }

    // MARK: - Helpers

    /// Starts `runledger` as a process started with signals blocked and ignored would (signal
    /// masks and ignored signals survive exec): SIGUSR1 and SIGTERM blocked, SIGHUP ignored
    /// (as nohup does) and SIGPIPE ignored (as Python does), so that a command notify starts
    /// shows whether notify reset them.
    static func runledgerWithSignalsBlocked(_ arguments: [String], in directory: URL) throws -> RunningProcess {
        let script = """
            import os, signal, sys
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM})
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            os.execv(sys.argv[1], sys.argv[1:])
            """
        return try RunningProcess(
            "/usr/bin/python3", ["-c", script, Binaries.runledger] + arguments, directory: directory)
    }

    /// Checks the SigBlk and SigIgn lines of a /proc/PID/status: nothing blocked or ignored
    /// (notify itself ignores SIGPIPE). Of the real-time signals, glibc's posix_spawn ignores its
    /// own two (32 and 33, which no program may use): the signals 1 to 31, bits 0 to 30, are at
    /// their defaults. (Ignored signals survive the shell; a blocked mask does not always:
    /// Debian's dash clears its own at startup, so there SigBlk is 0 even without
    /// POSIX_SPAWN_SETSIGMASK, and SigIgn is what shows the reset.)
    static func expectDefaultSignals(_ status: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let signals = status.split(separator: "\n").reduce(into: [String: UInt64]()) {
            let parts = $1.split(separator: "\t")
            $0[String(parts[0])] = UInt64(parts.last ?? "", radix: 16)
        }
        #expect(signals["SigBlk:"] == 0, "\(signals)", sourceLocation: sourceLocation)
        #expect(signals["SigIgn:"].map { $0 & 0x7FFF_FFFF } == 0, "\(signals)", sourceLocation: sourceLocation)
    }

    /// The runs of the tests: two completed (not delivered) around a failed one.
    struct Runs {
        let failed: String
        /// The seq of the newest change.
        let newestSeq: Int64
    }

    static func someRuns(db: String, in directory: URL) throws -> Runs {
        _ = try endedRun("etl-a", "COMPLETED", db: db, in: directory)
        let failed = try endedRun("etl-b", "FAILED", db: db, in: directory)
        _ = try endedRun("etl-c", "COMPLETED", db: db, in: directory)
        return Runs(failed: failed, newestSeq: try newestSeq(db: db, in: directory))
    }

    /// The seq of the ledger's newest change.
    static func newestSeq(db: String, in directory: URL) throws -> Int64 {
        let tail = try runledger(["--db", db, "tail", "--lines", "1"], in: directory)
        return try #require(try FeedLoadTests.lines(tail.stdout).last, "\(tail)").seq
    }

    /// A run of `job` started RUNNING and moved to `state` (two changes); its id.
    static func endedRun(_ job: String, _ state: String, db: String, in directory: URL) throws -> String {
        let start = try runledger(["--db", db, "start", job, "--state", "RUNNING"], in: directory)
        try #require(start.status == 0, "\(start)")
        let id = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let end = try runledger(["--db", db, "transition", id, state], in: directory)
        try #require(end.status == 0, "\(end)")
        return id
    }

    /// The run's last change as `tail` prints it (what notify must deliver), and its seq.
    static func line(of run: String, db: String, in directory: URL) throws -> (text: String, seq: Int64) {
        let tail = try runledger(["--db", db, "tail", "--from", "0"], in: directory)
        let text = try #require(
            tail.stdout.split(separator: "\n").last { $0.contains("\"run_id\": \"\(run)\"") }, "\(tail)")
        let seq = try #require(try FeedLoadTests.lines(String(text) + "\n").first?.seq)
        return (String(text), seq)
    }

    /// The consumer's cursor, or nil when there is no such consumer.
    static func cursor(_ name: String, db: String, in directory: URL) throws -> Int64? {
        let result = try runledger(["--db", db, "consumers", "--format", "json"], in: directory)
        try #require(result.status == 0, "\(result)")
        let consumer = try jsonObjects(result.stdout).first { $0["name"] as? String == name }
        return (consumer?["seq"] as? NSNumber)?.int64Value
    }

    /// The run's annotations, as `sql --format json` gives them.
    static func annotations(of run: String, db: String, in directory: URL) throws -> [[String: Any]] {
        let result = try runledger(
            [
                "--db", db, "sql",
                "SELECT kind, actor, reason, meta FROM run_annotations WHERE run_id = '\(run)'",
                "--format", "json",
            ], in: directory)
        try #require(result.status == 0, "\(result)")
        return try jsonObjects(result.stdout).map { row in
            var row = row
            if let meta = row["meta"] as? String {
                row["meta"] = try JSONSerialization.jsonObject(with: Data(meta.utf8))
            }
            return row
        }
    }
}

/// A request webhook.py logged.
struct LoggedRequest {
    let time: Double
    let method: String
    let path: String
    let headers: [String: String]
    let body: String
    let status: Int
    let signatureOK: Bool?
}

/// A webhook.py receiver on loopback.
struct Receiver {
    let port: Int
    let log: URL

    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// The requests so far, in order of arrival.
    func requests() throws -> [LoggedRequest] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { line in
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            return LoggedRequest(
                time: (object["time"] as? NSNumber)?.doubleValue ?? -1, method: object["method"] as? String ?? "",
                path: object["path"] as? String ?? "", headers: object["headers"] as? [String: String] ?? [:],
                body: object["body"] as? String ?? "", status: (object["status"] as? NSNumber)?.intValue ?? -1,
                signatureOK: object["signature_ok"] as? Bool)
        }
    }
}

/// Starts webhook.py (with the tests' secret in its environment) and runs `body` with it; the
/// server is killed afterwards, however `body` ends. A server that does not start fails the
/// test.
func withReceiver<T>(_ arguments: [String], in directory: URL, _ body: (Receiver) throws -> T) throws -> T {
    let log = directory.appendingPathComponent("requests-\(UUID().uuidString).jsonl")
    let server = try RunningProcess(
        "/usr/bin/python3", [NotifyCommandTests.webhookScript, log.path, "--lifetime", "600"] + arguments,
        environment: ["RUNLEDGER_WEBHOOK_SECRET": NotifyCommandTests.secret], directory: directory)
    return try withKilledAtTheEnd(server) {
        var port: Int?
        _ = poll {
            let output = (try? String(contentsOfFile: server.outputPath ?? "", encoding: .utf8)) ?? ""
            if output.hasSuffix("\n") { port = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return port != nil || !server.process.isRunning
        }
        guard let port else {
            if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) }
            let result = try server.wait()
            Issue.record("webhook.py did not start: \(result)")
            throw ReceiverDidNotStart()
        }
        return try body(Receiver(port: port, log: log))
    }
}

struct ReceiverDidNotStart: Error {}

/// Runs `body`, then kills `process` with SIGKILL if it still runs and reaps it, however
/// `body` ends.
func withKilledAtTheEnd<T>(_ process: RunningProcess, _ body: () throws -> T) throws -> T {
    defer {
        if process.process.isRunning { kill(process.process.processIdentifier, SIGKILL) }
        _ = try? process.wait()
    }
    return try body()
}

/// Whether `condition` became true within `seconds` (checked every 20 ms).
func poll(upTo seconds: Double = 20, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)  // polling another process, not timing anything
    }
    return condition()
}
