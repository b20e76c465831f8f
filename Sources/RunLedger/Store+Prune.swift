/// The SQL of `Ledger.prune(_:dryRun:actor:)`: attaching the archive, and the steps of a
/// prune inside its transaction.
extension Store {
    /// Attaches the archive ledger at `path` as `archive`. ATTACH cannot run inside a
    /// transaction: this is called before the prune's own begins.
    func attachArchive(_ path: String) throws {
        try connection.prepare("ATTACH DATABASE ? AS archive").execute(path)
    }

    /// Detaches the archive, if it is attached; a failure leaves it attached until the
    /// connection closes, which harms nothing.
    func detachArchive() {
        _ = try? connection.execute("DETACH DATABASE archive")
    }

    /// Removes the runs `options` selects, copying them to the attached archive first if
    /// there is one, and records the prune.
    func prune(_ options: PruneOptions, actor: String?) throws -> PruneReport {
        try Pruner(connection: connection, options: options, actor: actor).run()
    }

    /// What a prune with `options` would remove, counted, with an estimate of its bytes.
    func prunePreview(_ options: PruneOptions) throws -> PruneReport {
        let pruner = Pruner(connection: connection, options: options, actor: nil)
        let plan = try pruner.plan()
        var report = try pruner.report(plan)
        report.isDryRun = true
        (report.bytes, report.bytesMethod) = try pruner.estimatedBytes(report)
        return report
    }

    /// The runs a prune with `options` would remove, by key and id, in the order recorded.
    func prunable(_ options: PruneOptions) throws -> [(num: Int64, id: String)] {
        try Pruner(connection: connection, options: options, actor: nil).plan().runs
    }

    /// Removes these runs, which a prune with `options` would remove and which were copied
    /// to its archive first (on a server, whose archive file cannot be attached), and
    /// records the prune. A run in the list that a prune would no longer remove stays.
    func prune(_ runs: [(num: Int64, id: String)], _ options: PruneOptions, actor: String?) throws -> PruneReport {
        try Pruner(connection: connection, options: options, actor: actor).run(only: Set(runs.map(\.num)))
    }
}

/// The steps of a prune, inside its transaction: which runs go (``plan()``), then, in one
/// place, what removing them does (``remove(_:)``).
private struct Pruner {
    let connection: Database
    let options: PruneOptions
    let actor: String?

    /// What a prune removes.
    struct Plan {
        /// The runs, by key and id, in the order recorded.
        var runs: [(num: Int64, id: String)]
        /// The latest end among them.
        var latestEnd: Int64?
        /// Runs selected that stay because a run that stays is linked to them.
        var kept: Int
        /// Runs selected that stay because they are pinned.
        var pinned: Int
    }

    /// Every terminal run with what selecting it needs: its job, the canonical type of its
    /// end (refined by its outcome), its end, its rank among its job's runs (1: the newest,
    /// by creation then num) and whether it is pinned.
    static let candidates = """
        SELECT num, id, job, canonical_type, ended_at, rank, pinned FROM (
            SELECT r.num, r.id, r.job, coalesce(o.canonical_type, s.canonical_type) AS canonical_type, r.ended_at,
                   row_number() OVER (PARTITION BY r.job ORDER BY r.created_at DESC, r.num DESC) AS rank,
                   CASE WHEN EXISTS (SELECT 1 FROM run_pins AS p WHERE p.run_id = r.id) THEN 1 ELSE 0 END AS pinned
            FROM runs AS r
            LEFT JOIN lifecycle_states AS s ON s.lifecycle = r.lifecycle AND s.state = r.state
            LEFT JOIN lifecycle_outcomes AS o ON o.lifecycle = r.lifecycle AND o.outcome = r.outcome
        ) AS c
        WHERE ended_at IS NOT NULL
        ORDER BY num
        """

    /// Every link between two runs: parent and retry, dependant and upstream.
    static let links = """
        SELECT id, parent_id FROM runs WHERE parent_id IS NOT NULL
        UNION ALL SELECT run_id, upstream_id FROM run_dependencies
        """

    /// The run holding the newest history row (the highest `seq`).
    static let newestChangeRun = "SELECT run_num FROM state_changes ORDER BY seq DESC LIMIT 1"

    /// The runs `options` selects, less the pinned ones, the newest of each job, the one
    /// holding the newest history row, and every run linked, through any chain of links, to a
    /// run that stays. The newest history row stays so that `seq` only grows: a SQLite file
    /// gives a new row the highest `seq` plus one, which would hand a pruned row's `seq` to a
    /// new change (behind consumers' cursors and the seals), and the seals must end at a row
    /// that is there.
    func plan() throws -> Plan {
        let newestChange = try connection.prepare(Self.newestChangeRun).fetchOne { $0.int64(at: 0) }
        let policies =
            options.usePolicies
            ? Dictionary(try Store(connection: connection).retentionPolicies().map { ($0.job, $0.policy) }) { a, _ in a
            }
            : [:]
        var selected: [(num: Int64, id: String, end: Int64)] = []
        var pinned = 0
        try connection.prepare(Self.candidates).forEachRow { row in
            let job = row.string(at: 2)
            guard options.jobs.isEmpty || options.jobs.contains(job) else { return }
            let policy = options.usePolicies ? policies[job] : options.retention
            if options.usePolicies && policy == nil { return }
            let type = CanonicalType(rawValue: row.string(at: 3))
            let end = row.int64(at: 4)
            let rank = row.int64(at: 5)
            guard rank > Int64(max(policy?.keepLast ?? 0, 1)) else { return }
            if policy?.hasAges == true || options.terminalBefore != nil {
                let age = type.flatMap { policy?.age(for: $0) }
                guard let cutoff = age.map({ options.now.adding(seconds: -Double($0)) }) ?? options.terminalBefore,
                    end < cutoff.rawValue
                else { return }
            }
            if row.int64(at: 6) != 0 {
                pinned += 1
                return
            }
            guard row.int64(at: 0) != newestChange else { return }
            selected.append((row.int64(at: 0), row.string(at: 1), end))
        }
        let staying = try linkedToStaying(selected.map(\.id))
        let runs = selected.filter { !staying.contains($0.id) }
        return Plan(
            runs: runs.map { (num: $0.num, id: $0.id) }, latestEnd: runs.map(\.end).max(),
            kept: selected.count - runs.count, pinned: pinned)
    }

    /// Which of `selected` are linked to a run that stays: the links split the runs into
    /// groups (a retry chain, a dependency graph), and a group with one run that stays stays
    /// whole.
    private func linkedToStaying(_ selected: [String]) throws -> Set<String> {
        var parent: [String: String] = [:]
        func root(_ id: String) -> String {
            var id = id
            while let next = parent[id], next != id { id = next }
            return id
        }
        try connection.prepare(Self.links).forEachRow { row in
            let (a, b) = (root(row.string(at: 0)), root(row.string(at: 1)))
            parent[a] = parent[a] ?? a
            parent[b] = parent[b] ?? b
            if a != b { parent[a] = b }
        }
        guard !parent.isEmpty else { return [] }
        let chosen = Set(selected)
        // A group stays when one of its runs is not selected.
        var staying = Set<String>()
        for id in parent.keys where !chosen.contains(id) { staying.insert(root(id)) }
        return Set(selected.filter { parent[$0] != nil && staying.contains(root($0)) })
    }

    /// Prunes: copies to the attached archive (SQLite), then removes. With `only`, removes
    /// only those of the prunable runs (already copied to an archive).
    func run(only: Set<Int64>? = nil) throws -> PruneReport {
        var plan = try plan()
        if let only {
            plan.kept += plan.runs.count(where: { !only.contains($0.num) })
            plan.runs = plan.runs.filter { only.contains($0.num) }
        } else if options.archive != nil {
            for run in plan.runs { try copyToArchive(run) }
        }
        let report = try report(plan)
        try remove(plan, report: report)
        return report
    }

    /// Counts what removing the plan's runs removes.
    func report(_ plan: Plan) throws -> PruneReport {
        var report = PruneReport(
            runs: plan.runs.count, changes: try count(.changes, of: plan.runs), kept: plan.kept,
            archive: options.archive)
        report.annotations = try count(.annotations, of: plan.runs)
        report.dependencies = try count(.dependencies, of: plan.runs)
        report.openLineageEvents = try count(.openLineageEvents, of: plan.runs)
        report.pinned = plan.pinned
        return report
    }

    /// The one place rows leave the ledger: records the prune (its cutoff: the one given,
    /// or just after the latest end among the runs, which is what lets the triggers delete
    /// them), then deletes the runs, whose triggers take their history, dependencies,
    /// annotations and events with them and their durations out of the stats.
    private func remove(_ plan: Plan, report: PruneReport) throws {
        let before = max(options.terminalBefore?.rawValue ?? 0, (plan.latestEnd ?? -1) + 1)
        try connection.prepare(
            "INSERT INTO prunes (before_at, at, actor, archive, runs, changes) VALUES (?, ?, ?, ?, ?, ?)"
        ).execute(before, Timestamp.now.rawValue, actor, options.archive, report.runs, report.changes)
        // What is removed is sealed first, and what stays sealed again after (Store+Seals).
        let sealed = plan.runs.isEmpty ? nil : try Store(connection: connection).sealBeforePrune(actor: actor)
        // Children and dependants before the runs they name.
        let delete = try connection.prepare("DELETE FROM runs WHERE num = ?")
        for run in plan.runs.reversed() { try delete.execute(run.num) }
        if let sealed { try Store(connection: connection).sealAfterPrune(sealed, actor: actor) }
    }

    /// The rows that go with a run, by table.
    enum Companion {
        case changes, annotations, dependencies, openLineageEvents

        /// Counts the rows of the runs whose nums `values` (a query of the list `?`) lists.
        func sql(_ values: String) -> String {
            switch self {
            case .changes: "SELECT count(*) FROM state_changes WHERE run_num IN (\(values))"
            case .annotations:
                "SELECT count(*) FROM run_annotations AS a JOIN runs AS r ON r.id = a.run_id WHERE r.num IN (\(values))"
            case .dependencies:
                "SELECT count(*) FROM run_dependencies AS d JOIN runs AS r ON r.id = d.run_id WHERE r.num IN (\(values))"
            case .openLineageEvents:
                "SELECT count(*) FROM openlineage_events AS e JOIN runs AS r ON r.id = e.run_id WHERE r.num IN (\(values))"
            }
        }

        /// The table whose rows these are.
        var table: String {
            switch self {
            case .changes: "state_changes"
            case .annotations: "run_annotations"
            case .dependencies: "run_dependencies"
            case .openLineageEvents: "openlineage_events"
            }
        }
    }

    /// How many rows of `companion` these runs have.
    private func count(_ companion: Companion, of runs: [(num: Int64, id: String)]) throws -> Int {
        guard !runs.isEmpty else { return 0 }
        let nums = runs.map { String($0.num) }.joined(separator: ",")
        let (list, values) =
            connection.engine == .sqlite
            ? ("[" + nums + "]", "SELECT value FROM json_each(?)")
            : ("{" + nums + "}", "SELECT unnest(CAST(? AS bigint[]))")
        return try connection.prepare(companion.sql(values)).fetchOne(list) { Int($0.int64(at: 0)) } ?? 0
    }

    /// An estimate of the bytes the report's rows take: each table's bytes (with its
    /// indexes) in proportion to the rows that go.
    func estimatedBytes(_ report: PruneReport) throws -> (Int64, String) {
        let removed: [(table: String, rows: Int)] = [
            ("runs", report.runs), ("state_changes", report.changes), ("run_annotations", report.annotations),
            ("run_dependencies", report.dependencies), ("openlineage_events", report.openLineageEvents),
        ]
        let sizes = try Store(connection: connection).tableSizes(removed.map(\.table))
        var total = 0.0
        for (table, rows) in removed where rows > 0 {
            let all = try connection.prepare("SELECT count(*) FROM \(table)").fetchOne { $0.int64(at: 0) } ?? 0
            guard all > 0 else { continue }
            if let bytes = sizes.bytes[table] {
                total += Double(bytes) * Double(rows) / Double(all)
            }
        }
        if sizes.method == "pages" {
            // No size per table: the used pages in proportion to all the rows that go.
            var all = 0.0
            for table in removed.map(\.table) {
                all += Double(try connection.prepare("SELECT count(*) FROM \(table)").fetchOne { $0.int64(at: 0) } ?? 0)
            }
            let rows = Double(removed.map(\.rows).reduce(0, +))
            total = all > 0 ? Double(sizes.bytes["*"] ?? 0) * rows / all : 0
        }
        return (Int64(total.rounded()), sizes.method)
    }

    /// Copies one run into the attached archive ledger, unless it is there already: the run
    /// in its first state, then its other changes in order, then its dependencies and
    /// annotations. The archive's own triggers check every row.
    private func copyToArchive(_ run: (num: Int64, id: String)) throws {
        let copied = try connection.cached("SELECT 1 FROM archive.runs WHERE id = ?").fetchOne(run.id) { _ in true }
        if copied != nil { return }
        try connection.cached(
            """
            INSERT INTO archive.runs (id, job, lifecycle, state, created_at, created_by, created_reason, attempt,
                                      parent_id, max_retries, scheduled_at, meta)
            SELECT r.id, r.job, r.lifecycle, f.to_state, r.created_at, r.created_by, r.created_reason, r.attempt,
                   r.parent_id, r.max_retries, r.scheduled_at, r.meta
            FROM main.runs AS r
            JOIN main.state_changes AS f ON f.seq = (SELECT min(seq) FROM main.state_changes WHERE run_num = r.num)
            WHERE r.num = ?
            """
        ).execute(run.num)
        try connection.cached(
            """
            INSERT INTO archive.state_changes (run_num, from_state, to_state, at, action, actor, reason, meta, outcome,
                                               request_key)
            SELECT (SELECT num FROM archive.runs WHERE id = ?2), from_state, to_state, at, action, actor, reason, meta,
                   outcome, request_key
            FROM main.state_changes WHERE run_num = ?1 AND from_state IS NOT NULL ORDER BY seq
            """
        ).execute(run.num, run.id)
        try connection.cached(
            """
            INSERT INTO archive.run_dependencies (run_id, upstream_id)
            SELECT run_id, upstream_id FROM main.run_dependencies WHERE run_id = ?
            """
        ).execute(run.id)
        try connection.cached(
            """
            INSERT INTO archive.run_annotations (run_id, at, kind, actor, reason, meta)
            SELECT run_id, at, kind, actor, reason, meta FROM main.run_annotations WHERE run_id = ? ORDER BY id
            """
        ).execute(run.id)
        try connection.cached(
            """
            INSERT INTO archive.openlineage_events (received_at, sha256, run_id, event_type, event_time, job, effect,
                                                    note, event)
            SELECT received_at, sha256, run_id, event_type, event_time, job, effect, note, event
            FROM main.openlineage_events WHERE run_id = ? ORDER BY id
            ON CONFLICT (sha256) DO NOTHING
            """
        ).execute(run.id)
    }
}
