import RunLedger

/// Job health as table rows: what `runledger jobs --health` prints.
package enum JobHealthRows {
    package static let columns: [Table.Column] = [
        .init("job"), .init("latest_run_id", title: "LATEST RUN"), .init("latest_state", title: "STATE"),
        .init("latest_canonical_type", title: "TYPE"), .init("failing"),
        .init("last_success_at", title: "LAST SUCCESS"),
        .init("consecutive_failures", title: "FAILURES"), .init("window_runs", title: "RUNS"),
        .init("success_rate", title: "SUCCESS"), .init("p50_seconds", title: "P50"), .init("p95_seconds", title: "P95"),
        .init("active"), .init("max_active", title: "LIMIT"), .init("stale_after_seconds", title: "FRESH WITHIN"),
        .init("stale_since", title: "STALE SINCE"),
    ]

    package static func table(_ jobs: [JobHealth]) -> Table {
        Table(
            columns: columns,
            rows: jobs.map { job in
                [
                    .text(job.job), Cell(job.latestRun?.id), Cell(job.latestRun?.state),
                    Cell(job.latestRun?.canonicalType.rawValue), .bool(job.isFailing), Cell(job.lastSuccess),
                    .integer(Int64(job.consecutiveFailures)), .integer(Int64(job.windowRuns)),
                    job.successRate.map(Cell.number) ?? .null, Cell(seconds: job.duration?.p50),
                    Cell(seconds: job.duration?.p95), .integer(Int64(job.active)),
                    job.maxActive.map { .integer(Int64($0)) } ?? .text("unlimited"), Cell(seconds: job.staleAfter),
                    Cell(job.staleSince),
                ]
            })
    }
}
