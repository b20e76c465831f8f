import ArgumentParser
import RunLedger
import RunLedgerOutput

struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Show or set jobs' retention policies (prune --policy).",
        discussion: """
            A job's policy is what `runledger prune` takes for it: ages by canonical type of a \
            run's end (--older-than) and a count of newest runs kept whatever their age \
            (--keep-last). `runledger prune --policy` (from cron) applies every job's policy \
            and leaves jobs without one alone; a job's newest run and pinned runs always stay.

            Examples:
              runledger retention
              runledger retention nightly-etl --older-than 'FAILED=90d,COMPLETED=7d,*=30d' --keep-last 20
              runledger retention nightly-etl --clear
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "A job, to set its policy.")
    var job: String?

    @Option(help: ArgumentHelp(RetentionArgument.help, valueName: "ages"))
    var olderThan: String?

    @Option(help: ArgumentHelp("Keep the job's newest N runs whatever their age.", valueName: "n"))
    var keepLast: Int?

    @Flag(help: "Remove the job's policy: prune --policy leaves it alone.")
    var clear = false

    func validate() throws {
        let setting = olderThan != nil || keepLast != nil
        if job == nil && (setting || clear) { throw ValidationError("Name the job whose policy to set.") }
        if job != nil && setting == clear {
            throw ValidationError("Give --older-than and/or --keep-last, or --clear.")
        }
        if let keepLast, keepLast < 0 { throw ValidationError("--keep-last must be 0 or more, not \(keepLast).") }
    }

    func run() throws {
        if let job {
            let ledger = try global.open(.create)
            if clear {
                let had = try ledger.clearRetentionPolicy(for: job)
                if !had { print("\(job) had no retention policy.") }
            } else {
                try ledger.setRetentionPolicy(
                    RetentionArgument.policy(olderThan: olderThan, keepLast: keepLast), for: job)
            }
            return
        }
        let ledger = try global.open(.readOnly)
        var table = Table(columns: [
            .init("job"), .init("older_than"), .init("keep_last"), .init("set_at"), .init("actor"),
        ])
        for entry in try ledger.retentionPolicies() {
            table.append([
                .text(entry.job), .text(RetentionArgument.describe(entry.policy)),
                entry.policy.keepLast.map { .integer(Int64($0)) } ?? .null, .time(entry.setAt),
                entry.actor.map { .text($0) } ?? .null,
            ])
        }
        print(output.format.render(table), terminator: "")
    }
}
