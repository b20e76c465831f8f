import Foundation
import RunLedger
import Testing

/// OpenLineage in and out, with events made by the real openlineage-python client and
/// exports checked against the spec's RunEvent schema; on both engines.
@Suite(.serialized)
struct OpenLineageTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The python of a virtual environment with openlineage-python and jsonschema, made by
    /// Scripts/openlineage-venv.sh (once).
    static func python() throws -> String {
        let result = try runProcessIn(
            packageRoot, "/bin/bash", [packageRoot.appendingPathComponent("Scripts/openlineage-venv.sh").path])
        try #require(result.status == 0, "cannot make the OpenLineage environment: \(result)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func runProcessIn(_ directory: URL, _ executable: String, _ arguments: [String]) throws -> ProcessResult {
        try RunningProcess(executable, arguments, directory: directory).wait()
    }

    /// Emits events through the client's own file transport, out of order: the COMPLETE
    /// of run `done` first, its START (with a parent run facet) after it.
    static let emitter = """
        import sys, json, datetime
        from openlineage.client import OpenLineageClient
        from openlineage.client.transport.file import FileConfig, FileTransport
        from openlineage.client.event_v2 import RunEvent, RunState, Run, Job, InputDataset, OutputDataset
        from openlineage.client.uuid import generate_new_uuid
        from openlineage.client.facet_v2 import parent_run
        client = OpenLineageClient(transport=FileTransport(FileConfig(log_file_path=sys.argv[1], append=True)))
        t0 = datetime.datetime(2026, 11, 1, 12, 0, tzinfo=datetime.timezone.utc)
        runs = {name: str(generate_new_uuid()) for name in ["done", "failed", "aborted", "parent"]}
        def emit(state, run, minutes, facets=None, job="daily_load", inputs=None, outputs=None):
            client.emit(RunEvent(
                eventType=state, eventTime=(t0 + datetime.timedelta(minutes=minutes)).isoformat(),
                run=Run(runId=runs[run], facets=facets or {}), job=Job(namespace="acceptance", name=job),
                inputs=inputs or [], outputs=outputs or [], producer="https://example.invalid/acceptance-test"))
        parent = {"parent": parent_run.ParentRunFacet(
            run=parent_run.Run(runId=runs["parent"]), job=parent_run.Job(namespace="acceptance", name="dag"))}
        emit(RunState.COMPLETE, "done", 9, outputs=[OutputDataset(namespace="warehouse", name="sales")])
        emit(RunState.OTHER, "done", -1)
        emit(RunState.START, "done", 0, facets=parent, inputs=[InputDataset(namespace="s3", name="raw/sales")])
        emit(RunState.RUNNING, "done", 3)
        emit(RunState.RUNNING, "done", 6)
        emit(RunState.START, "failed", 1, job="clean")
        emit(RunState.FAIL, "failed", 2, job="clean")
        emit(RunState.START, "aborted", 2, job="report")
        emit(RunState.ABORT, "aborted", 4, job="report")
        emit(RunState.RUNNING, "aborted", 5, job="report")
        print(json.dumps(runs))
        """

    /// Validates JSON lines against the RunEvent schema (with format checks).
    static let validator = """
        import sys, json, jsonschema
        schema = json.load(open(sys.argv[1]))
        checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
        validator = jsonschema.Draft202012Validator(schema, format_checker=checker)
        count = 0
        for line in open(sys.argv[2]):
            if line.strip():
                errors = sorted(validator.iter_errors(json.loads(line)), key=str)
                if errors:
                    print("INVALID", errors[0].message, line[:200])
                    sys.exit(1)
                count += 1
        print(count)
        """

    @Test(arguments: Ledger.Engine.allCases) func eventsFromTheRealClientImportInTimeOrderAndOnlyOnce(
        _ engine: Ledger.Engine
    ) throws {
        let python = try Self.python()
        try withTemporaryDirectory { directory in
            try withTestDatabases(in: directory) { databases in
                let events = directory.appendingPathComponent("events.jsonl").path
                let emitted = try RunningProcess(python, ["-c", Self.emitter, events], directory: directory).wait()
                try #require(emitted.status == 0, "\(emitted)")
                let ids = try #require(
                    try JSONSerialization.jsonObject(with: Data(emitted.stdout.utf8)) as? [String: String])
                let database = try databases.make(engine, name: "l.db")
                let path = database.location

                let first = try runledger(
                    ["--db", path, "import", "openlineage", events, "--format", "json"], in: directory)
                // The RUNNING after ABORT is kept, not applied: an annotation on its run.
                #expect(first.status == 0, "\(first)")
                let summary = try #require(try jsonObjects(first.stdout).first)
                #expect(
                    summary["read"] as? Int == 10 && summary["applied"] as? Int == 9
                        && summary["duplicates"] as? Int == 0)
                #expect((summary["refused"] as? [[String: Any]])?.isEmpty == true)
                let noted = try #require(summary["noted"] as? [[String: Any]])
                #expect(
                    noted.count == 1 && noted[0]["run_id"] as? String == ids["aborted"]
                        && (noted[0]["reason"] as? String)?.hasPrefix("the run had ended: ABORT at ") == true)
                #expect(first.stderr == "")

                let ledger = try database.open(.init(mode: .readOnly))
                let done = try #require(ids["done"])
                #expect(try ledger.history(of: done).map(\.to) == ["START", "RUNNING", "RUNNING", "COMPLETE"])
                #expect(
                    try ledger.history(of: done).map(\.at.iso8601) == [
                        "2026-11-01T12:00:00.000000Z", "2026-11-01T12:03:00.000000Z", "2026-11-01T12:06:00.000000Z",
                        "2026-11-01T12:09:00.000000Z",
                    ])
                let run = try #require(try ledger.run(id: done))
                #expect(run.job == "acceptance/daily_load")
                let meta = try #require(run.metadata.flatMap { JSONValue(parsing: $0) })
                #expect(meta["openlineage"]?["run_facets"]?["parent"]?["run"]?["runId"]?.stringValue == ids["parent"])
                let complete = try #require(
                    try ledger.history(of: done).last?.metadata.flatMap { JSONValue(parsing: $0) })
                #expect(complete["openlineage"]?["outputs"] != nil)
                #expect(try ledger.annotations(of: done).map(\.kind) == ["OTHER"])
                #expect(try ledger.run(id: try #require(ids["failed"]))?.canonicalType == .failed)
                let aborted = try #require(ids["aborted"])
                #expect(try ledger.run(id: aborted)?.state == "ABORT")
                #expect(try ledger.annotations(of: aborted).map(\.kind) == ["RUNNING"])
                #expect(try ledger.history(of: aborted).map(\.to) == ["START", "ABORT"])
                #expect(try database.query("SELECT count(*) FROM openlineage_events") == ["10"])

                // The same file again: nothing new.
                let again = try runledger(
                    ["--db", path, "import", "openlineage", events, "--format", "json"], in: directory)
                let repeated = try #require(try jsonObjects(again.stdout).first)
                #expect(repeated["applied"] as? Int == 0 && repeated["duplicates"] as? Int == 10)
                #expect(try database.query("SELECT count(*) FROM openlineage_events") == ["10"])
                #expect(try ledger.history(of: done).count == 4)
                #expect(try ledger.annotations(of: done).count == 1)
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func onlyWhatIsNoRunEventIsRefusedNamingTheField(
        _ engine: Ledger.Engine
    ) throws {
        try withTemporaryDirectory { directory in
            try withTestDatabases(in: directory) { databases in
                let database = try databases.make(engine, name: "l.db")
                let path = database.location
                let good =
                    #"{"eventType":"START","eventTime":"2026-11-01T12:00:00Z","run":{"runId":"01932c1e-7f00-7000-8000-000000000001"},"job":{"namespace":"a","name":"b"},"producer":"p","schemaURL":"s"}"#
                let lines = [
                    good,
                    #"{"eventType":"START","eventTime":"2026-11-01T12:00:00Z","run":{},"job":{"namespace":"a","name":"b"}}"#,
                    #"{"eventType":"START","eventTime":"yesterday","run":{"runId":"01932c1e-7f00-7000-8000-000000000002"},"job":{"namespace":"a","name":"b"}}"#,
                    #"{"eventType":"BEGIN","eventTime":"2026-11-01T12:00:00Z","run":{"runId":"01932c1e-7f00-7000-8000-000000000003"},"job":{"namespace":"a","name":"b"}}"#,
                    #"{"eventTime":"2026-11-01T12:00:00Z","run":{"runId":"01932c1e-7f00-7000-8000-000000000004"},"job":{"namespace":"a","name":"b"}}"#,
                    #"{"eventType":"START","eventTime":"2026-11-01T12:00:00Z","run":{"runId":"not-a-uuid"},"job":{"namespace":"a","name":"b"}}"#,
                    #"{"eventType":"START","eventTime":"2026-11-01T12:00:00Z","run":{"runId":"01932c1e-7f00-7000-8000-000000000005"},"job":{"name":"b"}}"#,
                    #"{"eventType":"RUNNING","eventTime":"2026-11-01T12:00:00Z","run":{"runId":"01932c1e-7f00-7000-8000-000000000006"},"job":{"namespace":"a","name":"b"}}"#,
                    "{not json",
                ]
                let file = directory.appendingPathComponent("bad.jsonl")
                try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
                let result = try runledger(["--db", path, "import", "openlineage", file.path], in: directory)
                #expect(result.status == 65)
                // Only what is no RunEvent at all is refused, naming the field.
                for text in [
                    "line 2: Invalid run.runId: it is missing",
                    "line 3 (run 01932c1e-7f00-7000-8000-000000000002): Invalid eventTime",
                    "line 7 (run 01932c1e-7f00-7000-8000-000000000005): Invalid job.namespace",
                    "line 9: Invalid event: it is not valid JSON",
                    // An eventType the spec does not define is kept, as an annotation.
                    "line 4 (run 01932c1e-7f00-7000-8000-000000000003): its eventType BEGIN is not one the spec defines",
                ] {
                    #expect(result.stdout.contains(text), "\(text): \(result.stdout)")
                }
                #expect(
                    result.stdout.hasPrefix(
                        "Read 9 events: 4 applied, 1 kept but not applied, 0 already recorded, 4 refused."),
                    "\(result.stdout)")
                let runs = try jsonObjects(
                    try runledger(["--db", path, "runs", "--format", "json"], in: directory).stdout)
                // A RUNNING first is a run in RUNNING; a runId that is not a UUID is kept as it is.
                #expect(
                    Set(runs.map { "\($0["id"] as? String ?? "") \($0["state"] as? String ?? "")" }) == [
                        "01932c1e-7f00-7000-8000-000000000001 START", "not-a-uuid START",
                        "01932c1e-7f00-7000-8000-000000000006 RUNNING",
                    ])
                let ledger = try database.open(.init(mode: .readOnly))
                #expect(try ledger.annotations(of: "01932c1e-7f00-7000-8000-000000000003").map(\.kind) == ["BEGIN"])
                #expect(try ledger.annotations(of: "01932c1e-7f00-7000-8000-000000000004").map(\.kind) == ["OTHER"])
                #expect(try database.query("SELECT count(*) FROM openlineage_events") == ["5"])
                // A JSON array works as well as lines.
                let array = directory.appendingPathComponent("array.json")
                try "[\(good.replacingOccurrences(of: "000000000001", with: "000000000009"))]".write(
                    to: array, atomically: true, encoding: .utf8)
                #expect(try runledger(["--db", path, "import", "openlineage", array.path], in: directory).status == 0)
            }
        }
    }

    @Test(arguments: Ledger.Engine.allCases) func exportsAreValidRunEventsAndImportBackToTheSameHistories(
        _ engine: Ledger.Engine
    ) throws {
        let python = try Self.python()
        try withTemporaryDirectory { directory in
            try withTestDatabases(in: directory) { databases in
                let database = try databases.make(engine, name: "source.db")
                let path = database.location
                // Runs of several lifecycles, an action, an outcome, an annotation, a non-UUID id.
                for step in [
                    [
                        "start", "nightly", "--id", "p1", "--lifecycle", "prefect", "--at", "2026-01-01T00:00:00Z",
                        "--reason", "cron",
                    ],
                    ["transition", "p1", "Pending", "--at", "2026-01-01T00:01:00Z"],
                    ["transition", "p1", "Running", "--at", "2026-01-01T00:02:00Z"],
                    ["transition", "p1", "AwaitingRetry", "--at", "2026-01-01T00:03:00Z", "--reason", "flaky"],
                    ["transition", "p1", "Retrying", "--at", "2026-01-01T00:04:00Z"],
                    ["transition", "p1", "Completed", "--at", "2026-01-01T00:05:00Z", "--meta", #"{"rows": 3}"#],
                    [
                        "start", "render", "--id", "01932c1e-7f00-7000-8000-0000000000aa", "--lifecycle", "opencue",
                        "--at",
                        "2026-01-01T01:00:00Z",
                    ],
                    ["transition", "01932c1e-7f00-7000-8000-0000000000aa", "running", "--at", "2026-01-01T01:01:00Z"],
                    ["act", "01932c1e-7f00-7000-8000-0000000000aa", "kill", "--at", "2026-01-01T01:02:00Z"],
                    ["start", "warehouse", "--id", "d1", "--lifecycle", "databricks", "--at", "2026-01-01T02:00:00Z"],
                    ["transition", "d1", "RUNNING", "--at", "2026-01-01T02:01:00Z"],
                    ["transition", "d1", "TERMINATED", "--at", "2026-01-01T02:02:00Z", "--outcome", "FAILED"],
                    ["annotate", "d1", "--kind", "OTHER", "--reason", "schema facet", "--at", "2026-01-01T02:03:00Z"],
                ] {
                    let result = try runledger(["--db", path] + step, in: directory)
                    try #require(result.status == 0, "\(step): \(result)")
                }
                let export = try runledger(["--db", path, "export", "openlineage"], in: directory)
                #expect(export.status == 0)
                let file = directory.appendingPathComponent("export.jsonl")
                try export.stdout.write(to: file, atomically: true, encoding: .utf8)
                let lines = export.stdout.split(separator: "\n")
                #expect(lines.count == 6 + 3 + 3 + 1)
                let types = try lines.map { line -> String in
                    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    return object?["eventType"] as? String ?? ""
                }
                #expect(
                    types == [
                        "START", "OTHER", "RUNNING", "OTHER", "RUNNING", "COMPLETE", "START", "RUNNING", "ABORT",
                        "START",
                        "RUNNING", "FAIL", "OTHER",
                    ])

                let schema = Self.packageRoot.appendingPathComponent(
                    "Tests/Data/openlineage-2-0-2-runevent.schema.json"
                )
                .path
                let validation = try RunningProcess(
                    python, ["-c", Self.validator, schema, file.path], directory: directory
                ).wait()
                #expect(validation.status == 0, "\(validation)")
                #expect(validation.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "13")

                let copyDatabase = try databases.make(engine, name: "copy.db")
                let copy = copyDatabase.location
                let imported = try runledger(["--db", copy, "import", "openlineage", file.path], in: directory)
                #expect(imported.status == 0, "\(imported)")
                let source = try database.open(.init(mode: .readOnly))
                let target = try copyDatabase.open(.init(mode: .readOnly))
                for id in ["p1", "01932c1e-7f00-7000-8000-0000000000aa", "d1"] {
                    let before = try source.history(of: id)
                    let after = try target.history(of: id)
                    #expect(after.map(\.to) == before.map(\.to), "\(id)")
                    #expect(after.map(\.at) == before.map(\.at), "\(id)")
                    #expect(after.map(\.action) == before.map(\.action), "\(id)")
                    #expect(after.map(\.outcome) == before.map(\.outcome), "\(id)")
                    #expect(after.map(\.reason) == before.map(\.reason), "\(id)")
                    #expect(try target.run(id: id)?.lifecycle == source.run(id: id)?.lifecycle)
                }
                #expect(try target.annotations(of: "d1").map(\.reason) == ["schema facet"])
                let twice = try runledger(["--db", copy, "import", "openlineage", file.path], in: directory)
                #expect(
                    twice.stdout.hasPrefix(
                        "Read 13 events: 0 applied, 0 kept but not applied, 13 already recorded, 0 refused."),
                    "\(twice)")
            }
        }
    }
}
