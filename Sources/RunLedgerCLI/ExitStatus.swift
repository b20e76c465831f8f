import RunLedger

/// The exit codes (sysexits, as the exit-code table in README's command-line section lists
/// them), and which error gets which.
enum ExitStatus {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let software: Int32 = 70
    static let ioError: Int32 = 74
    static let tempFail: Int32 = 75

    static func of(_ error: LedgerError) -> Int32 {
        switch error {
        case .noSuchRun, .noSuchLedger: noInput
        case .expectedStateConflict: tempFail
        case .cannotOpen: ioError
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
}
