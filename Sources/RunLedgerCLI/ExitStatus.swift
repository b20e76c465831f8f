import RunLedger
import RunLedgerPostgres

/// The exit codes (sysexits, as the exit-code table in README's command-line section lists
/// them), and which error gets which.
enum ExitStatus {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let software: Int32 = 70
    static let ioError: Int32 = 74
    static let tempFail: Int32 = 75
    /// `wait`: the run ended FAILED or CRASHED (outside sysexits' range, so never confused
    /// with an error of the command itself).
    static let runFailed: Int32 = 10
    /// `wait`: the run ended CANCELLED or SKIPPED.
    static let runCancelled: Int32 = 11
    /// `wait`: the timeout passed before the run ended.
    static let waitTimedOut: Int32 = 12

    static func of(_ error: LedgerError) -> Int32 {
        switch error {
        case .noSuchRun, .noSuchLedger: noInput
        case .expectedStateConflict, .ledgerInUse: tempFail
        case .cannotOpen, .unsafeFileSystem: ioError
        default: dataError
        }
    }

    static func of(_ error: SQLiteError) -> Int32 {
        switch error.code {
        case .busy, .locked: tempFail
        case .ioError, .corrupt, .notADatabase, .full, .cannotOpen, .readOnly, .permission: ioError
        default: software
        }
    }

    /// One plain sentence for an SQLite failure.
    static func sentence(for error: SQLiteError) -> String {
        switch error.code {
        case .busy, .locked:
            "The ledger stayed locked by another process past the busy timeout; try again."
        case .corrupt, .notADatabase:
            "The ledger file is not a database or is corrupt (SQLite: \(error.message))."
        case .full:
            "The disk is full; nothing was recorded."
        case .readOnly, .permission:
            "The ledger file cannot be written (SQLite: \(error.message))."
        case .ioError, .cannotOpen:
            "The ledger file cannot be read or written (SQLite: \(error.message))."
        default:
            "Internal error: \(error.description)."
        }
    }

    /// A PostgreSQL failure: a server that cannot be reached or refuses the connection is an
    /// I/O error; a serialization failure, a deadlock or a lock timeout that outlived the
    /// library's retries is temporary; anything else is internal.
    static func of(_ error: PostgresError) -> Int32 {
        guard let state = error.sqlState else { return ioError }
        if error.isTransient || state == "55P03" { return tempFail }
        if state.hasPrefix("08") || state.hasPrefix("28") || state.hasPrefix("3D") || state == "42501"
            || state == "25006"
        {
            return ioError
        }
        return software
    }

    /// One plain sentence for a PostgreSQL failure.
    static func sentence(for error: PostgresError) -> String {
        guard let state = error.sqlState else { return "The PostgreSQL server cannot be reached: \(error.message)." }
        if error.isTransient || state == "55P03" {
            return
                "Another session held the ledger's rows past the lock timeout; try again (PostgreSQL: \(error.message))."
        }
        if state == "42501" { return "The role may not do this (PostgreSQL: \(error.message))." }
        if state == "25006" { return "The ledger was opened read-only (PostgreSQL: \(error.message))." }
        if state.hasPrefix("08") || state.hasPrefix("28") || state.hasPrefix("3D") {
            return "The PostgreSQL server refused the connection: \(error.message)."
        }
        return "Internal error: \(error.description)."
    }
}
