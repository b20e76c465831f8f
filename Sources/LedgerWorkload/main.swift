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

import Foundation
import RunLedger

struct Options: Sendable {
    var mode = ""
    var db = ""
    var runs = 4
    var operations = 200
    var seed: UInt64 = 1
    var log = ""
    var threads = 1
    var durability = Ledger.Configuration.Durability.normal
}

func parse(_ arguments: [String]) -> Options? {
    var options = Options()
    var iterator = arguments.makeIterator()
    guard let mode = iterator.next(), ["contend", "crash-writer"].contains(mode) else { return nil }
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
        case "--durability":
            guard let durability = Ledger.Configuration.Durability(rawValue: value) else { return nil }
            options.durability = durability
        default: return nil
        }
    }
    return options.db.isEmpty || options.log.isEmpty || options.runs < 1 || options.threads < 1 ? nil : options
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
            + "       LedgerWorkload crash-writer --db PATH --log FILE --seed S [--durability full|normal]", 64)
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
        ledger = try Ledger(
            path: options.db, configuration: .init(durability: .normal, actor: "workload-\(options.seed)-\(thread)"))
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
        ledger = try Ledger(
            path: options.db, configuration: .init(durability: options.durability, actor: "crash-writer"))
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

// MARK: - main

if options.mode == "crash-writer" { crashWriter(options: options) }

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
