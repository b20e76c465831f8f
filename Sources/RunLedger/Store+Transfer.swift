/// The SQL of moving runs between ledgers (`Ledger.copy(to:)`, and a prune's archive on a
/// server): reading runs whole from one store, and writing each into another through that
/// store's own rules, with the inserts a client would make.
extension Store {
    /// A run as it moves: the run row, its history in order, its upstreams, annotations and
    /// the OpenLineage events received for it.
    struct RunRecord {
        let run: Run
        /// The run's key in the store it was read from.
        let num: Int64
        let history: [StateChange]
        let upstreams: [String]
        let annotations: [Annotation]
        let receivedEvents: [ReceivedEvent]
    }

    /// The runs recorded after key `num`, in the order they were recorded, at most `limit`,
    /// each whole.
    func runRecords(after num: Int64, limit: Int) throws -> [RunRecord] {
        // The run's key follows the columns `decodeRun` reads.
        let runs = try connection.cached(
            "SELECT \(Self.runColumns), r.num \(Self.runFrom) WHERE r.num > ? ORDER BY r.num LIMIT ?"
        ).fetchAll(num, limit) { row in
            (run: Self.decodeRun(row), num: row.int64(at: Int32(RunColumn.allCases.count)))
        }
        return try records(of: runs)
    }

    /// The run with key `num`, whole, if there is one.
    func runRecord(num: Int64) throws -> RunRecord? {
        let runs = try connection.cached("SELECT \(Self.runColumns), r.num \(Self.runFrom) WHERE r.num = ?")
            .fetchAll(num) { row in (run: Self.decodeRun(row), num: row.int64(at: Int32(RunColumn.allCases.count))) }
        return try records(of: runs).first
    }

    private func records(of runs: [(run: Run, num: Int64)]) throws -> [RunRecord] {
        try runs.map { run, num in
            RunRecord(
                run: run, num: num, history: try history(of: run.id) ?? [],
                upstreams: try connection.cached(
                    "SELECT upstream_id FROM run_dependencies WHERE run_id = ? ORDER BY upstream_id"
                ).fetchAll(run.id) { $0.string(at: 0) },
                annotations: try annotations(of: run.id), receivedEvents: try receivedEvents(of: run.id))
        }
    }

    /// The jobs that have runs, by name.
    func jobs() throws -> [String] {
        try connection.cached("SELECT DISTINCT job FROM runs ORDER BY job").fetchAll { $0.string(at: 0) }
    }

    /// What writing a run into this store did.
    enum Transfer {
        /// The run was not here: it was recorded, with this many history rows written (the
        /// rest the rules wrote themselves, as they did in the source).
        case created(written: Int)
        /// The run was here with the first `count` rows of its history: the rest was written.
        case extended(written: Int)
        /// The run is here whole already.
        case present
    }

    /// Writes `record` into this store through its rules: the run in its first state, then
    /// each later change as recorded (times, actors, reasons, outcomes, request keys), its
    /// upstreams right after the run (as `start` records them), its heartbeat, its
    /// annotations, the OpenLineage events received for it. A run already here must have a history that begins like the record's;
    /// its missing rows are added, so a copy that stopped half-way can be run again. Rows
    /// the rules write themselves (a skip at a job's limit, a release or cancel passed on by
    /// an upstream's end) are recognized, not written twice.
    ///
    /// - Throws: ``LedgerError/copyConflict(runID:reason:)`` when the run here differs from
    ///   the record; a rule's refusal when the record breaks this store's rules.
    func write(_ record: RunRecord) throws -> Transfer {
        let run = record.run
        guard let first = record.history.first else {
            throw LedgerError.copyConflict(runID: run.id, reason: "it has no history")
        }
        var present = try history(of: run.id)
        var created = false
        if present == nil {
            _ = try insertRun(
                id: run.id, job: run.job, lifecycle: run.lifecycle, state: first.to, at: run.createdAt,
                actor: run.createdBy, reason: run.createdReason, attempt: run.attempt, parentID: run.parentID,
                maxRetries: run.maxRetries, scheduledAt: run.scheduledAt, metadata: run.metadata)
            for upstream in record.upstreams { try insertDependency(runID: run.id, upstreamID: upstream) }
            if let heartbeat = run.heartbeatAt, record.history.count > 1 || !run.isTerminal {
                _ = try self.heartbeat(runID: run.id, at: heartbeat)
            }
            present = try history(of: run.id)
            created = true
        }
        guard let head = try head(of: run.id), var have = present else { throw LedgerError.noSuchRun(runID: run.id) }
        var written = 0
        for (index, change) in record.history.enumerated() {
            if index < have.count {
                guard Self.same(have[index], change, first: index == 0) else {
                    throw LedgerError.copyConflict(
                        runID: run.id,
                        reason: "its change \(index + 1) here differs (\(have[index].to) at \(have[index].at))")
                }
                continue
            }
            guard let from = change.from else {
                throw LedgerError.copyConflict(runID: run.id, reason: "its change \(index + 1) has no from state")
            }
            _ = try insertChange(
                runNum: head.num, from: from, to: change.to, at: change.at, action: change.action, actor: change.actor,
                reason: change.reason, metadata: change.metadata, outcome: change.outcome,
                requestKey: change.requestKey)
            written += 1
            // The rules may have written rows after this one (a release passed on): reread.
            have = try history(of: run.id) ?? have
        }
        if have.count > record.history.count {
            throw LedgerError.copyConflict(runID: run.id, reason: "it has more changes here than in the source")
        }
        let notes = try annotations(of: run.id)
        for annotation in record.annotations.dropFirst(notes.count) {
            _ = try insertAnnotation(
                runID: run.id, kind: annotation.kind, at: annotation.at, actor: annotation.actor,
                reason: annotation.reason, metadata: annotation.metadata)
            written += 1
        }
        for event in record.receivedEvents where try !receivedEventExists(sha256: event.sha256) {
            _ = try insertReceivedEvent(
                receivedAt: event.receivedAt, sha256: event.sha256, runID: event.runID, eventType: event.eventType,
                eventTime: event.eventTime, job: event.job,
                effect: OpenLineageReceipt.Effect(rawValue: event.effect) ?? .applied, note: event.note,
                event: event.event)
            written += 1
        }
        if created { return .created(written: written) }
        return written == 0 ? .present : .extended(written: written)
    }

    /// Whether two history rows record the same change (their `seq` is each ledger's own).
    private static func same(_ here: StateChange, _ there: StateChange, first: Bool) -> Bool {
        if first { return here.to == there.to && here.at == there.at }
        return here.from == there.from && here.to == there.to && here.at == there.at && here.action == there.action
            && here.actor == there.actor && here.reason == there.reason && here.metadata == there.metadata
            && here.outcome == there.outcome && here.requestKey == there.requestKey
    }
}
