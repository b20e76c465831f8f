import Foundation
import Testing

@testable import RunLedger

/// The OpenLineage intake (`receiveOpenLineage`, `importOpenLineage`): every RunEvent kept as
/// received and once, runs recorded from any first event, late and after-the-end events
/// noted, on both engines. The fixtures (Tests/Data/openlineage/) are written for these
/// tests in the shapes real producers send: an orchestrator's DAG and task runs with parent
/// facets, a listener attached late (RUNNING first), an older Python client (times without a
/// zone, non-ASCII job names), a COMPLETE-only batch run, a streaming job with repeats.
@Suite struct OpenLineageIntakeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Data/openlineage")

    /// The fixture files' lines, file by file.
    static func fixtureLines() throws -> [(file: String, lines: [String])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.hasSuffix(".jsonl") }
            .sorted()
        #expect(names.count == 4)
        return try names.map { name in
            let text = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
            return (name, text.split(separator: "\n").map(String.init))
        }
    }

    /// What the fixtures make: each run's job, final state, end (nil: active) and history.
    static let expected: [String: (job: String, state: String, ended: String?, history: [String])] = [
        "01937a10-0000-7000-8000-0000000000d1": (
            "airflow-prod/sales_daily", "FAIL", "2026-11-30T01:04:31.000000Z", ["START", "FAIL"]
        ),
        "01937a10-0000-7000-8000-0000000000a1": (
            "airflow-prod/sales_daily.extract", "COMPLETE", "2026-11-30T01:02:10.000000Z", ["START", "COMPLETE"]
        ),
        "01937a10-0000-7000-8000-0000000000a2": (
            "airflow-prod/sales_daily.transform", "FAIL", "2026-11-30T01:04:30.500000Z", ["START", "RUNNING", "FAIL"]
        ),
        // A listener attached late: RUNNING first; nanoseconds cut to microseconds.
        "01937a10-0000-7000-8000-0000000000b1": (
            "spark-cluster-7/orders_rollup.execute_insert_into_hadoop_fs_relation_command", "COMPLETE",
            "2026-11-30T02:01:45.500000Z", ["RUNNING", "RUNNING", "RUNNING", "COMPLETE"]
        ),
        // Times without a zone are UTC.
        "01937a10-0000-7000-8000-0000000000c1": (
            "dbt://analytics/ventes.über_größe", "COMPLETE", "2026-11-30T03:00:09.500000Z", ["START", "COMPLETE"]
        ),
        "01937a10-0000-7000-8000-0000000000c2": (
            "dbt://analytics/売上.日次集計", "ABORT", "2026-11-30T03:00:20.000000Z", ["START", "ABORT"]
        ),
        // COMPLETE only, at -05:00.
        "01937a10-0000-7000-8000-0000000000c3": (
            "cron://etl-host/nightly backup", "COMPLETE", "2026-11-30T09:15:00.000000Z", ["COMPLETE"]
        ),
        // Streaming: no terminal event.
        "01937a10-0000-7000-8000-0000000000e1": ("flink://cluster/clicks_to_sessions", "RUNNING", nil, ["RUNNING"]),
        "01937a10-0000-7000-8000-0000000000e2": ("flink://cluster/late_joiner", "RUNNING", nil, ["RUNNING"]),
    ]

    /// The ledger holds exactly the expected runs, each event of the fixtures once (the two
    /// repeats of the streaming file's OTHER are one event), and verifies clean.
    static func checkFixtureLedger(_ ledger: Ledger, _ database: TestDatabase) throws {
        let runs = try ledger.runs(matching: RunQuery())
        #expect(Set(runs.map(\.id)) == Set(expected.keys))
        for run in runs {
            let want = try #require(expected[run.id])
            #expect(run.job == want.job, "\(run.id)")
            #expect(run.lifecycle == "openlineage")
            #expect(run.state == want.state, "\(run.id)")
            #expect(run.endedAt?.iso8601 == want.ended, "\(run.id)")
            #expect(try ledger.history(of: run.id).map(\.to) == want.history, "\(run.id)")
        }
        #expect(try database.query("SELECT count(*) FROM openlineage_events") == ["21"])
        #expect(try database.query("SELECT count(DISTINCT sha256) FROM openlineage_events") == ["21"])
        // The streaming job's OTHER (its checkpoint facet) and the late joiner's OTHERs.
        #expect(try ledger.annotations(of: "01937a10-0000-7000-8000-0000000000e1").map(\.kind) == ["OTHER"])
        #expect(try ledger.annotations(of: "01937a10-0000-7000-8000-0000000000e2").map(\.kind) == ["OTHER", "OTHER"])
        #expect(try ledger.verify().problems.isEmpty)
    }

    @Test(arguments: Ledger.Engine.allCases) func producersStreamsRecordEveryRunAndKeepEveryEventOnce(
        _ engine: Ledger.Engine
    ) throws {
        let files = try Self.fixtureLines()
        try withTemporaryLedger(engine) { ledger, database in
            let report = try ledger.importOpenLineage(texts: files.map { $0.lines.joined(separator: "\n") })
            #expect(report.read == 23 && report.applied == 21 && report.duplicates == 2, "\(report)")
            #expect(report.refused.isEmpty && report.noted.isEmpty, "\(report)")
            try Self.checkFixtureLedger(ledger, database)

            // Each event is kept exactly as it was sent: its line, byte for byte.
            let kept = try database.query("SELECT event FROM openlineage_events ORDER BY id")
            let sent = Set(files.flatMap(\.lines))
            #expect(kept.allSatisfy(sent.contains))
            let dag = try #require(try ledger.run(id: "01937a10-0000-7000-8000-0000000000d1"))
            let meta = try #require(dag.metadata.flatMap { JSONValue(parsing: $0) })
            guard case .array(let owners)? = meta["openlineage"]?["job_facets"]?["ownership"]?["owners"] else {
                Issue.record("no owners: \(meta)")
                return
            }
            #expect(owners.first?["name"] == .string("data-eng"))
            let task = try #require(try ledger.run(id: "01937a10-0000-7000-8000-0000000000a2"))
            let taskMeta = try #require(task.metadata.flatMap { JSONValue(parsing: $0) })
            #expect(
                taskMeta["openlineage"]?["run_facets"]?["parent"]?["run"]?["runId"]
                    == .string("01937a10-0000-7000-8000-0000000000d1"))
            let failure = try #require(
                try ledger.history(of: task.id).last?.metadata.flatMap { JSONValue(parsing: $0) })
            #expect(
                failure["openlineage"]?["run_facets"]?["errorMessage"]?["message"] == .string("division by zero"))

            // Everything again, in any form: nothing new.
            let again = try ledger.importOpenLineage(texts: files.map { $0.lines.joined(separator: "\n") })
            #expect(again.applied == 0 && again.duplicates == 23 && again.noted.isEmpty, "\(again)")
            try Self.checkFixtureLedger(ledger, database)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func theFilesInEitherOrderMakeTheSameLedger(_ engine: Ledger.Engine) throws
    {
        let files = try Self.fixtureLines()
        // Events arrive out of order across files: split each run's events over two files,
        // its later ones first.
        let all = files.flatMap(\.lines)
        let early = all.enumerated().filter { $0.offset % 2 == 0 }.map(\.element).joined(separator: "\n")
        let late = all.enumerated().filter { $0.offset % 2 == 1 }.map(\.element).joined(separator: "\n")
        func facts(_ ledger: Ledger, _ database: TestDatabase) throws -> [String] {
            try ledger.runs(matching: RunQuery()).map { run in
                let changes = try ledger.history(of: run.id).map { "\($0.to)@\($0.at.rawValue)" }
                let notes = try ledger.annotations(of: run.id).map { "\($0.kind)@\($0.at.rawValue)" }
                return "\(run.id) \(run.job) \(run.state) \(run.endedAt?.rawValue ?? -1) \(changes) \(notes)"
            }.sorted() + database.query("SELECT sha256, effect FROM openlineage_events ORDER BY sha256")
        }
        // One import of both files, in either order: the very same ledger, each run's events
        // in time order across the files.
        var oneImport: [[String]] = []
        for texts in [[early, late], [late, early]] {
            try withTemporaryLedger(engine) { ledger, database in
                let report = try ledger.importOpenLineage(texts: texts)
                #expect(report.noted.isEmpty && report.refused.isEmpty, "\(report)")
                try Self.checkFixtureLedger(ledger, database)
                oneImport.append(try facts(ledger, database))
            }
        }
        #expect(oneImport[0] == oneImport[1])
        // Separate imports, in either order: the same runs, states, ends and events kept; an
        // event of a run that arrived after a later one of it is kept as an annotation.
        var separate: [(runs: [String], events: [String])] = []
        for texts in [[early, late], [late, early]] {
            try withTemporaryLedger(engine) { ledger, database in
                for text in texts {
                    let report = try ledger.importOpenLineage(text)
                    #expect(report.refused.isEmpty, "\(report)")
                }
                let runs = try ledger.runs(matching: RunQuery()).map {
                    "\($0.id) \($0.job) \($0.state) \($0.endedAt?.rawValue ?? -1)"
                }
                separate.append((runs.sorted(), try database.query("SELECT sha256 FROM openlineage_events ORDER BY 1")))
                #expect(try database.query("SELECT count(*) FROM openlineage_events") == ["21"])
                #expect(try ledger.verify().problems.isEmpty)
            }
        }
        #expect(separate[0].runs == separate[1].runs)
        #expect(separate[0].events == separate[1].events)
    }

    /// One run's events, as `receive` sees them.
    static func event(_ type: String?, _ time: String, run: String = "01937a10-0000-7000-8000-00000000f001") -> String {
        let typeField = type.map { #""eventType":"\#($0)","# } ?? ""
        return
            #"{\#(typeField)"eventTime":"\#(time)","run":{"runId":"\#(run)"},"job":{"namespace":"ns","name":"job"},"producer":"https://example.invalid/p","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"}"#
    }

    @Test(arguments: Ledger.Engine.allCases) func lateEventsAreKeptAsAnnotationsAndEndsAreNeverLost(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let run = "01937a10-0000-7000-8000-00000000f001"
            func receive(_ text: String) throws -> OpenLineageReceipt {
                try #require(try ledger.receiveOpenLineage([text]).first).get()
            }
            // A COMPLETE first records a completed run at its time.
            let complete = Self.event("COMPLETE", "2026-11-30T10:00:00Z")
            #expect(try receive(complete).effect == .applied)
            #expect(try ledger.run(id: run)?.state == "COMPLETE")
            #expect(try ledger.run(id: run)?.createdAt.iso8601 == "2026-11-30T10:00:00.000000Z")
            // The START that belongs before it arrives later: kept, an annotation at its time.
            let start = try receive(Self.event("START", "2026-11-30T09:00:00Z"))
            #expect(start.effect == .noted)
            #expect(start.note?.contains("before this START arrived") == true)
            // Something after the end: kept, an annotation.
            let after = try receive(Self.event("RUNNING", "2026-11-30T11:00:00Z"))
            #expect(after.effect == .noted && after.note?.hasPrefix("the run had ended: COMPLETE") == true)
            #expect(
                try ledger.annotations(of: run).map { "\($0.kind) \($0.at.iso8601)" } == [
                    "START 2026-11-30T09:00:00.000000Z", "RUNNING 2026-11-30T11:00:00.000000Z",
                ])
            #expect(try ledger.history(of: run).map(\.to) == ["COMPLETE"])
            // The same event again, even written otherwise: a repeat.
            #expect(try receive(complete).effect == .repeated)
            let spaced = try #require(JSONValue(parsing: complete)).text.replacingOccurrences(of: ",", with: ", ")
            #expect(try receive(spaced).effect == .repeated)
            #expect(
                try database.query("SELECT effect FROM openlineage_events ORDER BY id") == [
                    "applied", "noted", "noted",
                ])

            // An end older than the run's last change still ends the run, at that change.
            let second = "01937a10-0000-7000-8000-00000000f002"
            #expect(try receive(Self.event("RUNNING", "2026-11-30T10:05:00+01:00", run: second)).effect == .applied)
            let late = try receive(Self.event("FAIL", "2026-11-30T09:01:00Z", run: second))
            #expect(late.effect == .applied && late.note?.contains("is older") == true)
            let ended = try #require(try ledger.run(id: second))
            #expect(ended.state == "FAIL" && ended.endedAt?.iso8601 == "2026-11-30T09:05:00.000000Z")
            let meta = try #require(try ledger.history(of: second).last?.metadata.flatMap { JSONValue(parsing: $0) })
            #expect(meta["openlineage"]?["event_time"] == .string("2026-11-30T09:01:00.000000Z"))
            // A RUNNING older than the last change is kept, noted.
            let third = "01937a10-0000-7000-8000-00000000f003"
            _ = try receive(Self.event("RUNNING", "2026-11-30T10:00:00Z", run: third))
            #expect(try receive(Self.event("RUNNING", "2026-11-30T09:59:00Z", run: third)).effect == .noted)
            #expect(try ledger.history(of: third).count == 1)
            #expect(try ledger.verify().problems.isEmpty)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func onlyWhatIsNoRunEventIsRefusedWithTheFieldNamed(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, database in
            let cases: [(String, String)] = [
                ("{not json", "event"),
                ("[1]", "event"),
                (#"{"eventType":"START","run":{"runId":"r"},"job":{"namespace":"a","name":"b"}}"#, "eventTime"),
                (
                    #"{"eventType":"START","eventTime":"soon","run":{"runId":"r"},"job":{"namespace":"a","name":"b"}}"#,
                    "eventTime"
                ),
                (
                    #"{"eventType":"START","eventTime":"2026-11-30T10:00:00Z","job":{"namespace":"a","name":"b"}}"#,
                    "run.runId"
                ),
                (#"{"eventType":"START","eventTime":"2026-11-30T10:00:00Z","run":{"runId":"r"}}"#, "job.namespace"),
                (
                    #"{"eventType":"START","eventTime":"2026-11-30T10:00:00Z","run":{"runId":"r"},"job":{"namespace":"a"}}"#,
                    "job.name"
                ),
                (
                    #"{"eventType":7,"eventTime":"2026-11-30T10:00:00Z","run":{"runId":"r"},"job":{"namespace":"a","name":"b"}}"#,
                    "eventType"
                ),
            ]
            let results = try ledger.receiveOpenLineage(cases.map(\.0))
            for ((text, field), result) in zip(cases, results) {
                guard case .failure(.invalidArgument(let name, _)) = result else {
                    Issue.record("\(text) was not refused: \(result)")
                    continue
                }
                #expect(name == field, "\(text)")
            }
            #expect(try database.query("SELECT count(*) FROM openlineage_events") == ["0"])
            #expect(try ledger.runs(matching: RunQuery()).isEmpty)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func aForeignClientCannotChangeOrRemoveAReceivedEvent(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryLedger(engine) { ledger, database in
            _ = try ledger.receiveOpenLineage([Self.event("START", "2026-11-30T10:00:00Z")])
            for sql in [
                "UPDATE openlineage_events SET effect = 'noted', note = 'x';",
                "UPDATE openlineage_events SET event = '{}';",
                "DELETE FROM openlineage_events;",
            ] + (engine == .postgres ? ["TRUNCATE openlineage_events;"] : []) {
                let result = try database.run(sql)
                #expect(result.status != 0, "\(sql) was accepted")
                #expect(result.stderr.contains("runledger:append_only"), "\(sql): \(result.stderr)")
            }
            let bad = try database.run(
                "INSERT INTO openlineage_events (id, received_at, sha256, run_id, event_time, job, effect, event) "
                    + "VALUES (1, 0, '\(String(repeating: "0", count: 64))', 'r', 0, 'j', 'applied', '{}');")
            #expect(bad.status != 0 && bad.stderr.contains("runledger:history_order"), "\(bad.stderr)")
            #expect(try database.query("SELECT count(*) FROM openlineage_events") == ["1"])
            #expect(try ledger.verify().problems.isEmpty)
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func anExportReplaysIntoTheSameStatesAndHistories(
        _ engine: Ledger.Engine
    ) throws {
        let files = try Self.fixtureLines()
        try withTemporaryDirectory { directory in
            try withTestDatabases(in: directory) { databases in
                let source = try databases.make(engine, name: "source.db").open()
                // Out of order across imports, so that some events are annotations.
                for file in files.reversed() {
                    _ = try source.importOpenLineage(file.lines.reversed().joined(separator: "\n"))
                }
                _ = try source.receiveOpenLineage([
                    Self.event("COMPLETE", "2026-11-30T10:00:00Z"), Self.event("START", "2026-11-30T09:00:00Z"),
                ])
                let exported = try source.exportOpenLineage().joined(separator: "\n")
                let targetDatabase = try databases.make(engine, name: "target.db")
                let target = try targetDatabase.open()
                let report = try target.importOpenLineage(exported)
                #expect(report.refused.isEmpty && report.noted.isEmpty, "\(report)")
                let runs = try source.runs(matching: RunQuery())
                #expect(try target.runs(matching: RunQuery()).map(\.id) == runs.map(\.id))
                for run in runs {
                    let copy = try #require(try target.run(id: run.id))
                    #expect(copy.state == run.state && copy.endedAt == run.endedAt && copy.job == run.job)
                    #expect(try target.history(of: run.id).map(\.to) == source.history(of: run.id).map(\.to))
                    #expect(try target.history(of: run.id).map(\.at) == source.history(of: run.id).map(\.at))
                    #expect(
                        try target.annotations(of: run.id).map { "\($0.kind) \($0.at) \($0.reason ?? "")" }
                            == source.annotations(of: run.id).map { "\($0.kind) \($0.at) \($0.reason ?? "")" })
                }
                #expect(try target.verify().problems.isEmpty)
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func receivedEventsGoWithTheirRunInACopyAndAPrune(
        _ engine: Ledger.Engine
    ) throws {
        let files = try Self.fixtureLines()
        try withTemporaryDirectory { directory in
            try withTestDatabases(in: directory) { databases in
                let sourceDatabase = try databases.make(engine, name: "source.db")
                let source = try sourceDatabase.open()
                _ = try source.importOpenLineage(texts: files.map { $0.lines.joined(separator: "\n") })
                let targetDatabase = try databases.make(.sqlite, name: "copy.db")
                let target = try targetDatabase.open()
                _ = try source.copy(to: target)
                #expect(
                    try targetDatabase.query("SELECT sha256 FROM openlineage_events ORDER BY 1")
                        == sourceDatabase.query("SELECT sha256 FROM openlineage_events ORDER BY 1"))
                // A second copy adds nothing.
                _ = try source.copy(to: target)
                #expect(try targetDatabase.query("SELECT count(*) FROM openlineage_events") == ["21"])

                // A prune removes the events of the runs it removes, and its archive keeps them.
                // (A newer run of each job first: a job's newest run always stays.)
                for job in Set(try source.runs(matching: RunQuery()).map(\.job)).sorted() {
                    try source.start(job: job, lifecycle: "canonical")
                }
                let archive = directory.appendingPathComponent("archive.db").path
                let pruned = try source.prune(
                    terminalBefore: try #require(Timestamp(iso8601: "2026-11-30T02:30:00Z")), archive: archive)
                #expect(pruned.runs == 4, "\(pruned)")
                // The runs that ended before the cutoff: the DAG, its two tasks, the listener's.
                #expect(try sourceDatabase.query("SELECT count(*) FROM openlineage_events") == ["10"])
                let inArchive = try runProcess(
                    "/usr/bin/sqlite3", [archive, "SELECT count(*) FROM openlineage_events"])
                #expect(inArchive.stdout == "11\n", "\(inArchive)")
                let archived = try Ledger(path: archive, configuration: .init(mode: .readOnly))
                #expect(try archived.runs(matching: RunQuery()).count == 4)
                #expect(try source.verify().problems.isEmpty)
            }
        }
    }
}
