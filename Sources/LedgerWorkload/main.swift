// LedgerWorkload: drives a ledger from a separate process, for the multi-process, crash and
// contention suites (and the benchmarks).
//
//   LedgerWorkload contend --db PATH --runs N --operations M --seed S --log FILE [--threads T]
//       Each of T threads (own connection) picks one of N shared runs of the `canonical`
//       lifecycle at random (starting it if missing), reads its state, and moves it to a
//       random non-terminal next state with that state as the expected one (compare-and-set).
//       Every acknowledged change goes to FILE as "seq run from to". The summary line on
//       stdout counts outcomes: ok=… conflicts=… duplicates=… busy=… other=…
//
//   LedgerWorkload crash-writer --db PATH --log FILE --seed S [--durability full|normal]
//       Writes until killed: starts runs and moves them around the canonical lifecycle, one
//       transaction per call (some calls are batches of several). After each call returns,
//       appends what it acknowledged to FILE ("seq run from to" per change) and fsyncs FILE,
//       so FILE never claims more than the ledger committed.
//
//   LedgerWorkload fleet --db PATH --process P --seed S [--threads T] [--operations M]
//                        [--runs N] [--keys K] [--seconds D]
//       One process of a fleet writing one ledger (FleetTests): each of T threads (own
//       connection) makes M calls, or as many as D seconds allow, on the runs the test set up
//       (FleetTests.swift describes them): compare-and-set transitions of shared runs, starts
//       and ends of runs of limit-1 jobs, requests under keys every process shares, retries.
//       Prints one JSON object per line on stdout: each acknowledged change or start
//       ("ack"), each error that is not one of the call's typed conflicts ("unexpected"),
//       and a summary per thread.
//
// Every mode opens a PostgreSQL ledger when PATH is a postgresql:// (or postgres://) URI.

import Foundation
import RunLedger
import RunLedgerPostgres

struct Options: Sendable {
    var mode = ""
    var db = ""
    var runs = 4
    var operations = 200
    var seed: UInt64 = 1
    var log = ""
    var threads = 1
    var durability = Ledger.Configuration.Durability.normal
    var process = 0
    var keys = 8
    var seconds = 30.0
}

func parse(_ arguments: [String]) -> Options? {
    var options = Options()
    var iterator = arguments.makeIterator()
    guard let mode = iterator.next(), ["contend", "crash-writer", "fleet"].contains(mode) else { return nil }
    if mode == "fleet" { options.log = "-" }
    options.mode = mode
    while let flag = iterator.next() {
        guard let value = iterator.next() else { return nil }
        switch flag {
        case "--db": options.db = value
        case "--runs": options.runs = Int(value) ?? 0
        case "--operations": options.operations = Int(value) ?? 0
        case "--seed": options.seed = UInt64(value) ?? 0
        case "--log": options.log = value
        case "--threads": options.threads = Int(value) ?? 0
        case "--process": options.process = Int(value) ?? -1
        case "--keys": options.keys = Int(value) ?? 0
        case "--seconds": options.seconds = Double(value) ?? 0
        case "--durability":
            guard let durability = Ledger.Configuration.Durability(rawValue: value) else { return nil }
            options.durability = durability
        default: return nil
        }
    }
    let invalid =
        options.db.isEmpty || options.log.isEmpty || options.runs < 1 || options.threads < 1 || options.process < 0
        || options.keys < 1
    return invalid ? nil : options
}

/// SplitMix64: a tiny seeded generator, so a failing run can be repeated.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func fail(_ message: String, _ code: Int32) -> Never {
    FileHandle.standardError.write(Data("LedgerWorkload: \(message)\n".utf8))
    exit(code)
}

guard let options = parse(Array(CommandLine.arguments.dropFirst())) else {
    fail(
        "usage: LedgerWorkload contend --db PATH --runs N --operations M --seed S --log FILE [--threads T]\n"
            + "       LedgerWorkload crash-writer --db PATH --log FILE --seed S [--durability full|normal]\n"
            + "       LedgerWorkload fleet --db PATH --process P --seed S [--threads T] [--operations M] [--runs N]"
            + " [--keys K] [--seconds D]", 64)
}

/// The ledger at `db`: a PostgreSQL ledger for a postgresql:// URI, else a SQLite file.
@Sendable func openLedger(_ db: String, configuration: Ledger.Configuration) throws -> Ledger {
    Ledger.isPostgresURI(db)
        ? try Ledger(postgres: db, configuration: configuration) : try Ledger(path: db, configuration: configuration)
}

// MARK: - contend

/// Outcome counts of one contending thread, and what it acknowledged.
struct Tally: Sendable {
    var ok = 0
    var conflicts = 0
    var duplicates = 0
    var busy = 0
    var other = 0
    var log = ""
}

@Sendable func contend(thread: Int, options: Options) -> Tally {
    var generator = SeededGenerator(state: options.seed &* 1000 &+ UInt64(thread))
    var tally = Tally()
    let ledger: Ledger
    do {
        ledger = try openLedger(
            options.db, configuration: .init(durability: .normal, actor: "workload-\(options.seed)-\(thread)"))
    } catch {
        fail("cannot open: \(error)", 70)
    }
    guard let lifecycle = try? ledger.lifecycle(named: "canonical") else { fail("no canonical lifecycle", 70) }
    for _ in 0..<options.operations {
        let runID = "shared-\(Int.random(in: 0..<options.runs, using: &generator))"
        do {
            guard let run = try ledger.run(id: runID) else {
                let run = try ledger.start(job: "contend-\(runID)", id: runID, state: "PENDING")
                tally.log += "\(try ledger.history(of: run.id)[0].seq) \(runID) - PENDING\n"
                tally.ok += 1
                continue
            }
            let targets = lifecycle.transitions(from: run.state).filter {
                $0.action == nil && lifecycle.state(named: $0.to)?.isTerminal == false
            }
            guard let target = targets.randomElement(using: &generator) else { continue }
            let change = try ledger.transition(runID, to: target.to, expecting: run.state)
            tally.log += "\(change.seq) \(runID) \(change.from ?? "-") \(change.to)\n"
            tally.ok += 1
        } catch LedgerError.expectedStateConflict {
            tally.conflicts += 1
        } catch LedgerError.duplicateRun {
            tally.duplicates += 1
        } catch let error as SQLiteError where error.code == .busy || error.code == .locked {
            tally.busy += 1
            FileHandle.standardError.write(Data("\(error)\n".utf8))
        } catch {
            tally.other += 1
            FileHandle.standardError.write(Data("\(error)\n".utf8))
        }
    }
    return tally
}

/// Slots that concurrent threads fill.
final class Slots: @unchecked Sendable {
    // Safe: every access to `values` holds `lock`.
    private let lock = NSLock()
    private var values: [Tally]

    init(count: Int) { values = Array(repeating: Tally(), count: count) }

    func set(_ index: Int, _ tally: Tally) {
        lock.lock()
        values[index] = tally
        lock.unlock()
    }

    var all: [Tally] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }
}

// MARK: - crash-writer

/// Appends to the acknowledgement file and makes it durable before returning.
final class AckLog {
    private let descriptor: Int32

    init(path: String) {
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if descriptor < 0 { fail("cannot open \(path)", 74) }
    }

    func append(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { buffer in
                buffer.baseAddress.map { write(descriptor, $0, buffer.count) } ?? 0
            }
            if written <= 0 { fail("cannot write the acknowledgement log", 74) }
            offset += written
        }
        if fsync(descriptor) != 0 { fail("cannot fsync the acknowledgement log", 74) }
    }
}

func crashWriter(options: Options) -> Never {
    var generator = SeededGenerator(state: options.seed)
    let acks = AckLog(path: options.log)
    let ledger: Ledger
    do {
        ledger = try openLedger(
            options.db, configuration: .init(durability: options.durability, actor: "crash-writer"))
    } catch {
        fail("cannot open: \(error)", 70)
    }
    // The canonical cycle that never ends a run: a run can be driven forever.
    let next = [
        "SCHEDULED": ["PENDING", "RUNNING"], "PENDING": ["RUNNING", "SCHEDULED"], "RUNNING": ["SCHEDULED", "PENDING"],
    ]
    var live: [String] = []
    var counter = 0
    while true {
        do {
            if live.count < 8 || Int.random(in: 0..<10, using: &generator) == 0 {
                counter += 1
                let run = try ledger.start(
                    job: "crash-\(options.seed)", id: "c\(options.seed)-\(counter)-\(Timestamp.now.rawValue)")
                let first = try ledger.history(of: run.id)[0]
                acks.append("\(first.seq) \(run.id) - \(first.to)\n")
                live.append(run.id)
            } else if Int.random(in: 0..<4, using: &generator) == 0 {
                // A batch of several changes: acknowledged together, after the commit.
                let picks = (0..<3).map { _ in live[Int.random(in: 0..<live.count, using: &generator)] }
                let changes = try ledger.batch { batch -> [StateChange] in
                    var made: [StateChange] = []
                    for id in picks {
                        guard let state = try batch.run(id: id)?.state, let targets = next[state] else { continue }
                        made.append(try batch.transition(id, to: targets[made.count % targets.count], expecting: state))
                    }
                    return made
                }
                acks.append(changes.map { "\($0.seq) \($0.runID) \($0.from ?? "-") \($0.to)\n" }.joined())
            } else {
                let id = live[Int.random(in: 0..<live.count, using: &generator)]
                guard let state = try ledger.run(id: id)?.state, let targets = next[state] else { continue }
                let change = try ledger.transition(
                    id, to: targets[Int.random(in: 0..<targets.count, using: &generator)], expecting: state)
                acks.append("\(change.seq) \(change.runID) \(change.from ?? "-") \(change.to)\n")
            }
        } catch {
            fail("unexpected error: \(error)", 70)
        }
    }
}

// MARK: - fleet

/// Writes whole lines to stdout, one thread at a time, as they happen: what a process
/// acknowledged is on stdout even if it dies later.
final class LineWriter: Sendable {
    private let lock = NSLock()

    func write(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            fail("cannot encode \(object)", 70)
        }
        lock.lock()
        FileHandle.standardOutput.write(data + Data("\n".utf8))
        lock.unlock()
    }
}

/// One thread of a fleet process. The runs it uses are set up by FleetTests:
/// - `cas-0`...`cas-<runs-1>` (canonical): compare-and-set moves among SCHEDULED, PENDING and RUNNING;
/// - jobs `solo` (canonical, skip state SKIPPED) and `solo-cue` (opencue, none), limit 1:
///   starts of runs of their own, which they end later;
/// - `keyed-0`...`keyed-<keys-1>` (canonical, PENDING), moved only under the request key
///   `key-<i>`, which every process sends, to one of three targets; and `decoy` (openlineage,
///   RUNNING, which may go to RUNNING again), to which a key is sometimes sent instead;
/// - `retry-0`...`retry-3` (prefect, Running, at most 2 retries): Running/Retrying ->
///   AwaitingRetry -> Retrying, compare-and-set;
/// - `chain-0`, `chain-1` (prefect, Running, at most 2 retries): the last run of the chain
///   fails, then a retry is started with it as parent.
@Sendable func fleetThread(thread: Int, options: Options, output: LineWriter) {
    var generator = SeededGenerator(
        state: options.seed &* 1_000_003 &+ UInt64(options.process) &* 1000 &+ UInt64(thread))
    let actor = "fleet-\(options.process)-\(thread)"
    let ledger: Ledger
    do {
        ledger = try openLedger(options.db, configuration: .init(mode: .readWrite, durability: .normal, actor: actor))
    } catch {
        output.write([
            "kind": "unexpected", "actor": actor, "call": "open", "error": "\(type(of: error))", "message": "\(error)",
        ])
        return
    }
    let deadline = Date().addingTimeInterval(options.seconds)
    var counts: [String: Int] = [:]
    /// This thread's active runs of the limit-1 jobs.
    var mine: [(id: String, job: String)] = []
    var started = 0
    let moves = [
        "SCHEDULED": ["PENDING", "RUNNING"], "PENDING": ["RUNNING", "SCHEDULED"], "RUNNING": ["SCHEDULED", "PENDING"],
    ]

    var began: Int64 = 0
    func microseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

    func ack(_ call: String, _ change: StateChange, _ extra: [String: Any] = [:]) {
        var object: [String: Any] = [
            "kind": "ack", "actor": actor, "call": call, "run": change.runID, "from": change.from ?? "-",
            "to": change.to, "seq": change.seq,
        ]
        if let key = change.requestKey { object["key"] = key }
        object["t0"] = began
        object["t1"] = microseconds()
        output.write(object.merging(extra) { $1 })
        counts["ok", default: 0] += 1
    }

    for index in 0..<options.operations where Date() < deadline {
        let roll = Int.random(in: 0..<100, using: &generator)
        // When the call began (and, in its acknowledgement, when it returned), in microseconds
        // of the wall clock every process shares: what was true between two calls.
        began = microseconds()
        var call = "cas"
        // Typed refusals this call may meet under contention: counted, not reported.
        var conflicts: Set<String> = ["expectedStateConflict"]
        do {
            switch roll {
            case 0..<30:
                call = "cas"
                let id = "cas-\(Int.random(in: 0..<options.runs, using: &generator))"
                guard let state = try ledger.run(id: id)?.state, let targets = moves[state] else {
                    fail("no run \(id), or it left the cycle", 70)
                }
                ack(
                    call,
                    try ledger.transition(
                        id, to: targets[Int.random(in: 0..<targets.count, using: &generator)], expecting: state))
            case 30..<38:
                // Two compare-and-set moves in one batch, in id order (so that two batches lock
                // the same runs in the same order); a refused one does not stop the other.
                call = "batch"
                let ids = Set((0..<2).map { _ in "cas-\(Int.random(in: 0..<options.runs, using: &generator))" })
                    .sorted()
                let picks = ids.map { ($0, Int.random(in: 0..<2, using: &generator)) }
                // A caller's batch can meet a deadlock on a server (through the stats rows its
                // changes update, whatever the order of its runs); the library does not rerun
                // a caller's closure, so the caller does, as Ledger.batch's documentation says.
                let changes = try rerunningOnDeadlock {
                    try ledger.batch { batch -> [StateChange] in
                        var made: [StateChange] = []
                        for (id, choice) in picks {
                            guard let state = try batch.run(id: id)?.state, let targets = moves[state] else { continue }
                            do {
                                made.append(try batch.transition(id, to: targets[choice], expecting: state))
                            } catch LedgerError.expectedStateConflict {
                                continue
                            }
                        }
                        return made
                    }
                }
                for change in changes { ack(call, change) }
            case 38..<56:
                call = "start"
                conflicts = ["concurrencyLimitReached"]
                let cue = Int.random(in: 0..<3, using: &generator) == 0
                let job = cue ? "solo-cue" : "solo"
                started += 1
                let id = "solo-\(options.process)-\(thread)-\(started)"
                let run = try ledger.start(
                    job: job, lifecycle: cue ? "opencue" : "canonical", id: id, state: cue ? "pending" : "PENDING")
                let first = try ledger.history(of: id)
                output.write([
                    "kind": "ack", "actor": actor, "call": call, "run": id, "job": job, "state": run.state,
                    "seq": first.first?.seq ?? -1, "t0": began, "t1": microseconds(),
                ])
                counts["ok", default: 0] += 1
                if !run.isTerminal { mine.append((id, job)) }
            case 56..<68:
                // This thread's oldest active run moves on: pending to running, running to its end
                // (a kill, for OpenCue, half the time). No other thread moves it: any error is
                // unexpected.
                call = "end"
                conflicts = []
                guard let (id, job) = mine.first else { continue }
                let cue = job == "solo-cue"
                let state = try ledger.run(id: id)?.state ?? "-"
                let change: StateChange
                switch state {
                case "PENDING", "pending":
                    change = try ledger.transition(id, to: cue ? "running" : "RUNNING", expecting: state)
                case "running" where Bool.random(using: &generator):
                    change = try ledger.perform("kill", on: id, expecting: state)
                default: change = try ledger.transition(id, to: cue ? "complete" : "COMPLETED", expecting: state)
                }
                if change.to != "RUNNING" && change.to != "running" { mine.removeFirst() }
                ack(call, change)
            case 68..<84:
                call = "key"
                conflicts = ["requestKeyReused"]
                let key = Int.random(in: 0..<options.keys, using: &generator)
                let decoy = Int.random(in: 0..<8, using: &generator) == 0
                let targets = ["RUNNING", "SCHEDULED", "CANCELLED"]
                let target = decoy ? "RUNNING" : targets[Int.random(in: 0..<targets.count, using: &generator)]
                ack(call, try ledger.transition(decoy ? "decoy" : "keyed-\(key)", to: target, requestKey: "key-\(key)"))
            case 84..<94:
                call = "retry"
                conflicts = ["expectedStateConflict", "retriesExhausted"]
                let id = "retry-\(Int.random(in: 0..<4, using: &generator))"
                guard let state = try ledger.run(id: id)?.state else { fail("no run \(id)", 70) }
                let target = state == "AwaitingRetry" ? "Retrying" : "AwaitingRetry"
                ack(call, try ledger.transition(id, to: target, expecting: state))
            default:
                call = "chain"
                conflicts = ["expectedStateConflict", "retriesExhausted"]
                let root = "chain-\(Int.random(in: 0..<2, using: &generator))"
                guard let last = try ledger.chain(of: root).max(by: { $0.attempt < $1.attempt }) else { continue }
                if !last.isTerminal {
                    ack(call, try ledger.transition(last.id, to: "Failed", expecting: last.state))
                } else {
                    started += 1
                    let id = "\(root)-\(options.process)-\(thread)-\(started)"
                    let run = try ledger.start(
                        job: root, lifecycle: "prefect", id: id, state: "Running", parent: last.id)
                    output.write([
                        "kind": "ack", "actor": actor, "call": "retry-start", "run": id, "parent": last.id,
                        "attempt": run.attempt, "state": run.state,
                    ])
                    counts["ok", default: 0] += 1
                }
            }
        } catch let error as LedgerError {
            let name = Mirror(reflecting: error).children.first?.label ?? "\(error)"
            if conflicts.contains(name) {
                counts[name, default: 0] += 1
            } else {
                counts["unexpected", default: 0] += 1
                output.write([
                    "kind": "unexpected", "actor": actor, "call": call, "index": index, "error": "LedgerError.\(name)",
                    "message": "\(error)",
                ])
            }
        } catch {
            counts["unexpected", default: 0] += 1
            var object: [String: Any] = [
                "kind": "unexpected", "actor": actor, "call": call, "index": index, "error": "\(type(of: error))",
                "message": "\(error)",
            ]
            if let error = error as? PostgresError { object["sqlstate"] = error.sqlState ?? "" }
            output.write(object)
        }
    }
    output.write(["kind": "summary", "actor": actor, "counts": counts, "left_active": mine.map(\.id)])
}

// MARK: - main

if options.mode == "crash-writer" { crashWriter(options: options) }

if options.mode == "fleet" {
    let output = LineWriter()
    let settings = options
    DispatchQueue.concurrentPerform(iterations: settings.threads) { thread in
        fleetThread(thread: thread, options: settings, output: output)
    }
    exit(0)
}

let slots = Slots(count: options.threads)
let settings = options
DispatchQueue.concurrentPerform(iterations: settings.threads) { thread in
    slots.set(thread, contend(thread: thread, options: settings))
}
let all = slots.all
do {
    try all.map(\.log).joined().write(toFile: options.log, atomically: true, encoding: .utf8)
} catch {
    fail("cannot write \(options.log): \(error)", 74)
}
let sum = { (key: KeyPath<Tally, Int>) in all.map { $0[keyPath: key] }.reduce(0, +) }
print(
    "ok=\(sum(\.ok)) conflicts=\(sum(\.conflicts)) duplicates=\(sum(\.duplicates)) busy=\(sum(\.busy)) other=\(sum(\.other))"
)

/// Runs `body` again (up to 8 times) when a server failed it as a deadlock or a
/// serialization failure, which changed nothing.
@Sendable func rerunningOnDeadlock<T>(_ body: () throws -> T) throws -> T {
    for attempt in 1... {
        do {
            return try body()
        } catch let error as PostgresError where error.isTransient && attempt < 8 {
            usleep(UInt32(1_000 * attempt))
        }
    }
    preconditionFailure("the last attempt returns or throws")
}
