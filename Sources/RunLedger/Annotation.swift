/// A fact about a run that does not move it: an OpenLineage `OTHER` event, an upstream that
/// failed while the run stays blocked.
public struct Annotation: Sendable, Hashable, Codable {
    /// Its place in the order of all annotations.
    public var id: Int64
    /// The run it is about (which may not be recorded yet: OTHER may precede START).
    public var runID: String
    /// When.
    public var at: Timestamp
    /// What kind of fact (`OTHER`, `upstream_failed`...).
    public var kind: String
    /// Who recorded it.
    public var actor: String?
    /// What it says.
    public var reason: String?
    /// JSON metadata, as text.
    public var metadata: String?

    /// Makes an annotation value.
    public init(
        id: Int64, runID: String, at: Timestamp, kind: String, actor: String? = nil, reason: String? = nil,
        metadata: String? = nil
    ) {
        self.id = id
        self.runID = runID
        self.at = at
        self.kind = kind
        self.actor = actor
        self.reason = reason
        self.metadata = metadata
    }
}
