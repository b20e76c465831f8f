import Testing

/// The root help, pinned: its groups of commands, each command's one-line abstract, and the
/// value names of the options every command takes. At 80 columns (COLUMNS, so the terminal
/// running the tests does not change the wrapping), every abstract fits on its line.
struct RootHelpTests {
    @Test(arguments: [["--help"], ["-h"], ["help"]])
    func rootHelpIsAsPinned(_ arguments: [String]) throws {
        try withTemporaryDirectory { directory in
            let result = try runledger(arguments, environment: ["COLUMNS": "80"], in: directory)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.isEmpty, "\(result)")
            #expect(result.stdout == Self.expected)
        }
    }

    static let expected = #"""
        OVERVIEW: Record every run and its state changes, in SQLite or PostgreSQL.

        The ledger refuses illegal state changes itself, whichever client writes.
        Built-in lifecycles: canonical, databricks, openlineage, opencue, domino,
        prefect.

        Examples:
          runledger init
          id=$(runledger start nightly-etl --lifecycle prefect)
          runledger transition "$id" Pending
          runledger transition "$id" Running --expect Pending
          runledger history "$id"

        The ledger is --db <path|postgresql://...>, else $RUNLEDGER_DB, else
        ./runledger.db.
        Exit codes: 0 ok, 64 usage, 65 rejected data, 66 no such ledger or run, 70
        internal error, 74 I/O error or corrupt file, 75 try again (busy,
        expected-state conflict); wait adds 10 failed or crashed, 11 cancelled or
        skipped, 12 timed out.

        USAGE: runledger [--db <path|uri>] [--durability <level>] [--busy-timeout <seconds>] [--actor <name>] <subcommand>

        OPTIONS:
          --db <path|uri>         The ledger: a SQLite file, or a PostgreSQL database
                                  as postgresql://user@host:port/db (default:
                                  $RUNLEDGER_DB, else ./runledger.db).
          --durability <level>    Commit durability: full survives power loss, normal
                                  only process crashes. (values: full, normal; default:
                                  full)
          --busy-timeout <seconds>
                                  Seconds a write waits for another process's lock
                                  before giving up. (default: 30.0)
          --actor <name>          Who is making the change (default: $RUNLEDGER_ACTOR,
                                  else user@host).
          --version               Show the version.
          -h, --help              Show help information.

        RECORD SUBCOMMANDS:
          start                   Start a run of a job and print its id.
          transition              Move a run to another state of its lifecycle.
          act                     Perform a named action on a run (kill, retry...).
          heartbeat               Record that a running run is still alive.
          annotate                Record a fact about a run that does not move it.
          release                 Release a run whose upstream runs have all completed.

        READ SUBCOMMANDS:
          history                 Show a run's timeline: each change, its time, and why.
          wait                    Block until a run ends; exit by how it ended.
          runs                    List runs, newest first; filter by job, state or time.
          stats                   Show success rates, durations and time in each state.
          metrics                 Print metrics for Prometheus, or write a textfile.
          sql                     Run one read-only SQL query and print its rows.
          lifecycles              List the lifecycles, show one, or define your own.
          tail                    Print all runs' changes in seq order, as JSON lines.
          consumers               List the feed's consumers and how far behind each is.
          notify                  Run a command or call a webhook for each change.

        MAINTAIN SUBCOMMANDS:
          init                    Create the ledger, or migrate its schema.
          verify                  Check every rule, and that the rules are in place.
          seal                    Seal the history with a SHA-256 chain; print the seal.
          sweep                   Mark runs late; crash or time out stuck runs.
          prune                   Remove old runs, with history: by age, job or count.
          pin                     Pin a run so that no prune removes it; list the pins.
          unpin                   Unpin a run: the next prune may remove it.
          retention               Show or set jobs' retention policies (prune --policy).
          jobs                    Show jobs' health or limits; set limits, deadlines.
          copy                    Copy a whole ledger into another, through its rules.
          backup                  Copy the ledger to a file while writers go on.
          restore                 Replace the ledger with a checked backup.
          doctor                  Check the ledger's file system, WAL, space and seals.

        EXCHANGE SUBCOMMANDS:
          import                  Import run events from another system.
          export                  Export runs as another system's events.
          serve                   Serve pages, metrics and OpenLineage intake over HTTP.

          See 'runledger help <subcommand>' for detailed help.

        """#
}
