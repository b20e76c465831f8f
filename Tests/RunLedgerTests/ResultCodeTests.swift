import CSQLite
import Testing

@testable import RunLedger

/// The hand-written result codes equal SQLite's own constants.
///
/// SQLite only: SQLite's C constants.
struct ResultCodeTests {
    @Test func primaryCodesMatchTheCConstants() {
        #expect(ResultCode.ok.rawValue == SQLITE_OK)
        #expect(ResultCode.error.rawValue == SQLITE_ERROR)
        #expect(ResultCode.internal.rawValue == SQLITE_INTERNAL)
        #expect(ResultCode.permission.rawValue == SQLITE_PERM)
        #expect(ResultCode.busy.rawValue == SQLITE_BUSY)
        #expect(ResultCode.locked.rawValue == SQLITE_LOCKED)
        #expect(ResultCode.noMemory.rawValue == SQLITE_NOMEM)
        #expect(ResultCode.readOnly.rawValue == SQLITE_READONLY)
        #expect(ResultCode.ioError.rawValue == SQLITE_IOERR)
        #expect(ResultCode.corrupt.rawValue == SQLITE_CORRUPT)
        #expect(ResultCode.full.rawValue == SQLITE_FULL)
        #expect(ResultCode.cannotOpen.rawValue == SQLITE_CANTOPEN)
        #expect(ResultCode.constraint.rawValue == SQLITE_CONSTRAINT)
        #expect(ResultCode.mismatch.rawValue == SQLITE_MISMATCH)
        #expect(ResultCode.notADatabase.rawValue == SQLITE_NOTADB)
        #expect(ResultCode.row.rawValue == SQLITE_ROW)
        #expect(ResultCode.done.rawValue == SQLITE_DONE)
    }

    @Test func extendedCodesMatchTheCConstants() {
        #expect(ResultCode.constraintTrigger.rawValue == CSQLITE_CONSTRAINT_TRIGGER)
        #expect(ResultCode.constraintTrigger.rawValue == 1811)
        #expect(ResultCode.constraintCheck.rawValue == CSQLITE_CONSTRAINT_CHECK)
        #expect(ResultCode.constraintNotNull.rawValue == CSQLITE_CONSTRAINT_NOTNULL)
        #expect(ResultCode.constraintUnique.rawValue == CSQLITE_CONSTRAINT_UNIQUE)
        #expect(ResultCode.constraintPrimaryKey.rawValue == CSQLITE_CONSTRAINT_PRIMARYKEY)
        #expect(ResultCode.constraintForeignKey.rawValue == CSQLITE_CONSTRAINT_FOREIGNKEY)
        #expect(ResultCode.constraintDataType.rawValue == CSQLITE_CONSTRAINT_DATATYPE)
        #expect(ResultCode.busySnapshot.rawValue == CSQLITE_BUSY_SNAPSHOT)
        #expect(ResultCode.busyRecovery.rawValue == CSQLITE_BUSY_RECOVERY)
        #expect(ResultCode.busyTimeout.rawValue == CSQLITE_BUSY_TIMEOUT)
        #expect(ResultCode.cannotOpenIsDirectory.rawValue == CSQLITE_CANTOPEN_ISDIR)
        #expect(ResultCode.readOnlyDatabaseMoved.rawValue == CSQLITE_READONLY_DBMOVED)
    }

    @Test func primaryIsTheLowEightBits() {
        #expect(ResultCode.constraintTrigger.primary == .constraint)
        #expect(ResultCode.busySnapshot.primary == .busy)
    }
}
