/// What an OpenLineage import did.
public struct OpenLineageImportReport: Sendable, Hashable {
    /// An event the import refused, and why.
    public struct Refusal: Sendable, Hashable {
        /// Where it was: its line, or its index in a JSON array (from 1).
        public var position: Int
        /// Its run, if it named one.
        public var runID: String?
        /// One sentence.
        public var reason: String
    }

    /// Events read.
    public var read = 0
    /// Events that changed the ledger (a run started or moved, an annotation recorded).
    public var applied = 0
    /// Events already in the ledger (an import repeated): nothing recorded for them.
    public var duplicates = 0
    /// Events refused, with reasons; nothing was recorded for them.
    public var refused: [Refusal] = []
}

extension Ledger {
    /// The producer URI of the events runledger writes.
    public static let openLineageProducer = "urn:runledger:0.1.0"
    /// The schema URL of the RunEvents runledger writes.
    public static let openLineageSchemaURL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"

    /// Imports OpenLineage RunEvents: JSON lines (one event per line, as the
    /// openlineage-python file transport writes them) or a JSON array.
    ///
    /// Events map onto the `openlineage` lifecycle: `run.runId` is the run's id,
    /// `job.namespace` and `job.name` its job (`namespace/name`), `eventTime` the time, START
    /// starts the run, RUNNING, COMPLETE, FAIL and ABORT move it, OTHER becomes an annotation.
    /// Facets go to metadata: a START's run facets (with its parent run facet and the job's
    /// namespace and name) to the run's, the others' to their change's. Events arrive out of
    /// order in real streams, so each run's events are applied in `eventTime` order. An event
    /// that is still illegal then (a RUNNING with no START, anything after COMPLETE) records
    /// nothing, is reported, and the import goes on. Importing the same events again records
    /// nothing new. Events that runledger exported from another lifecycle carry a `runledger`
    /// run facet and come back as they were, in their own lifecycle.
    ///
    /// - Returns: Events read, applied, duplicates, and refusals with reasons.
    public func importOpenLineage(_ text: String) throws -> OpenLineageImportReport {
        var report = OpenLineageImportReport()
        var events: [(position: Int, event: OpenLineageEvent)] = []
        for (position, item) in Self.splitEvents(text) {
            report.read += 1
            guard let json = item else {
                report.refused.append(.init(position: position, runID: nil, reason: "It is not valid JSON."))
                continue
            }
            do {
                events.append((position, try OpenLineageEvent(json)))
            } catch let error as LedgerError {
                report.refused.append(
                    .init(position: position, runID: json["run"]?["runId"]?.stringValue, reason: error.description))
            }
        }
        // Each run's events in time order (stable: equal times keep their order in the input).
        var order: [String] = []
        var byRun: [String: [(position: Int, event: OpenLineageEvent)]] = [:]
        for item in events {
            if byRun[item.event.runID] == nil { order.append(item.event.runID) }
            byRun[item.event.runID, default: []].append(item)
        }
        let configuration = self.configuration
        let outcome = try batch { batch -> OpenLineageImportReport in
            var partial = OpenLineageImportReport()
            for runID in order {
                let sorted = (byRun[runID] ?? []).enumerated().sorted {
                    ($0.element.event.eventTime, $0.offset) < ($1.element.event.eventTime, $1.offset)
                }.map(\.element)
                for (position, event) in sorted {
                    do {
                        if try OpenLineageImporter(batch: batch, actor: configuration.actor).apply(event) {
                            partial.applied += 1
                        } else {
                            partial.duplicates += 1
                        }
                    } catch let error as LedgerError {
                        partial.refused.append(.init(position: position, runID: event.runID, reason: error.description))
                    }
                }
            }
            return partial
        }
        report.applied = outcome.applied
        report.duplicates = outcome.duplicates
        report.refused += outcome.refused
        report.refused.sort { $0.position < $1.position }
        return report
    }

    /// The events of a text: a JSON array's elements, or its non-empty lines; nil where an
    /// item is not JSON.
    private static func splitEvents(_ text: String) -> [(Int, JSONValue?)] {
        if text.drop(while: { $0.isWhitespace }).first == "[" {
            guard case .array(let items)? = JSONValue(parsing: text) else { return [(1, nil)] }
            return items.enumerated().map { ($0.offset + 1, $0.element) }
        }
        var items: [(Int, JSONValue?)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            items.append((index + 1, JSONValue(parsing: String(line))))
        }
        return items
    }
}

/// Applies one checked event inside an import's batch.
private struct OpenLineageImporter {
    let batch: Batch
    let actor: String?

    /// Applies the event; false when the ledger already had it.
    func apply(_ event: OpenLineageEvent) throws -> Bool {
        if let native = event.runFacets["runledger"], native["lifecycle"] != nil {
            return try applyExported(event, native)
        }
        let job = "\(event.namespace)/\(event.name)"
        switch event.eventType {
        case .other:
            return try annotate(event, runID: event.runID)
        case .start:
            if let existing = try batch.run(id: event.runID) {
                guard existing.lifecycle == "openlineage", existing.createdAt == event.eventTime else {
                    throw LedgerError.invalidArgument(
                        name: "eventType",
                        reason:
                            "run \(event.runID) already started at \(existing.createdAt.iso8601); a run has one START")
                }
                return false
            }
            var meta: [String: JSONValue] = ["namespace": .string(event.namespace), "name": .string(event.name)]
            if !event.runFacets.isEmpty { meta["run_facets"] = .object(event.runFacets) }
            if let jobFacets = event.json["job"]?["facets"] { meta["job_facets"] = jobFacets }
            try batch.start(
                job: job, lifecycle: "openlineage", id: event.runID, state: "START", at: event.eventTime,
                metadata: JSONValue.object(["openlineage": .object(meta)]).text, actor: producer(event))
            return true
        case .running, .complete, .fail, .abort:
            guard try batch.run(id: event.runID) != nil else {
                throw LedgerError.noSuchRun(runID: event.runID)
            }
            return try change(
                event, runID: event.runID, to: event.eventType.rawValue, action: nil, outcome: nil, reason: nil)
        }
    }

    /// An event runledger exported from a run of any lifecycle: its `runledger` facet says
    /// which run, lifecycle and state.
    private func applyExported(_ event: OpenLineageEvent, _ facet: JSONValue) throws -> Bool {
        let runID = facet["run_id"]?.stringValue ?? event.runID
        if facet["annotation"] != nil { return try annotate(event, runID: runID) }
        guard let lifecycle = facet["lifecycle"]?.stringValue, let state = facet["state"]?.stringValue else {
            throw LedgerError.invalidArgument(name: "run.facets.runledger", reason: "it names no lifecycle and state")
        }
        let reason = facet["reason"]?.stringValue
        if let existing = try batch.run(id: runID) {
            if existing.createdAt == event.eventTime, facet["first"] == .bool(true) { return false }
            // The ledger may have made this change itself (a concurrency skip, a release).
            if existing.state == state, existing.updatedAt == event.eventTime { return false }
            return try change(
                event, runID: runID, to: state, action: facet["action"]?.stringValue,
                outcome: facet["outcome"]?.stringValue,
                reason: reason)
        }
        try batch.start(
            job: facet["job"]?.stringValue ?? "\(event.namespace)/\(event.name)", lifecycle: lifecycle, id: runID,
            state: state, at: event.eventTime, reason: reason, metadata: facet["run_meta"].map(\.text),
            actor: facet["actor"]?.stringValue ?? producer(event))
        return true
    }

    /// Records a change once: the request key is the event's run, type, state and time.
    private func change(
        _ event: OpenLineageEvent, runID: String, to state: String, action: String?, outcome: String?, reason: String?
    ) throws -> Bool {
        let key =
            "openlineage:"
            + String(
                SHA256.hex("\(runID)|\(event.eventType.rawValue)|\(state)|\(event.eventTime.rawValue)".utf8).prefix(40))
        if try batch.store.change(requestKey: key) != nil { return false }
        var meta: [String: JSONValue] = [:]
        let facets = event.runFacets.filter { $0.key != "runledger" }
        if !facets.isEmpty { meta["run_facets"] = .object(facets) }
        for field in ["inputs", "outputs"] { if let value = event.json[field] { meta[field] = value } }
        let metadata = meta.isEmpty ? nil : JSONValue.object(["openlineage": .object(meta)]).text
        let actor = producer(event)
        if let action {
            try batch.perform(
                action, on: runID, at: event.eventTime, reason: reason, metadata: metadata, outcome: outcome,
                requestKey: key, actor: actor)
        } else {
            try batch.transition(
                runID, to: state, at: event.eventTime, reason: reason, metadata: metadata, outcome: outcome,
                requestKey: key, actor: actor)
        }
        return true
    }

    /// Records an OTHER event as an annotation, once.
    private func annotate(_ event: OpenLineageEvent, runID: String) throws -> Bool {
        let exported = event.runFacets["runledger"]?["annotation"]
        let facets = event.runFacets.filter { $0.key != "runledger" }
        let meta =
            exported?["meta"]?.text ?? (facets.isEmpty ? nil : JSONValue.object(["run_facets": .object(facets)]).text)
        let kind = exported?["kind"]?.stringValue ?? "OTHER"
        let reason = exported?["reason"]?.stringValue
        let known = try batch.store.annotations(of: runID)
        if known.contains(where: {
            $0.kind == kind && $0.at == event.eventTime && $0.metadata == meta && $0.reason == reason
        }) {
            return false
        }
        try batch.annotate(
            runID, kind: kind, at: event.eventTime, reason: reason, metadata: meta,
            actor: exported?["actor"]?.stringValue ?? producer(event))
        return true
    }

    /// Who sent the event: its producer, else the configured actor.
    private func producer(_ event: OpenLineageEvent) -> String? {
        event.json["producer"]?.stringValue.map { String($0.prefix(200)) } ?? actor
    }
}

extension Ledger {
    /// Receives OpenLineage RunEvents, each the JSON text of one event exactly as it was
    /// sent (an HTTP body, a line of a file), in one transaction.
    ///
    /// - Returns: Per event, in order, its receipt; or, for a text that is not a RunEvent
    ///   at all, ``LedgerError/invalidArgument(name:reason:)`` naming the field at fault
    ///   (nothing is recorded for it).
    /// - Throws: When the transaction fails as a whole (I/O, a lock held past the busy
    ///   timeout): nothing was recorded.
    public func receiveOpenLineage(_ events: [String], at receivedAt: Timestamp? = nil) throws -> [Result<
        OpenLineageReceipt, LedgerError
    >] {
        // Interim: one import per event, until the intake table lands.
        try events.map { text in
            let report = try importOpenLineage(text)
            let json = JSONValue(parsing: text)
            let runID = json?["run"]?["runId"]?.stringValue?.lowercased() ?? ""
            if let refusal = report.refused.first {
                return .failure(.invalidArgument(name: "event", reason: refusal.reason))
            }
            return .success(
                OpenLineageReceipt(
                    runID: runID, eventType: json?["eventType"]?.stringValue,
                    effect: report.applied > 0 ? .applied : .repeated))
        }
    }
}
