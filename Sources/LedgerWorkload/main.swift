// LedgerWorkload: drives a ledger from a separate process, for multi-process tests (and,
// later, the benchmarks and reliability suites).
//
// usage: LedgerWorkload contend --db PATH --runs N --operations M --seed S --log FILE
//
// Picks one of N shared runs of the `canonical` lifecycle at random (starting it if it does
// not exist yet), reads its state, and moves it to a random non-terminal next state with
// that state as the expected one (a compare-and-set). Every acknowledged change is written
// to FILE as "seq run from to"; the summary line on stdout counts outcomes:
//   ok=… conflicts=… duplicates=… busy=… other=…
// Anything other than a change, an expected-state conflict or a lost race to create a run
// counts as "other", and "busy" counts "database is locked" reaching the caller.

import Foundation
import RunLedger

struct Options {
    var db = ""
    var runs = 4
    var operations = 200
    var seed: UInt64 = 1
    var log = ""
}

func parse(_ arguments: [String]) -> Options? {
    var options = Options()
    var iterator = arguments.makeIterator()
    guard iterator.next() == "contend" else { return nil }
    while let flag = iterator.next() {
        guard let value = iterator.next() else { return nil }
        switch flag {
        case "--db": options.db = value
        case "--runs": options.runs = Int(value) ?? 0
        case "--operations": options.operations = Int(value) ?? 0
        case "--seed": options.seed = UInt64(value) ?? 0
        case "--log": options.log = value
        default: return nil
        }
    }
    return options.db.isEmpty || options.log.isEmpty || options.runs < 1 ? nil : options
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

guard let options = parse(Array(CommandLine.arguments.dropFirst())) else {
    FileHandle.standardError.write(
        Data("usage: LedgerWorkload contend --db PATH --runs N --operations M --seed S --log FILE\n".utf8))
    exit(64)
}

var generator = SeededGenerator(state: options.seed)
var counts = (ok: 0, conflicts: 0, duplicates: 0, busy: 0, other: 0)
var log = ""
do {
    let ledger = try Ledger(
        path: options.db, configuration: .init(durability: .normal, actor: "workload-\(options.seed)"))
    guard let lifecycle = try ledger.lifecycle(named: "canonical") else { exit(70) }
    for _ in 0..<options.operations {
        let runID = "shared-\(Int.random(in: 0..<options.runs, using: &generator))"
        do {
            guard let run = try ledger.run(id: runID) else {
                let run = try ledger.start(job: "contend", id: runID, state: "PENDING")
                log += "\(try ledger.history(of: run.id)[0].seq) \(runID) - PENDING\n"
                counts.ok += 1
                continue
            }
            let targets = lifecycle.transitions(from: run.state).filter {
                $0.action == nil && lifecycle.state(named: $0.to)?.isTerminal == false
            }
            guard let target = targets.randomElement(using: &generator) else { continue }
            let change = try ledger.transition(runID, to: target.to, expecting: run.state)
            log += "\(change.seq) \(runID) \(change.from ?? "-") \(change.to)\n"
            counts.ok += 1
        } catch LedgerError.expectedStateConflict {
            counts.conflicts += 1
        } catch LedgerError.duplicateRun {
            counts.duplicates += 1
        } catch let error as SQLiteError where error.code == .busy || error.code == .locked {
            counts.busy += 1
            FileHandle.standardError.write(Data("\(error)\n".utf8))
        } catch {
            counts.other += 1
            FileHandle.standardError.write(Data("\(error)\n".utf8))
        }
    }
} catch {
    FileHandle.standardError.write(Data("cannot open: \(error)\n".utf8))
    exit(70)
}
do {
    try log.write(toFile: options.log, atomically: true, encoding: .utf8)
} catch {
    FileHandle.standardError.write(Data("cannot write \(options.log): \(error)\n".utf8))
    exit(74)
}
print(
    "ok=\(counts.ok) conflicts=\(counts.conflicts) duplicates=\(counts.duplicates) busy=\(counts.busy) other=\(counts.other)"
)
