// runledger-bench-postgres: the PostgreSQL benchmark workloads through the public RunLedger
// API (`Ledger(postgres:)`), as a user would call it. Same workloads, options and output as
// ledger-bench-pq (see Sources/LedgerBenchPQ/main.c); the ratio of the two, measured side by
// side by Scripts/bench.sh, is the library's cost. A target of its own so that the SQLite
// benchmark (runledger-bench) does not link libpq.
//
//   transitions --uri URI --clients N --operations M --runs R [--prefix P]
//   history --uri URI --runs N --lookups L --seed S
//   stats --uri URI

import Dispatch
import Foundation
import RunLedger
import RunLedgerPostgres
import Synchronization

struct Options {
    var workload = ""
    var uri = ""
    var clients = 1
    var operations = 1000
    var runs = 100
    var lookups = 1000
    var prefix = "pq"
    var seed: UInt64 = 1
}

func fail(_ message: String, _ code: Int32 = 70) -> Never {
    FileHandle.standardError.write(Data("runledger-bench-postgres: \(message)\n".utf8))
    exit(code)
}

func parse() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst()
    guard let workload = arguments.popFirst() else {
        fail("usage: runledger-bench-postgres transitions|history|stats --uri URI [options]", 64)
    }
    options.workload = workload
    while let flag = arguments.popFirst() {
        guard let value = arguments.popFirst() else { fail("\(flag) needs a value", 64) }
        switch flag {
        case "--uri": options.uri = value
        case "--clients": options.clients = Int(value) ?? 0
        case "--operations": options.operations = Int(value) ?? 0
        case "--runs": options.runs = Int(value) ?? 0
        case "--lookups": options.lookups = Int(value) ?? 0
        case "--prefix": options.prefix = value
        case "--seed": options.seed = UInt64(value) ?? 1
        default: fail("unknown option \(flag)", 64)
        }
    }
    if options.uri.isEmpty { fail("--uri is required", 64) }
    if options.clients < 1 || options.runs < 1 || options.operations < options.clients || options.lookups < 1 {
        fail("sizes must be positive, and at least one operation per client", 64)
    }
    return options
}

/// SplitMix64, the same sequence as the C side's.
struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func peakRSSKilobytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
    }
    return 0
}

/// Eight digits with leading zeros, as the C side's "%08d".
func padded(_ number: Int) -> String {
    let digits = String(number)
    return digits.count >= 8 ? digits : String(repeating: "0", count: 8 - digits.count) + digits
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func seconds(since start: UInt64) -> Double { Double(now() - start) / 1e9 }

/// The ledger as every client opens it: `durability: .full` is `synchronous_commit = on`.
func open(_ uri: String) -> Ledger {
    do {
        return try Ledger(
            postgres: uri, configuration: .init(mode: .readWrite, durability: .full, actor: "bench"))
    } catch {
        fail("cannot open \(uri): \(error)")
    }
}

/// What one client of `transitions` measured.
struct ClientResult: Sendable {
    var latencies: [Double] = []
    var errors = 0
}

/// N threads, each with its own ledger (its own connection) and its own runs: M transitions
/// in all, each its own transaction. Returns the wall time from the moment every ledger is
/// open until the last commit, the latencies and the errors.
func transitions(_ options: Options) -> (seconds: Double, latencies: [Double], errors: Int) {
    let ready = DispatchSemaphore(value: 0)
    let go = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    let results = Mutex<[ClientResult]>([])
    for client in 0..<options.clients {
        // M transitions in all; the first clients take one more when M is not a multiple of N.
        let share = options.operations / options.clients + (client < options.operations % options.clients ? 1 : 0)
        let (uri, runs, prefix) = (options.uri, options.runs, options.prefix)
        let thread = Thread {
            let ledger = open(uri)
            var result = ClientResult()
            result.latencies.reserveCapacity(share)
            let ids = (0..<runs).map { "\(prefix)-\(client)-\($0)" }
            ready.signal()
            go.wait()
            for index in 0..<share {
                // Run k of this client, flipped PENDING -> RUNNING on the first pass over its
                // runs, back on the second... (the same sequence as the C side's).
                let start = now()
                do {
                    try ledger.transition(ids[index % runs], to: (index / runs) % 2 == 0 ? "RUNNING" : "PENDING")
                } catch {
                    result.errors += 1
                    FileHandle.standardError.write(Data("\(error)\n".utf8))
                }
                result.latencies.append(seconds(since: start))
            }
            results.withLock { $0.append(result) }
            done.signal()
        }
        thread.start()
    }
    for _ in 0..<options.clients { ready.wait() }
    let start = now()
    for _ in 0..<options.clients { go.signal() }
    for _ in 0..<options.clients { done.wait() }
    let elapsed = seconds(since: start)
    let all = results.withLock { $0 }
    return (elapsed, all.flatMap(\.latencies), all.reduce(0) { $0 + $1.errors })
}

let options = parse()
var operations = 0
var median = 0.0
var errors = 0
var total = 0.0
do {
    switch options.workload {
    case "transitions":
        let measured = transitions(options)
        total = measured.seconds
        median = measured.latencies.sorted()[measured.latencies.count / 2]
        errors = measured.errors
        operations = measured.latencies.count
    case "history":
        let ledger = open(options.uri)
        var generator = Generator(state: options.seed)
        var times: [Double] = []
        times.reserveCapacity(options.lookups)
        var rows = 0
        let start = now()
        for _ in 0..<options.lookups {
            let id = "fill-" + padded(Int(generator.next() % UInt64(options.runs)))
            let lookup = now()
            rows += try ledger.history(of: id).count
            times.append(seconds(since: lookup))
        }
        total = seconds(since: start)
        if rows == 0 { fail("no history rows read") }
        median = times.sorted()[times.count / 2]
        operations = options.lookups
    case "stats":
        let ledger = open(options.uri)
        let start = now()
        let stats = try ledger.stats()
        total = seconds(since: start)
        if stats.isEmpty { fail("no stats") }
        operations = 1
    default:
        fail("unknown workload \(options.workload)", 64)
    }
} catch {
    fail("\(options.workload): \(error)")
}
print(
    "{\"workload\": \"\(options.workload)\", \"side\": \"swift\", \"seconds\": \(total), \"operations\": \(operations),"
        + " \"clients\": \(options.workload == "transitions" ? options.clients : 1), \"median_seconds\": \(median),"
        + " \"errors\": \(errors), \"peak_rss_kb\": \(peakRSSKilobytes())}")
exit(errors == 0 ? 0 : 1)
