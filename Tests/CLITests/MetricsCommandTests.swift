import Foundation
import RunLedger
import Testing

/// `runledger metrics`, as node_exporter's textfile collector and a scrape see it: stdout and
/// the textfile hold the same text, the textfile is replaced atomically (a reader finds it
/// whole or not at all), a ledger over the job bound leaves it as it was, and Prometheus'
/// own parser reads what the binary prints.
struct MetricsCommandTests {
    /// 2026-01-01T00:00:00Z.
    static let t0 = Timestamp(rawValue: 1_767_225_600_000_000)

    /// `jobs` jobs with one ended run each (COMPLETED or FAILED) and, with `active`, one
    /// active run each (whose age changes from one call to the next).
    static func fill(_ database: TestDatabase, jobs: Int, active: Bool) throws {
        let ledger = try database.open()
        try ledger.batch { batch in
            for index in 0..<jobs {
                let at = Timestamp(rawValue: t0.rawValue + Int64(index) * 1_000_000)
                let run = try batch.start(job: "job-\(index)", state: "RUNNING", at: at)
                try batch.transition(
                    run.id, to: index % 3 == 0 ? "FAILED" : "COMPLETED",
                    at: Timestamp(rawValue: at.rawValue + Int64(index % 50) * 100_000 + 1))
                if active { _ = try batch.start(job: "job-\(index)", at: at) }
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func theTextfileHoldsWhatStdoutPrints(_ engine: Ledger.Engine) throws {
        try withInitializedLedger(engine) { directory, database in
            try Self.fill(database, jobs: 12, active: false)  // nothing that depends on the time
            let printed = try runledger(["--db", database.location, "metrics"], in: directory)
            try #require(printed.status == 0, "\(printed)")
            #expect(printed.stderr.isEmpty)
            #expect(printed.stdout.hasPrefix("# HELP runledger_consecutive_failures "))
            #expect(printed.stdout.contains(#"runledger_consecutive_failures{job="job-3"} 1"#))
            #expect(
                printed.stdout.contains(
                    #"runledger_runs{job="job-4",lifecycle="canonical",state="COMPLETED",canonical_type="COMPLETED"} 1"#
                ))

            let folder = directory.appendingPathComponent("textfile")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let path = folder.appendingPathComponent("runledger.prom").path
            try "old contents\n".write(toFile: path, atomically: false, encoding: .utf8)
            let written = try runledger(["--db", database.location, "metrics", "--textfile", path], in: directory)
            #expect(written.status == 0, "\(written)")
            #expect(written.stdout.isEmpty && written.stderr.isEmpty, "\(written)")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == printed.stdout)
            // Nothing left beside it: the temporary file was renamed over the old one.
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["runledger.prom"])
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o044 } == 0o044)  // readable by node_exporter

            // Prometheus' own parser reads it all.
            let samples = try Self.parsedByPrometheusClient(printed.stdout)
            #expect(samples == printed.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }.count)
        }
    }

    @Test func aReaderFindsTheTextfileWholeOrAbsentNeverPartial() throws {
        try withInitializedLedger(.sqlite) { directory, database in
            try Self.fill(database, jobs: 400, active: true)  // about 300 kB of text
            let path = directory.appendingPathComponent("runledger.prom").path
            let reference = try runledger(["--db", database.location, "metrics"], in: directory)
            try #require(reference.status == 0, "\(reference)")
            let lines = reference.stdout.split(separator: "\n", omittingEmptySubsequences: false).count
            let lastLine = try #require(reference.stdout.split(separator: "\n").last)

            let reads = Reads()
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                while !reads.stopped {
                    guard let data = FileManager.default.contents(atPath: path) else {
                        reads.record(absent: true, whole: true)
                        continue
                    }
                    let text = String(decoding: data, as: UTF8.self)
                    // Ages differ from one write to the next; the series and the last line do not.
                    let whole =
                        text.hasPrefix("# HELP runledger_consecutive_failures ") && text.hasSuffix(lastLine + "\n")
                        && text.split(separator: "\n", omittingEmptySubsequences: false).count == lines
                    reads.record(absent: false, whole: whole)
                }
                done.signal()
            }
            for _ in 0..<12 {
                let result = try runledger(["--db", database.location, "metrics", "--textfile", path], in: directory)
                #expect(result.status == 0, "\(result)")
            }
            reads.stop()
            done.wait()
            let (present, partial) = reads.counts
            #expect(present > 0)
            #expect(partial == 0, "\(partial) of \(present) reads found a partial file")
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }
                    == [])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aLedgerOverTheJobBoundLeavesTheTextfileAsItWas(
        _ engine: Ledger.Engine
    )
        throws
    {
        try withInitializedLedger(engine) { directory, database in
            try Self.fill(database, jobs: 3, active: false)
            let path = directory.appendingPathComponent("runledger.prom").path
            try "previous\n".write(toFile: path, atomically: false, encoding: .utf8)
            expectFailure(
                try runledger(
                    ["--db", database.location, "metrics", "--textfile", path, "--max-jobs", "2"], in: directory),
                code: 65, mentioning: "the ledger has 3 jobs, more than the limit of 2")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "previous\n")
            expectFailure(
                try runledger(["--db", database.location, "metrics", "--max-jobs", "2"], in: directory), code: 65,
                mentioning: "Too many jobs for --max-jobs")
            let three = try runledger(["--db", database.location, "metrics", "--max-jobs", "3"], in: directory)
            #expect(three.status == 0, "\(three)")
        }
    }

    @Test func badArgumentsAndUnwritablePlacesAreRefused() throws {
        try withInitializedLedger { directory, path in
            expectFailure(
                try runledger(["--db", path, "metrics", "--max-jobs=-1"], in: directory), code: 64,
                mentioning: "--max-jobs must be 0 or more")
            expectFailure(
                try runledger(["--db", path, "metrics", "--textfile", ""], in: directory), code: 64,
                mentioning: "--textfile needs a path")
            expectFailure(
                try runledger(["--db", path, "metrics", "--textfile", "missing/dir/x.prom"], in: directory), code: 74,
                mentioning: "Cannot write missing/dir/x.prom")
            expectFailure(
                try runledger(["--db", "missing.db", "metrics"], in: directory), code: 66,
                mentioning: "No ledger file at missing.db")
        }
    }

    // MARK: - Helpers

    /// What the reader saw, shared with its thread.
    final class Reads: @unchecked Sendable {  // every access holds the lock
        private let lock = NSLock()
        private var isStopped = false
        private var present = 0
        private var partial = 0

        var stopped: Bool { lock.withLock { isStopped } }
        var counts: (present: Int, partial: Int) { lock.withLock { (present, partial) } }

        func stop() { lock.withLock { isStopped = true } }

        func record(absent: Bool, whole: Bool) {
            lock.withLock {
                if !absent { present += 1 }
                if !whole { partial += 1 }
            }
        }
    }

    /// How many samples `prometheus_client.parser.text_string_to_metric_families` reads in
    /// `text` (Scripts/prometheus-venv.sh makes its environment once).
    static func parsedByPrometheusClient(_ text: String) throws -> Int {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let venv = try runProcess("/bin/bash", [root.appendingPathComponent("Scripts/prometheus-venv.sh").path])
        try #require(venv.status == 0, "\(venv)")
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            print(sum(len(family.samples) for family in text_string_to_metric_families(sys.stdin.read())))
            """
        let python = venv.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try runProcess(python, ["-c", script], input: text)
        try #require(result.status == 0, "\(result)")
        return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
