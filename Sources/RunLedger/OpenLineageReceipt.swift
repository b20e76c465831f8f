/// What the ledger did with one OpenLineage RunEvent it received
/// (``Ledger/receiveOpenLineage(_:at:)``).
public struct OpenLineageReceipt: Sendable, Hashable {
    /// What became of the event. Every effect but ``repeated`` keeps the event, exactly as
    /// received, in `openlineage_events`.
    public enum Effect: String, Sendable, CaseIterable {
        /// It started or moved its run, or (an OTHER) was recorded as an annotation.
        case applied
        /// Kept, not applied: it cannot move its run (a START that arrived after a later
        /// event, an event after the run's end), so it is recorded as an annotation on the
        /// run, with ``OpenLineageReceipt/note`` saying why.
        case noted
        /// Kept; the change it describes was already in the history (an event that runledger
        /// exported, imported again; the same event written differently).
        case known
        /// The same event was received before: nothing was recorded.
        case repeated
    }

    /// The event's run (`run.runId`, lower-cased).
    public var runID: String
    /// Its `eventType`, as sent; nil when it has none (an OTHER).
    public var eventType: String?
    /// What became of it.
    public var effect: Effect
    /// Why a ``Effect/noted`` event was not applied; nil otherwise.
    public var note: String?

    /// Makes a receipt.
    public init(runID: String, eventType: String?, effect: Effect, note: String? = nil) {
        self.runID = runID
        self.eventType = eventType
        self.effect = effect
        self.note = note
    }
}
