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

    /// The event's type.
    public var eventType: EventType
    /// When it happened.
    public var eventTime: Timestamp
    /// `run.runId`.
    public var runID: String
    /// `job.namespace`.
    public var namespace: String
    /// `job.name`.
    public var name: String
    /// The whole event, as read.
    public var json: JSONValue

    /// The run's facets (`run.facets`), if any.
    public var runFacets: [String: JSONValue] { json["run"]?["facets"]?.objectValue ?? [:] }

    /// Checks a parsed event; the error names the field at fault.
    ///
    /// - Throws: ``LedgerError/invalidArgument(name:reason:)`` naming the field.
    public init(_ json: JSONValue) throws {
        guard json.objectValue != nil else {
            throw LedgerError.invalidArgument(name: "event", reason: "it is not a JSON object")
        }
        guard let type = json["eventType"] else {
            throw LedgerError.invalidArgument(name: "eventType", reason: "it is missing")
        }
        guard let text = type.stringValue, let eventType = EventType(rawValue: text) else {
            let known = EventType.allCases.map(\.rawValue).joined(separator: ", ")
            throw LedgerError.invalidArgument(name: "eventType", reason: "\(type.text) is not one of \(known)")
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
        guard Self.isUUID(runID) else {
            throw LedgerError.invalidArgument(name: "run.runId", reason: "\(runID) is not a UUID")
        }
        guard let namespace = json["job"]?["namespace"]?.stringValue, !namespace.isEmpty else {
            throw LedgerError.invalidArgument(name: "job.namespace", reason: "it is missing or empty")
        }
        guard let name = json["job"]?["name"]?.stringValue, !name.isEmpty else {
            throw LedgerError.invalidArgument(name: "job.name", reason: "it is missing or empty")
        }
        self.eventType = eventType
        self.eventTime = time
        self.runID = runID.lowercased()
        self.namespace = namespace
        self.name = name
        self.json = json
    }

    /// Whether `text` is a UUID in its 8-4-4-4-12 hex form.
    static func isUUID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.map(\.count) == [8, 4, 4, 4, 12] && parts.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}
