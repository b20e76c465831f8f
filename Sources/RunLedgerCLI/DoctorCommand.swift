import ArgumentParser
import RunLedger
import RunLedgerOutput

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the ledger's file system, WAL, space and seals.",
        discussion: """
            One sentence per check: the file on a network or FUSE file system (NFS, SMB/CIFS, \
            FUSE, 9p...), where SQLite's locking is unsafe and writing is refused unless \
            RUNLEDGER_ALLOW_UNSAFE_FILESYSTEM=1; a WAL grown large with no checkpoint; a large \
            freelist; the newest seal older than --seal-max-age; and verify's result (run now: \
            nothing records an earlier one). Reads only. Exit 0 when nothing is a problem \
            (warnings included), 65 when something is.

            Examples:
              runledger doctor
              runledger --db /mnt/share/runs.db doctor --skip-verify --format json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Report a -wal file larger than this many MiB.", valueName: "MiB"))
    var walLimit: Double = 64

    @Option(help: ArgumentHelp("Report a newest seal older than this many days.", valueName: "days"))
    var sealMaxAge: Double = 7

    @Flag(help: "Do not run verify (it reads the whole ledger).")
    var skipVerify = false

    func validate() throws {
        guard walLimit >= 0 else { throw ValidationError("--wal-limit must not be negative, not \(walLimit).") }
        guard sealMaxAge >= 0 else { throw ValidationError("--seal-max-age must not be negative, not \(sealMaxAge).") }
    }

    func run() throws {
        let ledger = try global.open(.readOnly)
        let policy = DoctorPolicy(
            walLimit: Int64(walLimit * 1_048_576), sealMaxAge: .seconds(sealMaxAge * 86_400), verifies: !skipVerify)
        let findings = try ledger.doctor(policy)
        if output.format == .table {
            for finding in findings { print("\(finding.severity.rawValue): \(finding.detail)") }
        } else {
            var table = Table(columns: [.init("severity"), .init("check"), .init("detail")])
            for finding in findings {
                table.append([.text(finding.severity.rawValue), .text(finding.check), .text(finding.detail)])
            }
            print(output.format.render(table), terminator: "")
        }
        let problems = findings.filter { $0.severity == .problem }.count
        if problems > 0 {
            throw CLIError.data("\(ledger.path) has \(problems) problem\(problems == 1 ? "" : "s") (above).")
        }
    }
}
