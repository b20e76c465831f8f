/// Which runs `Ledger.exportOpenLineage(_:)` writes.
public struct OpenLineageExportQuery: Sendable, Hashable {
    /// Only this run.
    public var runID: String?
    /// Only runs of this job.
    public var job: String?
    /// Only runs created at or after this time.
    public var createdSince: Timestamp?

    /// Makes a query; with no argument it covers every run.
    public init(runID: String? = nil, job: String? = nil, createdSince: Timestamp? = nil) {
        self.runID = runID
        self.job = job
        self.createdSince = createdSince
    }
}

extension Ledger {
    /// The history of runs of any lifecycle as OpenLineage RunEvents, one JSON object per
    /// line, so that a ledger can be replayed into any OpenLineage backend.
    ///
    /// A run's first change is its START. After it, a change into a RUNNING-type state is a
    /// RUNNING event, into COMPLETED a COMPLETE, into FAILED or CRASHED a FAIL, into CANCELLED
    /// or SKIPPED an ABORT (canonical types refined by outcomes), and into a SCHEDULED or
    /// PENDING state (a retry wait, a requeue) an OTHER; an `openlineage` run's changes keep
    /// their own event types. Annotations are OTHER events. A run of another lifecycle, or
    /// whose id is not a UUID (its runId is then one derived from the id), carries a
    /// `runledger` run facet with its id, lifecycle, state, outcome, action, actor and reason,
    /// from which ``importOpenLineage(_:)`` rebuilds the same history.
    ///
    /// - Returns: The events, in time order within each run, runs by creation time.
    public func exportOpenLineage(_ query: OpenLineageExportQuery = OpenLineageExportQuery()) throws -> [String] {
        let runs: [Run]
        if let runID = query.runID {
            guard let run = try run(id: runID) else { throw LedgerError.noSuchRun(runID: runID) }
            runs = [run]
        } else {
            runs = try self.runs(matching: RunQuery(job: query.job, createdSince: query.createdSince)).reversed()
        }
        var lines: [String] = []
        for run in runs {
            let timeline = try timeline(of: run.id)
            lines += OpenLineageExporter(timeline: timeline).events().map(\.text)
        }
        return lines
    }
}

/// Builds the events of one run.
private struct OpenLineageExporter {
    let timeline: RunTimeline

    private var run: Run { timeline.run }
    private var isNative: Bool { run.lifecycle == "openlineage" && OpenLineageEvent.isUUID(run.id) }
    private var openLineageMeta: JSONValue? { run.metadata.flatMap { JSONValue(parsing: $0) }?["openlineage"] }

    func events() -> [JSONValue] {
        var events: [(Timestamp, Int, JSONValue)] = []
        for (index, change) in timeline.changes.enumerated() {
            events.append((change.at, events.count, event(for: change, index: index)))
        }
        for annotation in timeline.annotations {
            events.append((annotation.at, events.count, event(for: annotation)))
        }
        return events.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
    }

    private func eventType(for change: StateChange, index: Int) -> String {
        if run.lifecycle == "openlineage" { return change.to }
        if index == 0 { return "START" }
        switch timeline.canonicalType(of: change.to, outcome: change.outcome) {
        case .running: return "RUNNING"
        case .completed: return "COMPLETE"
        case .failed, .crashed: return "FAIL"
        case .cancelled, .skipped: return "ABORT"
        case .scheduled, .pending, nil: return "OTHER"
        }
    }

    private func event(for change: StateChange, index: Int) -> JSONValue {
        var facets: [String: JSONValue] = [:]
        let changeMeta = change.metadata.flatMap { JSONValue(parsing: $0) }?["openlineage"]
        if index == 0, let runFacets = openLineageMeta?["run_facets"]?.objectValue { facets.merge(runFacets) { $1 } }
        if let runFacets = changeMeta?["run_facets"]?.objectValue { facets.merge(runFacets) { $1 } }
        if !isNative {
            var native: [String: JSONValue] = [
                "_producer": .string(Ledger.openLineageProducer),
                "_schemaURL": .string("urn:runledger:facets:RunledgerRunFacet"),
                "run_id": .string(run.id), "job": .string(run.job), "lifecycle": .string(run.lifecycle),
                "state": .string(change.to), "first": .bool(index == 0),
            ]
            if let type = timeline.canonicalType(of: change.to, outcome: change.outcome) {
                native["canonical_type"] = .string(type.rawValue)
            }
            for (key, value) in [
                ("outcome", change.outcome), ("action", change.action), ("actor", change.actor),
                ("reason", change.reason),
            ] {
                if let value { native[key] = .string(value) }
            }
            if index == 0, let meta = run.metadata.flatMap({ JSONValue(parsing: $0) }) { native["run_meta"] = meta }
            facets["runledger"] = .object(native)
        }
        var event = base(type: eventType(for: change, index: index), at: change.at, facets: facets)
        for field in ["inputs", "outputs"] {
            // A run's first event keeps its datasets in the run's metadata.
            if let value = changeMeta?[field] ?? (index == 0 ? openLineageMeta?[field] : nil) { event[field] = value }
        }
        return .object(event)
    }

    private func event(for annotation: Annotation) -> JSONValue {
        var facets: [String: JSONValue] = [:]
        let meta = annotation.metadata.flatMap { JSONValue(parsing: $0) }
        if let runFacets = meta?["run_facets"]?.objectValue { facets.merge(runFacets) { $1 } }
        let isPlainOther =
            annotation.kind == "OTHER" && annotation.reason == nil && (meta == nil || meta?["run_facets"] != nil)
        if !isPlainOther || !isNative {
            var record: [String: JSONValue] = ["kind": .string(annotation.kind)]
            if let reason = annotation.reason { record["reason"] = .string(reason) }
            if let actor = annotation.actor { record["actor"] = .string(actor) }
            if let meta, meta["run_facets"] == nil { record["meta"] = meta }
            facets["runledger"] = .object([
                "_producer": .string(Ledger.openLineageProducer),
                "_schemaURL": .string("urn:runledger:facets:RunledgerRunFacet"),
                "run_id": .string(run.id), "lifecycle": .string(run.lifecycle), "annotation": .object(record),
            ])
        }
        return .object(base(type: "OTHER", at: annotation.at, facets: facets))
    }

    private func base(type: String, at: Timestamp, facets: [String: JSONValue]) -> [String: JSONValue] {
        var runObject: [String: JSONValue] = ["runId": .string(runUUID)]
        if !facets.isEmpty { runObject["facets"] = .object(facets) }
        var job: [String: JSONValue] = [
            "namespace": openLineageMeta?["namespace"] ?? .string("runledger"),
            "name": openLineageMeta?["name"] ?? .string(run.job),
        ]
        if let jobFacets = openLineageMeta?["job_facets"] { job["facets"] = jobFacets }
        return [
            "eventType": .string(type), "eventTime": .string(at.iso8601), "run": .object(runObject),
            "job": .object(job),
            "producer": .string(Ledger.openLineageProducer), "schemaURL": .string(Ledger.openLineageSchemaURL),
        ]
    }

    /// The run's id if it is a UUID; else a UUID derived from it (SHA-256, version 8).
    private var runUUID: String {
        if OpenLineageEvent.isUUID(run.id) { return run.id.lowercased() }
        var hex = Array(SHA256.hex("runledger:\(run.id)".utf8).prefix(32))
        hex[12] = "8"
        hex[16] = Array("89ab")[Int(String(hex[16]), radix: 16).map { $0 & 3 } ?? 0]
        let text = String(hex)
        let parts = [
            text.prefix(8), text.dropFirst(8).prefix(4), text.dropFirst(12).prefix(4), text.dropFirst(16).prefix(4),
            text.dropFirst(20),
        ]
        return parts.joined(separator: "-")
    }
}
