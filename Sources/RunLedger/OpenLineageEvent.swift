/// One OpenLineage RunEvent, checked: the parts of it the ledger uses, and the whole event.
///
/// Related specification: <https://openlineage.io/spec/2-0-2/OpenLineage.json>
public struct OpenLineageEvent: Sendable, Hashable {
    /// The run states of OpenLineage's `eventType`.
    public enum EventType: String, Sendable, CaseIterable {
        /// The beginning of a job run.
        case start = "START"
        /// More information about a running job.
        case running = "RUNNING"
        /// The run concluded successfully.
        case complete = "COMPLETE"
        /// The run stopped abnormally.
        case abort = "ABORT"
        /// The run failed.
        case fail = "FAIL"
        /// Metadata outside the run cycle (the ledger records it as an annotation).
        case other = "OTHER"
    }

    /// The event's type: ``EventType/other`` also for an event with no `eventType` (the spec
    /// makes it optional) or one the spec does not define (see ``sentEventType``).
    public var eventType: EventType
    /// The `eventType` as sent: nil when the event has none.
    public var sentEventType: String?
    /// When it happened: `eventTime`, with any offset or `Z`; a time without a zone, as
    /// older Python clients write it, is read as UTC.
    public var eventTime: Timestamp
    /// `run.runId` (lower-cased when it is a UUID).
    public var runID: String
    /// `job.namespace`.
    public var namespace: String
    /// `job.name`.
    public var name: String
    /// The whole event, as read.
    public var json: JSONValue

    /// The run's facets (`run.facets`), if any.
    public var runFacets: [String: JSONValue] { json["run"]?["facets"]?.objectValue ?? [:] }

    /// The ledger job of the event: `namespace/name`.
    public var job: String { "\(namespace)/\(name)" }

    /// Whether the `eventType` sent is one the spec defines (or none, an OTHER).
    public var isKnownEventType: Bool { sentEventType.map { EventType(rawValue: $0) != nil } ?? true }

    /// Checks a parsed event. Only what makes it no RunEvent at all is refused: not an
    /// object, no `eventTime` (or one that is not an ISO-8601 date-time), no `run.runId`, no
    /// `job.namespace` or `job.name`; the error names the field.
    ///
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` naming the field.
    public init(_ json: JSONValue) throws {
        guard json.objectValue != nil else {
            throw LedgerError.invalidArgument(name: "event", reason: "it is not a JSON object")
        }
        guard let timeText = json["eventTime"]?.stringValue else {
            throw LedgerError.invalidArgument(name: "eventTime", reason: "it is missing or not a string")
        }
        guard let time = Timestamp(iso8601: timeText), time.rawValue >= 0 else {
            throw LedgerError.invalidArgument(name: "eventTime", reason: "\(timeText) is not an ISO-8601 date-time")
        }
        guard let runID = json["run"]?["runId"]?.stringValue else {
            throw LedgerError.invalidArgument(name: "run.runId", reason: "it is missing or not a string")
        }
        try Self.check(runID, field: "run.runId")
        guard let namespace = json["job"]?["namespace"]?.stringValue, !namespace.isEmpty else {
            throw LedgerError.invalidArgument(name: "job.namespace", reason: "it is missing or empty")
        }
        guard let name = json["job"]?["name"]?.stringValue, !name.isEmpty else {
            throw LedgerError.invalidArgument(name: "job.name", reason: "it is missing or empty")
        }
        try Self.check("\(namespace)/\(name)", field: "job.name")
        let type = json["eventType"]
        if let type, type != .null, type.stringValue == nil {
            throw LedgerError.invalidArgument(name: "eventType", reason: "\(type.text) is not a string")
        }
        self.sentEventType = type?.stringValue
        self.eventType = type?.stringValue.flatMap(EventType.init(rawValue:)) ?? .other
        self.eventTime = time
        self.runID = Self.isUUID(runID) ? runID.lowercased() : runID
        self.namespace = namespace
        self.name = name
        self.json = json
    }

    /// A name the ledger can record: the run id, the job (`namespace/name`).
    private static func check(_ value: String, field: String) throws {
        do {
            try Validate.name(value, as: field)
        } catch LedgerError.invalidArgument(_, let reason) {
            throw LedgerError.invalidArgument(name: field, reason: reason)
        }
    }

    /// Whether `text` is a UUID in its 8-4-4-4-12 hex form.
    static func isUUID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.map(\.count) == [8, 4, 4, 4, 12] && parts.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}
