import ArgumentParser
import RunLedger
import RunLedgerOutput

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List runs, newest first; filter by job, state or time.",
        discussion: """
            Every filter given must hold. At most --limit runs are listed (100 by default; \
            0 for all).

            Examples:
              runledger runs --job nightly-etl --terminal --since 24h
              runledger runs --lifecycle domino --active --format json
              runledger runs --state Running --limit 0 --format csv
              runledger runs --chain 0193...
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Only runs of this job.", valueName: "job"))
    var job: String?

    @Option(help: ArgumentHelp("Only runs currently in this state.", valueName: "state"))
    var state: String?

    @Option(help: ArgumentHelp("Only runs of this lifecycle.", valueName: "name"))
    var lifecycle: String?

    @Option(
        help: ArgumentHelp(
            "Only runs whose state (refined by its outcome) has this canonical type: COMPLETED, FAILED...",
            valueName: "type"))
    var type: String?

    @Flag(help: "Only runs whose state is not terminal.")
    var active = false

    @Flag(help: "Only runs whose state is terminal.")
    var terminal = false

    @Option(help: ArgumentHelp("Only runs created at or after: \(TimeArgument.help).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only runs created before: \(TimeArgument.help).", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("At most this many runs (0: all).", valueName: "n"))
    var limit = 100

    @Option(
        help: ArgumentHelp("Only the retry chain this run belongs to, from its root, by attempt.", valueName: "run-id"))
    var chain: String?

    func validate() throws {
        if active && terminal { throw ValidationError("--active and --terminal exclude each other.") }
        if limit < 0 { throw ValidationError("--limit must be 0 or more, not \(limit).") }
        if let type, CanonicalType(rawValue: type.uppercased()) == nil {
            throw ValidationError(
                "--type must be one of \(CanonicalType.allCases.map(\.rawValue).joined(separator: ", ")), not \(type).")
        }
    }

    func run() throws {
        let since = try since.map { try TimeArgument.parse($0, option: "--since") }
        let until = try until.map { try TimeArgument.parse($0, option: "--until") }
        let ledger = try global.open(.readOnly)
        if let chain {
            print(output.format.render(RunRows.table(try ledger.chain(of: chain))), terminator: "")
            return
        }
        let query = RunQuery(
            job: job, lifecycle: lifecycle, state: state, status: active ? .active : terminal ? .terminal : .any,
            canonicalType: type.flatMap { CanonicalType(rawValue: $0.uppercased()) },
            createdSince: since, createdBefore: until, limit: limit == 0 ? nil : limit + 1)
        var runs = try ledger.runs(matching: query)
        let truncated = limit > 0 && runs.count > limit
        if truncated { runs.removeLast() }
        print(output.format.render(RunRows.table(runs)), terminator: "")
        if truncated && output.format == .table {
            printNote("(the \(limit) newest runs shown; --limit 0 shows all)")
        }
    }
}
