import Foundation
import RunLedger
import Testing

/// `runledger copy`, as a user moves a file into PostgreSQL and back.
struct CopyCommandTests {
    @Test func aFileMovesIntoPostgreSQLAndBack() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("runs.db").path
            for arguments in [
                ["init"], ["start", "etl", "--lifecycle", "prefect", "--id", "r1", "--at", "2026-01-01T00:00:00Z"],
                ["transition", "r1", "Pending", "--at", "2026-01-01T00:00:01Z", "--reason", "queued"],
                ["transition", "r1", "Running", "--at", "2026-01-01T00:00:02Z"],
                ["annotate", "r1", "--kind", "note", "--reason", "kept", "--at", "2026-01-01T00:00:03Z"],
            ] {
                let result = try runledger(["--db", file] + arguments, in: directory)
                try #require(result.status == 0, "\(result)")
            }
            try withTestDatabase(.postgres, in: directory) { database in
                let copied = try runledger(["--db", file, "copy", "--to", database.location], in: directory)
                #expect(copied.status == 0, "\(copied)")
                #expect(copied.stdout.contains("Copied 1 runs (3 changes and annotations written)"), "\(copied)")
                #expect(copied.stdout.contains("is sound: 1 runs and 3 changes follow every rule"), "\(copied)")

                let here = try runledger(
                    ["--db", database.location, "history", "r1", "--format", "json"], in: directory)
                let there = try runledger(["--db", file, "history", "r1", "--format", "json"], in: directory)
                #expect(here.status == 0 && there.status == 0, "\(here) \(there)")
                #expect(try Self.withoutSeq(here.stdout) == (try Self.withoutSeq(there.stdout)))

                let back = directory.appendingPathComponent("back.db").path
                let home = try runledger(["copy", "--from", database.location, "--to", back], in: directory)
                #expect(home.status == 0, "\(home)")
                let verified = try runledger(["--db", back, "verify"], in: directory)
                #expect(verified.status == 0 && verified.stdout.contains("1 runs and 3 changes"), "\(verified)")

                let again = try runledger(["--db", file, "copy", "--to", database.location], in: directory)
                #expect(again.stdout.contains("Copied 0 runs") && again.stdout.contains("1 runs were there already"))
            }
        }
    }

    @Test func badArgumentsAreRefused() throws {
        try withInitializedLedger { directory, path in
            expectFailure(
                try runledger(["--db", path, "copy", "--to", "x.db", "--batch-size", "0"], in: directory), code: 64,
                mentioning: "--batch-size must be at least 1")
            expectFailure(
                try runledger(["--db", path, "copy", "--to", path], in: directory), code: 65,
                mentioning: "it is the ledger itself")
            expectFailure(
                try runledger(["copy", "--from", "missing.db", "--to", "x.db"], in: directory), code: 66,
                mentioning: "No ledger file at missing.db")
        }
    }

    /// History JSON rows without their `seq`, which each ledger numbers itself.
    static func withoutSeq(_ text: String) throws -> [String] {
        try jsonObjects(text).map { object in
            var object = object
            object["seq"] = nil
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }
}
