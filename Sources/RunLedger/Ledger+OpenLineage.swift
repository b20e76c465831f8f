/// What an OpenLineage import did.
public struct OpenLineageImportReport: Sendable, Hashable {
    /// An event of the import: where it was, its run, and why it was not applied.
    public struct Entry: Sendable, Hashable {
        /// Which of the texts imported it was in (from 0).
        public var input = 0
        /// Where it was: its line, or its index in a JSON array (from 1).
        public var position: Int
        /// Its run, if it named one.
        public var runID: String?
        /// One sentence.
        public var reason: String
    }

    /// A refused event: the same shape as a noted one.
    public typealias Refusal = Entry

    /// Events read.
    public var read = 0
    /// Events that changed the ledger: a run started or moved, an OTHER recorded.
    public var applied = 0
    /// Events kept but not applied (a START after a later event, an event after the run's
    /// end): each is an annotation on its run, with the reason.
    public var noted: [Entry] = []
    /// Events already in the ledger (received before, or their change already recorded):
    /// nothing new was recorded for them.
    public var duplicates = 0
    /// Events refused because they are not RunEvents at all, with reasons; nothing was
    /// recorded for them.
    public var refused: [Entry] = []
}

extension Ledger {
    /// The producer URI of the events runledger writes.
    public static let openLineageProducer = "urn:runledger:0.1.0"
    /// The schema URL of the RunEvents runledger writes.
    public static let openLineageSchemaURL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"

    /// Imports OpenLineage RunEvents: JSON lines (one event per line, as the
    /// openlineage-python file transport writes them) or a JSON array. The events go through
    /// the same intake as ``receiveOpenLineage(_:at:)``, in one transaction, each run's events
    /// in `eventTime` order (equal times keep their order in the input).
    ///
    /// - Returns: Events read, applied, noted (kept, not applied), duplicates, and refusals
    ///   with reasons.
    public func importOpenLineage(_ text: String) throws -> OpenLineageImportReport {
        try importOpenLineage(texts: [text])
    }

    /// Imports the OpenLineage RunEvents of several texts (files: a log and its rotated
    /// copies) as one: one transaction, each run's events in `eventTime` order across all of
    /// them, so that the order of the texts does not matter.
    ///
    /// - Returns: Events read, applied, noted (kept, not applied), duplicates, and refusals
    ///   with reasons; each entry says which text it was in.
    public func importOpenLineage(texts: [String]) throws -> OpenLineageImportReport {
        let items = texts.enumerated().flatMap { input, text in
            Self.splitEvents(text).map { (input: input, position: $0.position, text: $0.text, json: $0.json) }
        }
        let results = try intake(items.map { ($0.text, $0.json) }, receivedAt: .now)
        var report = OpenLineageImportReport()
        report.read = items.count
        for (item, result) in zip(items, results) {
            switch result {
            case .failure(let error):
                report.refused.append(
                    .init(
                        input: item.input, position: item.position, runID: item.json?["run"]?["runId"]?.stringValue,
                        reason: error.description))
            case .success(let receipt):
                switch receipt.effect {
                case .applied: report.applied += 1
                case .noted:
                    report.noted.append(
                        .init(
                            input: item.input, position: item.position, runID: receipt.runID,
                            reason: receipt.note ?? "not applied"))
                case .known, .repeated: report.duplicates += 1
                }
            }
        }
        return report
    }

    /// Receives OpenLineage RunEvents, each the JSON text of one event exactly as it was
    /// sent (an HTTP body, a line of a file), in one transaction.
    ///
    /// Nothing a producer sends is lost. Every RunEvent is kept, as received, in
    /// `openlineage_events` (with the time received and a SHA-256 of its JSON, so that the
    /// same event received again is a no-op), whether or not it can move its run; then it is
    /// applied under the `openlineage` lifecycle:
    /// - a run is recorded by its first event of any type, in that state (as Marquez does): a
    ///   batch producer may send only COMPLETE, a listener attached late misses START;
    /// - RUNNING, COMPLETE, FAIL and ABORT move it; an OTHER, or an event with no
    ///   `eventType`, is an annotation;
    /// - an event that cannot move the run is kept and recorded as an annotation on it, its
    ///   reason saying why (``OpenLineageReceipt/Effect/noted``): a START that arrives after a
    ///   later event, anything after the run's end, a RUNNING older than the run's last change;
    /// - an end (COMPLETE, FAIL, ABORT) older than the run's last change still ends it, at the
    ///   time of that change, its own time kept in the change's metadata;
    /// - a change already in the history (an export imported again) records nothing new.
    ///
    /// Each run's events are applied in `eventTime` order. Events runledger exported from
    /// another lifecycle carry a `runledger` run facet and come back as they were.
    ///
    /// - Parameters:
    ///   - events: The events' JSON texts.
    ///   - receivedAt: When they were received (default: now).
    /// - Returns: Per event, in order, its receipt; or, for a text that is not a RunEvent at
    ///   all (not JSON, no `eventTime`, no `run.runId`, no `job`),
    ///   ``LedgerError/invalidArgument(name:reason:)`` naming the field (nothing is recorded
    ///   for it).
    /// - Throws: When the transaction fails as a whole (I/O, a lock held past the busy
    ///   timeout): nothing was recorded.
    public func receiveOpenLineage(_ events: [String], at receivedAt: Timestamp? = nil) throws -> [Result<
        OpenLineageReceipt, LedgerError
    >] {
        try intake(events.map { ($0, JSONValue(parsing: $0)) }, receivedAt: receivedAt ?? .now)
    }

    /// Checks each event, then receives the RunEvents in one batch, each run's in time order.
    private func intake(_ items: [(text: String, json: JSONValue?)], receivedAt: Timestamp) throws -> [Result<
        OpenLineageReceipt, LedgerError
    >] {
        var results: [Result<OpenLineageReceipt, LedgerError>?] = Array(repeating: nil, count: items.count)
        var checked: [CheckedEvent] = []
        for (index, item) in items.enumerated() {
            guard let json = item.json else {
                results[index] = .failure(.invalidArgument(name: "event", reason: "it is not valid JSON"))
                continue
            }
            do {
                let event = try OpenLineageEvent(json)
                checked.append(
                    CheckedEvent(index: index, event: event, text: item.text, sha256: SHA256.hex(json.text.utf8)))
            } catch let error as LedgerError {
                results[index] = .failure(error)
            }
        }
        // Each run's events in time order (stable: equal times keep their order in the input).
        var order: [String] = []
        var byRun: [String: [CheckedEvent]] = [:]
        for item in checked {
            if byRun[item.event.runID] == nil { order.append(item.event.runID) }
            byRun[item.event.runID, default: []].append(item)
        }
        let sequence = order.flatMap { runID in
            (byRun[runID] ?? []).sorted { ($0.event.eventTime, $0.index) < ($1.event.eventTime, $1.index) }
        }
        let actor = configuration.actor
        let receipts = try batch(retrying: true) { batch in
            let intake = OpenLineageIntake(batch: batch, actor: actor, receivedAt: receivedAt)
            return try sequence.map { ($0.index, try intake.receive($0)) }
        }
        for (index, receipt) in receipts { results[index] = .success(receipt) }
        return results.map { $0 ?? .failure(.invalidArgument(name: "event", reason: "it was not received")) }
    }

    /// The events of a text: a JSON array's elements (each as JSON text), or its non-empty
    /// lines as they are; the JSON is nil where an item is not JSON.
    private static func splitEvents(_ text: String) -> [(position: Int, text: String, json: JSONValue?)] {
        if text.drop(while: { $0.isWhitespace }).first == "[" {
            guard case .array(let items)? = JSONValue(parsing: text) else { return [(1, text, nil)] }
            return items.enumerated().map { ($0.offset + 1, $0.element.text, $0.element) }
        }
        var items: [(Int, String, JSONValue?)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            let line = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            items.append((index + 1, line, JSONValue(parsing: line)))
        }
        return items
    }
}

/// A RunEvent that passed its checks, where it was in its input, its text and its hash.
private struct CheckedEvent: Sendable {
    let index: Int
    let event: OpenLineageEvent
    let text: String
    let sha256: String
}

/// Receives checked events inside one batch.
private struct OpenLineageIntake {
    let batch: Batch
    let actor: String?
    let receivedAt: Timestamp

    private var store: Store { batch.store }

    /// What applying an event did: the run it concerns, the effect, and why it was noted.
    private typealias Applied = (runID: String, effect: OpenLineageReceipt.Effect, note: String?)

    /// Keeps the event (unless received before), then applies it. The event, what it wrote
    /// and its record are one savepoint: on a server, a session that kept the same event
    /// first makes this one a repeat, with nothing of it left behind.
    func receive(_ item: CheckedEvent) throws -> OpenLineageReceipt {
        let event = item.event
        let repeated = OpenLineageReceipt(runID: event.runID, eventType: event.sentEventType, effect: .repeated)
        if try store.receivedEventExists(sha256: item.sha256) { return repeated }
        var text = item.text
        for attempt in 1...3 {
            do {
                return try store.connection.atomically(.several) {
                    let applied = try apply(event)
                    _ = try store.insertReceivedEvent(
                        receivedAt: receivedAt, sha256: item.sha256, runID: applied.runID,
                        eventType: event.sentEventType, eventTime: event.eventTime, job: event.job,
                        effect: applied.effect, note: applied.note, event: text)
                    return OpenLineageReceipt(
                        runID: applied.runID, eventType: event.sentEventType, effect: applied.effect,
                        note: applied.note)
                }
            } catch LedgerError.duplicateRun where attempt < 3 {
                // Another session recorded the run between the read and the insert: apply
                // the event to that run.
                continue
            } catch let error as any EngineError {
                if try store.receivedEventExists(sha256: item.sha256) { return repeated }
                // The engine reads JSON more strictly than the parser that accepted the
                // event: keep it as the parser read it.
                if error.isInvalidJSON && attempt < 3 && text != event.json.text {
                    text = event.json.text
                    continue
                }
                throw error
            }
        }
        preconditionFailure("the last attempt returns or throws")
    }

    /// Applies the event to its run's history, or notes why it cannot be.
    private func apply(_ event: OpenLineageEvent) throws -> Applied {
        if let native = event.runFacets["runledger"], native["lifecycle"] != nil {
            return try applyExported(event, native)
        }
        let runID = event.runID
        guard event.isKnownEventType else {
            let sent = event.sentEventType ?? ""
            let known = OpenLineageEvent.EventType.allCases.map(\.rawValue).joined(separator: ", ")
            return try noted(
                event, runID: runID, kind: String(sent.prefix(200)).isEmpty ? "OTHER" : String(sent.prefix(200)),
                note: "its eventType \(sent) is not one the spec defines (\(known)); kept as an annotation")
        }
        if event.eventType == .other {
            return (runID, try annotate(event, runID: runID) ? .applied : .known, nil)
        }
        let state = event.eventType.rawValue
        guard let run = try batch.run(id: runID) else {
            do {
                try batch.start(
                    job: event.job, lifecycle: "openlineage", id: runID, state: state, at: event.eventTime,
                    metadata: runMetadata(event), actor: producer(event))
                return (runID, .applied, nil)
            } catch let error as LedgerError {
                if case .duplicateRun = error { throw error }
                // A rule of the ledger's own (a job's limit of active runs) refused it.
                return try noted(event, runID: runID, kind: state, note: error.description)
            }
        }
        guard run.lifecycle == "openlineage" else {
            return try noted(
                event, runID: runID, kind: state,
                note: "run \(runID) is a run of the \(run.lifecycle) lifecycle, which OpenLineage events do not move")
        }
        let first = try store.firstState(ofRun: runID) ?? run.state
        if run.createdAt == event.eventTime && first == state { return (runID, .known, nil) }
        if event.eventType == .start {
            return try noted(
                event, runID: runID, kind: state,
                note:
                    "the run was recorded from its \(first) at \(run.createdAt.iso8601) before this START arrived; a run starts once"
            )
        }
        let key = requestKey(runID: runID, type: state, state: state, at: event.eventTime)
        if try store.change(requestKey: key) != nil { return (runID, .known, nil) }
        if run.isTerminal {
            return try noted(
                event, runID: runID, kind: state,
                note: "the run had ended: \(run.state) at \((run.endedAt ?? run.updatedAt).iso8601)")
        }
        var at = event.eventTime
        var note: String?
        if at < run.updatedAt {
            guard event.eventType != .running else {
                return try noted(
                    event, runID: runID, kind: state,
                    note:
                        "it is older than the run's last change, \(run.state) at \(run.updatedAt.iso8601): it arrived out of order"
                )
            }
            // An end is never lost to a clock or an order: it ends the run, no earlier than
            // the run's last change.
            note = "recorded at \(run.updatedAt.iso8601), the run's last change; its eventTime \(at.iso8601) is older"
            at = run.updatedAt
        }
        do {
            try batch.transition(
                runID, to: state, at: at,
                metadata: changeMetadata(event, clampedFrom: note == nil ? nil : event.eventTime),
                requestKey: key, actor: producer(event))
            return (runID, .applied, note)
        } catch let error as LedgerError {
            return try noted(event, runID: runID, kind: state, note: error.description)
        }
    }

    /// An event runledger exported from a run of any lifecycle: its `runledger` facet says
    /// which run, lifecycle and state.
    private func applyExported(_ event: OpenLineageEvent, _ facet: JSONValue) throws -> Applied {
        let runID = facet["run_id"]?.stringValue ?? event.runID
        if facet["annotation"] != nil { return (runID, try annotate(event, runID: runID) ? .applied : .known, nil) }
        guard let lifecycle = facet["lifecycle"]?.stringValue, let state = facet["state"]?.stringValue else {
            return try noted(
                event, runID: runID, kind: "OTHER", note: "its runledger facet names no lifecycle and state")
        }
        let reason = facet["reason"]?.stringValue
        do {
            if let existing = try batch.run(id: runID) {
                if existing.createdAt == event.eventTime, facet["first"] == .bool(true) { return (runID, .known, nil) }
                // The ledger may have made this change itself (a concurrency skip, a release).
                if existing.state == state, existing.updatedAt == event.eventTime { return (runID, .known, nil) }
                let key = requestKey(runID: runID, type: event.eventType.rawValue, state: state, at: event.eventTime)
                if try store.change(requestKey: key) != nil { return (runID, .known, nil) }
                let metadata = changeMetadata(event, clampedFrom: nil)
                let outcome = facet["outcome"]?.stringValue
                if let action = facet["action"]?.stringValue {
                    try batch.perform(
                        action, on: runID, at: event.eventTime, reason: reason, metadata: metadata, outcome: outcome,
                        requestKey: key, actor: producer(event))
                } else {
                    try batch.transition(
                        runID, to: state, at: event.eventTime, reason: reason, metadata: metadata, outcome: outcome,
                        requestKey: key, actor: producer(event))
                }
                return (runID, .applied, nil)
            }
            try batch.start(
                job: facet["job"]?.stringValue ?? event.job, lifecycle: lifecycle, id: runID, state: state,
                at: event.eventTime, reason: reason, metadata: facet["run_meta"].map(\.text),
                actor: facet["actor"]?.stringValue ?? producer(event))
            return (runID, .applied, nil)
        } catch let error as LedgerError {
            if case .duplicateRun = error { throw error }
            return try noted(event, runID: runID, kind: state, note: error.description)
        }
    }

    /// The request key of a change: the event's run, type, state and time.
    private func requestKey(runID: String, type: String, state: String, at: Timestamp) -> String {
        "openlineage:" + String(SHA256.hex("\(runID)|\(type)|\(state)|\(at.rawValue)".utf8).prefix(40))
    }

    /// A run's metadata from its first event: the job's namespace and name, the run and job
    /// facets, the datasets.
    private func runMetadata(_ event: OpenLineageEvent) -> String {
        var meta: [String: JSONValue] = ["namespace": .string(event.namespace), "name": .string(event.name)]
        if !event.runFacets.isEmpty { meta["run_facets"] = .object(event.runFacets) }
        if let jobFacets = event.json["job"]?["facets"] { meta["job_facets"] = jobFacets }
        for field in ["inputs", "outputs"] { if let value = event.json[field] { meta[field] = value } }
        return fit(meta, keeping: ["namespace", "name"])
    }

    /// A change's metadata: the event's run facets and datasets, and its own time when the
    /// change was recorded later.
    private func changeMetadata(_ event: OpenLineageEvent, clampedFrom time: Timestamp?) -> String? {
        var meta: [String: JSONValue] = [:]
        let facets = event.runFacets.filter { $0.key != "runledger" }
        if !facets.isEmpty { meta["run_facets"] = .object(facets) }
        for field in ["inputs", "outputs"] { if let value = event.json[field] { meta[field] = value } }
        if let time { meta["event_time"] = .string(time.iso8601) }
        return meta.isEmpty ? nil : fit(meta, keeping: ["event_time"])
    }

    /// The metadata as text, within the ledger's limit: when the facets make it larger, only
    /// the `keeping` fields stay, and a note that the whole event is in openlineage_events.
    private func fit(_ meta: [String: JSONValue], keeping: Set<String>) -> String {
        let text = JSONValue.object(["openlineage": .object(meta)]).text
        if text.utf8.count <= Validate.metadataLimit { return text }
        var small = meta.filter { keeping.contains($0.key) }
        small["facets"] = .string("too large for metadata; the whole event is in openlineage_events")
        return JSONValue.object(["openlineage": .object(small)]).text
    }

    /// An annotation's metadata: the event's run facets, within the ledger's limit.
    private func annotationMetadata(_ facets: [String: JSONValue]) -> String? {
        guard !facets.isEmpty else { return nil }
        let text = JSONValue.object(["run_facets": .object(facets)]).text
        if text.utf8.count <= Validate.metadataLimit { return text }
        return JSONValue.object([
            "facets": .string("too large for metadata; the whole event is in openlineage_events")
        ]).text
    }

    /// Records an event that cannot move its run as an annotation on the run, once.
    private func noted(_ event: OpenLineageEvent, runID: String, kind: String, note: String) throws -> Applied {
        let meta = annotationMetadata(event.runFacets.filter { $0.key != "runledger" })
        let reason = String(note.prefix(Validate.reasonLimit))
        if try store.hasAnnotation(
            on: runID, kind: kind, at: event.eventTime, reason: reason, metadata: nil, anyMetadata: true)
        {
            return (runID, .known, nil)
        }
        try batch.annotate(
            runID, kind: kind, at: event.eventTime, reason: reason, metadata: meta, actor: producer(event))
        return (runID, .noted, reason)
    }

    /// Records an OTHER event as an annotation, once; false when it is there already.
    private func annotate(_ event: OpenLineageEvent, runID: String) throws -> Bool {
        let exported = event.runFacets["runledger"]?["annotation"]
        let meta =
            exported?["meta"]?.text ?? annotationMetadata(event.runFacets.filter { $0.key != "runledger" })
        let kind = exported?["kind"]?.stringValue ?? "OTHER"
        let reason = exported?["reason"]?.stringValue
        if try store.hasAnnotation(on: runID, kind: kind, at: event.eventTime, reason: reason, metadata: meta) {
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
