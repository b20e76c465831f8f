// runledger-bench: the benchmark workloads through the public RunLedger API, as a user would
// call it. Same options and output as ledger-bench-c (see Sources/LedgerBenchC/main.c); the
// ratio of the two, measured side by side by Scripts/bench.sh, is the library's cost.

import Foundation
import RunLedger

struct Options {
    var workload = ""
    var db = ""
    var runs = 100_000
    var batch = 1000
    var operations = 5000
    var lookups = 10_000
    var durability = Ledger.Configuration.Durability.normal
    var seed: UInt64 = 1
}

func fail(_ message: String, _ code: Int32 = 70) -> Never {
    FileHandle.standardError.write(Data("runledger-bench: \(message)\n".utf8))
    exit(code)
}

func parse() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst()
    guard let workload = arguments.popFirst() else { fail("usage: runledger-bench w1|w2|w3|w4|contend --db PATH", 64) }
    options.workload = workload
    while let flag = arguments.popFirst() {
        guard let value = arguments.popFirst() else { fail("\(flag) needs a value", 64) }
        switch flag {
        case "--db": options.db = value
        case "--runs": options.runs = Int(value) ?? 0
        case "--batch": options.batch = Int(value) ?? 0
        case "--operations": options.operations = Int(value) ?? 0
        case "--lookups": options.lookups = Int(value) ?? 0
        case "--sync": options.durability = value == "full" ? .full : .normal
        case "--seed": options.seed = UInt64(value) ?? 1
        default: fail("unknown option \(flag)", 64)
        }
    }
    if options.db.isEmpty { fail("--db is required", 64) }
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

/// Eight digits with leading zeros, as the C side's "%08d" (without Foundation's format
/// machinery, which would be the benchmark's own cost, not the library's).
func padded(_ number: Int) -> String {
    let digits = String(number)
    return digits.count >= 8 ? digits : String(repeating: "0", count: 8 - digits.count) + digits
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let options = parse()
let ledger: Ledger
do {
    ledger = try Ledger(path: options.db, configuration: .init(mode: .readWrite, durability: options.durability))
} catch {
    fail("cannot open \(options.db): \(error)")
}

let path = ["RUNNING", "PENDING", "RUNNING", "COMPLETED"]
var operations = 0
var median = 0.0
var errors = 0
var total = 0.0
do {
    let start = DispatchTime.now().uptimeNanoseconds
    defer { total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    switch options.workload {
    case "w1":
        // start N runs and move each through 4 transitions, `batch` operations a transaction.
        var pending: [(run: Int, step: Int)] = []
        for run in 0..<options.runs { for step in 0..<5 { pending.append((run, step)) } }
        do {
            for chunk in stride(from: 0, to: pending.count, by: options.batch) {
                let slice = pending[chunk..<min(chunk + options.batch, pending.count)]
                try ledger.batch { batch in
                    for (run, step) in slice {
                        let id = "w1-" + padded(run)
                        if step == 0 {
                            try batch.start(job: "job-\(run % 100)", lifecycle: "canonical", id: id, state: "PENDING")
                        } else {
                            try batch.transition(id, to: path[step - 1])
                        }
                    }
                }
            }
        }
        operations = pending.count
    case "w2":
        for index in 0..<options.operations {
            try ledger.transition("w2-\(index % 1000)", to: (index / 1000) % 2 == 0 ? "RUNNING" : "PENDING")
        }
        operations = options.operations
    case "w3":
        var generator = Generator(state: options.seed)
        var times: [Double] = []
        times.reserveCapacity(options.lookups)
        var rows = 0
        for _ in 0..<options.lookups {
            let id = "fill-" + padded(Int(generator.next() % UInt64(options.runs)))
            times.append(try seconds { rows += try ledger.history(of: id).count })
        }
        if rows == 0 { fail("no history rows read") }
        median = times.sorted()[times.count / 2]
        operations = options.lookups
    case "w4":
        let stats = try ledger.stats()
        if stats.isEmpty { fail("no stats") }
        operations = 1
    case "contend":
        var generator = Generator(state: options.seed)
        for _ in 0..<options.operations {
            let id = "w5-\(generator.next() % 16)"
            do {
                try ledger.batch { batch in
                    guard let state = try batch.run(id: id)?.state else { fail("no such run \(id)") }
                    try batch.transition(id, to: state == "PENDING" ? "RUNNING" : "PENDING", expecting: state)
                }
            } catch {
                errors += 1
                FileHandle.standardError.write(Data("\(error)\n".utf8))
            }
        }
        operations = options.operations
    default:
        fail("unknown workload \(options.workload)", 64)
    }
} catch {
    fail("\(options.workload): \(error)")
}
print(
    "{\"workload\": \"\(options.workload)\", \"side\": \"swift\", \"seconds\": \(total), \"operations\": \(operations),"
        + " \"median_seconds\": \(median), \"errors\": \(errors), \"peak_rss_kb\": \(peakRSSKilobytes())}")
