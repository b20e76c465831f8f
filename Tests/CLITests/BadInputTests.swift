import Foundation
import RunLedger
import Testing

/// Bad input of every kind, through the CLI: a clear one-sentence error, the documented exit
/// code, and the ledger file unchanged. Files are SQLite's: only bad names, JSON, times and
/// strings run on both engines (on PostgreSQL its rows stay unchanged).
@Suite(.serialized)
struct BadInputTests {
    /// A ledger with one run `r1` (prefect, Running); `body` gets the directory and path.
    func withLedger(_ body: (URL, String) throws -> Void) throws {
        try withLedger(.sqlite) { directory, database in try body(directory, database.location) }
    }

    /// The same ledger on `engine`; `body` gets the directory and the database.
    func withLedger(_ engine: Ledger.Engine, _ body: (URL, TestDatabase) throws -> Void) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabase(engine, in: directory, name: "l.db") { database in
                for step in [["start", "etl", "--id", "r1", "--lifecycle", "prefect", "--state", "Running"]] {
                    try #require(try runledger(["--db", database.location] + step, in: directory).status == 0)
                }
                if engine == .sqlite { _ = try database.run("PRAGMA wal_checkpoint(TRUNCATE);") }
                try body(directory, database)
            }
        }
    }

    /// Runs the CLI and checks the failure: code, one "Error: " sentence, nothing on stdout,
    /// and every file given unchanged.
    func expectFailure(
        _ arguments: [String], code: Int32, mentioning text: String, in directory: URL, unchanged files: [String] = [],
        runner: (([String]) throws -> ProcessResult)? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = files.map { FileManager.default.contents(atPath: $0) }
        let result = try runner?(arguments) ?? runledger(arguments, in: directory)
        #expect(result.status == code, "\(arguments): \(result)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "\(arguments): \(result)", sourceLocation: sourceLocation)
        #expect(
            result.stderr.hasPrefix("Error: ") && result.stderr.contains(text), "\(arguments): \(result)",
            sourceLocation: sourceLocation)
        #expect(
            result.stderr.filter { $0 == "\n" }.count == 1, "\(arguments): \(result)", sourceLocation: sourceLocation)
        for (file, contents) in zip(files, before) {
            #expect(
                FileManager.default.contents(atPath: file) == contents, "\(file) changed",
                sourceLocation: sourceLocation)
        }
    }

    @Test func missingFilesAndFoldersAndDirectories() throws {
        try withLedger { directory, path in
            let missing = directory.appendingPathComponent("nope.db").path
            try expectFailure(
                ["--db", missing, "history", "r1"], code: 66, mentioning: "No ledger file", in: directory)
            try expectFailure(["--db", missing, "runs"], code: 66, mentioning: "No ledger file", in: directory)
            #expect(!FileManager.default.fileExists(atPath: missing))
            try expectFailure(
                ["--db", "/nonexistent/folder/l.db", "init"], code: 74, mentioning: "cannot be read or written",
                in: directory)
            try expectFailure(
                ["--db", directory.path, "history", "r1"], code: 74, mentioning: "it is a directory", in: directory)
            try expectFailure(
                ["--db", directory.path, "init"], code: 74, mentioning: "it is a directory", in: directory)
            _ = path
        }
    }

    @Test func emptyTruncatedCorruptAndForeignFiles() throws {
        try withLedger { directory, path in
            let empty = directory.appendingPathComponent("empty.db").path
            _ = FileManager.default.createFile(atPath: empty, contents: Data())
            try expectFailure(
                ["--db", empty, "history", "r1"], code: 66, mentioning: "missing or empty", in: directory,
                unchanged: [empty])

            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let truncated = directory.appendingPathComponent("truncated.db").path
            try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: truncated))
            try expectFailure(
                ["--db", truncated, "history", "r1"], code: 74, mentioning: "corrupt", in: directory,
                unchanged: [truncated])
            try expectFailure(
                ["--db", truncated, "transition", "r1", "Completed"], code: 74, mentioning: "corrupt", in: directory,
                unchanged: [truncated])

            // Garbage over the pages after the first: the header still reads, the rest does not.
            var garbled = data
            for index in stride(from: 4096, to: garbled.count, by: 3) { garbled[index] = 0xA5 }
            let corrupt = directory.appendingPathComponent("corrupt.db").path
            try garbled.write(to: URL(fileURLWithPath: corrupt))
            let verify = try runledger(["--db", corrupt, "verify"], in: directory)
            #expect(verify.status == 74 || verify.status == 65, "\(verify)")
            #expect(verify.stderr.hasPrefix("Error: "), "\(verify)")
            #expect(FileManager.default.contents(atPath: corrupt) == garbled)

            let foreign = directory.appendingPathComponent("foreign.db").path
            _ = try sqlite3("CREATE TABLE notes (body TEXT);", on: foreign, in: directory)
            try expectFailure(
                ["--db", foreign, "init"], code: 65, mentioning: "not a runledger ledger", in: directory,
                unchanged: [foreign])
            try expectFailure(
                ["--db", foreign, "history", "r1"], code: 65, mentioning: "not a runledger ledger", in: directory,
                unchanged: [foreign])

            let text = directory.appendingPathComponent("notes.txt").path
            try String(repeating: "not a database\n", count: 500).write(toFile: text, atomically: true, encoding: .utf8)
            try expectFailure(
                ["--db", text, "init"], code: 74, mentioning: "not a database", in: directory, unchanged: [text])
        }
    }

    @Test func aLedgerFromANewerRunledgerIsRefusedUnchanged() throws {
        try withLedger { directory, path in
            _ = try sqlite3(
                "INSERT INTO schema_migrations VALUES (999, 'future', 'x', 0); PRAGMA wal_checkpoint(TRUNCATE);",
                on: path, in: directory)
            try expectFailure(
                ["--db", path, "history", "r1"], code: 65, mentioning: "newer than this runledger supports",
                in: directory, unchanged: [path])
            try expectFailure(
                ["--db", path, "transition", "r1", "Completed"], code: 65, mentioning: "upgrade runledger",
                in: directory, unchanged: [path])
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func unknownNamesBadJSONBadTimesAndBadStrings(_ engine: Ledger.Engine)
        throws
    {
        try withLedger(engine) { directory, database in
            let path = database.location
            // SQLite: the file's bytes stay as they were; PostgreSQL: the rows.
            let files = engine == .sqlite ? [path] : []
            let rows = "SELECT * FROM runs ORDER BY num; SELECT * FROM state_changes ORDER BY seq;"
            let before = try database.query(rows)
            let cases: [([String], Int32, String)] = [
                (["history", "nope"], 66, "No run has id nope"),
                (["transition", "r1", "Exploded"], 65, "has no state Exploded"),
                (["start", "etl", "--lifecycle", "airflow"], 65, "No lifecycle is named airflow"),
                (["act", "r1", "kill"], 65, "has no action kill"),
                (["transition", "r1", "Completed", "--meta", "{\"rows\": }"], 65, "not valid JSON"),
                (["transition", "r1", "Completed", "--meta", "[1, 2"], 65, "not valid JSON"),
                (["transition", "r1", "Completed", "--at", "2026-02-30T00:00:00Z"], 65, "--at '2026-02-30T00:00:00Z'"),
                (["transition", "r1", "Completed", "--at", "tomorrow"], 65, "--at 'tomorrow'"),
                (["transition", "r1", "Completed", "--at", "99999999999d"], 65, "--at '99999999999d'"),
                (["transition", "r1", "Completed", "--at", "1969-07-20T20:17:00Z"], 65, "before 1970"),
                (["transition", "r1", "Completed", "--at", "+5m"], 65, "--at '+5m'"),
                (["runs", "--since", "last week"], 65, "--since 'last week'"),
                (["start", String(repeating: "j", count: 201)], 65, "longer than 200 characters"),
                (["start", "etl", "--id", String(repeating: "i", count: 5000)], 65, "longer than 200 characters"),
                (
                    ["transition", "r1", "Completed", "--reason", String(repeating: "r", count: 10_001)], 65,
                    "longer than 10000 characters"
                ),
                (["start", ""], 65, "Invalid job: it is empty"),
                (["start", "etl", "--id", ""], 65, "Invalid run id: it is empty"),
                (["start", "etl\tjob"], 65, "control character"),
                (["transition", "", "Completed"], 65, "Invalid run id"),
                (["history", "r1'; DROP TABLE runs; --"], 66, "No run has id r1'; DROP TABLE runs; --"),
                (["sql", "DROP TABLE runs"], 65, "only reads"),
            ]
            for (arguments, code, text) in cases {
                try expectFailure(
                    ["--db", path] + arguments, code: code, mentioning: text, in: directory, unchanged: files)
            }
            #expect(try database.query(rows) == before)
            let sneaky = try runledger(
                ["--db", path, "start", "x'); DROP TABLE runs; --", "--id", "sneaky"], in: directory)
            #expect(sneaky.status == 0)
            let job = try jsonObjects(try runledger(["--db", path, "runs", "--format", "json"], in: directory).stdout)
            #expect(job.contains { $0["job"] as? String == "x'); DROP TABLE runs; --" })
        }
    }

    @Test func readOnlyFilesAndFolders() throws {
        try withLedger { directory, path in
            // Root ignores permissions: the commands run as `nobody`.
            let asNobody: ([String]) throws -> ProcessResult = { arguments in
                try RunningProcess(
                    "/usr/bin/setpriv",
                    ["--reuid=nobody", "--regid=nogroup", "--clear-groups", Binaries.runledger] + arguments,
                    directory: directory
                ).wait()
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            try expectFailure(
                ["--db", path, "transition", "r1", "Completed"], code: 74, mentioning: "cannot be written",
                in: directory, unchanged: [path], runner: asNobody)
            try expectFailure(
                ["--db", directory.appendingPathComponent("new.db").path, "init"], code: 74,
                mentioning: "cannot be read or written", in: directory, runner: asNobody)
            // Reading needs no write access, even in a folder it cannot write.
            let history = try asNobody(["--db", path, "history", "r1", "--format", "json"])
            #expect(history.status == 0, "\(history)")
            #expect(try jsonObjects(history.stdout).count == 1)
        }
    }

    @Test func aFullDiskRecordsNothingAndSaysSo() throws {
        try withTemporaryDirectory { directory in
            // A small tmpfs where the sandbox allows mounting one, else a file size limit
            // (RLIMIT_FSIZE): either way a write fails half-way.
            let mountPoint = directory.appendingPathComponent("small")
            try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
            let mount = try RunningProcess(
                "/bin/mount", ["-t", "tmpfs", "-o", "size=400k", "tmpfs", mountPoint.path], directory: directory
            ).wait()
            let mounted = mount.status == 0
            defer {
                if mounted { _ = try? RunningProcess("/bin/umount", [mountPoint.path], directory: directory).wait() }
            }
            let path = mountPoint.appendingPathComponent("l.db").path
            try #require(try runledger(["--db", path, "start", "etl", "--id", "r1"], in: directory).status == 0)
            _ = try sqlite3("PRAGMA wal_checkpoint(TRUNCATE);", on: path, in: directory)
            let meta = directory.appendingPathComponent("meta.json")
            try "{\"blob\": \"\(String(repeating: "x", count: 120_000))\"}".write(
                to: meta, atomically: true, encoding: .utf8)
            let script = """
                trap '' XFSZ
                \(mounted ? "" : "ulimit -f 64")
                exec "$0" --db "$1" transition r1 PENDING --meta "$(cat "$2")" --reason "$(head -c 100000 /dev/zero | tr '\\0' r)"
                """
            let filler = try RunningProcess(
                "/bin/bash", ["-c", script, Binaries.runledger, path, meta.path], directory: directory)
            let result = try filler.wait()
            #expect(result.status == 74 || result.status == 65, "\(result)")
            if mounted {
                // Fill the disk with many runs until a write fails for want of space.
                var failure: ProcessResult?
                for index in 0..<400 {
                    let step = try runledger(
                        [
                            "--db", path, "start", "fill", "--id", "f\(index)", "--reason",
                            String(repeating: "z", count: 9000),
                        ],
                        in: directory)
                    if step.status != 0 {
                        failure = step
                        break
                    }
                }
                let full = try #require(failure, "the 400 KB disk never filled up")
                #expect(
                    full.status == 74 && full.stderr == "Error: The disk is full; nothing was recorded.\n", "\(full)")
            }
            // Whatever failed, what was recorded before is intact and the ledger is sound.
            let verify = try runledger(["--db", path, "verify"], in: directory)
            #expect(verify.status == 0 || verify.stderr.contains("full"), "\(verify)")
            print(
                "bad input: full disk simulated by \(mounted ? "a 400 KB tmpfs" : "a file size limit (no mount here)")")
        }
    }
}
