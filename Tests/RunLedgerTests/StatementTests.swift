import Testing

@testable import RunLedger

/// The statement helpers bind their arguments by position, reset the statement whatever
/// happens, and the column lists read each column where their SELECT put it.
///
/// SQLite only: the SQLite statement helpers, under the engine-neutral Query.
struct StatementTests {
    private func database() throws -> Connection {
        let connection = try Connection(path: ":memory:", mode: .readWrite(create: true))
        try connection.execute("CREATE TABLE t (a, b, c, d, e, f)")
        return connection
    }

    private func typesAndValues(_ connection: Connection) throws -> [[String]] {
        try connection.prepare("SELECT typeof(a), a, typeof(b), b, typeof(c), c, typeof(d), d, typeof(e), e FROM t")
            .fetchAll { row in (0..<row.columnCount).map { row.string(at: $0) } }
    }

    @Test func executeBindsEachArgumentToItsParameterInOrder() throws {
        let connection = try database()
        let insert = try connection.cached("INSERT INTO t (a, b, c, d, e) VALUES (?, ?, ?, ?, ?)")
        try insert.execute(Int64(7), "text", 2.5, true, String?.none)
        try insert.execute(8, "", 0.0, false, SQLValue.blob([1, 2]))
        #expect(
            try typesAndValues(connection) == [
                ["integer", "7", "text", "text", "real", "2.5", "integer", "1", "null", ""],
                ["integer", "8", "text", "", "real", "0.0", "integer", "0", "blob", "\u{1}\u{2}"],
            ])
    }

    @Test func anOptionalBindsItsValueOrNull() throws {
        let connection = try database()
        let insert = try connection.cached("INSERT INTO t (a, b, c, d, e) VALUES (?, ?, ?, ?, ?)")
        let some: String? = "x"
        let none: Int64? = nil
        try insert.execute(some, none, Int?.some(3), Double?.none, Bool?.some(false))
        #expect(
            try typesAndValues(connection) == [
                ["text", "x", "null", "", "integer", "3", "null", "", "integer", "0"]
            ])
    }

    @Test func fetchOneReadsTheFirstRowOrNil() throws {
        let connection = try database()
        try connection.execute("INSERT INTO t (a, b) VALUES (1, 'one'), (2, 'two'), (2, 'deux')")
        let select = try connection.cached("SELECT b FROM t WHERE a = ? ORDER BY rowid")
        #expect(try select.fetchOne(2) { $0.string(at: 0) } == "two")
        #expect(try select.fetchOne(3) { $0.string(at: 0) } == nil)
        #expect(try connection.prepare("SELECT count(*) FROM t").fetchOne { $0.int64(at: 0) } == 3)
    }

    @Test func fetchAllReadsEveryRowAndCanRunAgainAtOnce() throws {
        let connection = try database()
        try connection.execute("INSERT INTO t (a, b) VALUES (1, 'one'), (2, 'two'), (3, 'three')")
        let select = try connection.cached("SELECT b FROM t WHERE a >= ? AND a <= ? ORDER BY a")
        // The second call gets the same statement from the cache: the first one reset it.
        #expect(try select.fetchAll(1, 2) { $0.string(at: 0) } == ["one", "two"])
        #expect(try connection.cached(select.sql).fetchAll(2, 3) { $0.string(at: 0) } == ["two", "three"])
        #expect(try select.fetchAll(arguments: [.integer(3), .integer(9)]) { $0.string(at: 0) } == ["three"])
        var seen: [Int64] = []
        try connection.cached("SELECT a FROM t ORDER BY a").forEachRow { seen.append($0.int64(at: 0)) }
        #expect(seen == [1, 2, 3])
    }

    @Test func aFailedStepStillResetsTheStatement() throws {
        let connection = try database()
        try connection.execute("CREATE UNIQUE INDEX t_a ON t (a)")
        let insert = try connection.cached("INSERT INTO t (a) VALUES (?)")
        try insert.execute(1)
        #expect(throws: SQLiteError.self) { try insert.execute(1) }
        // Reset after the failure: the statement runs again, with its new argument.
        try insert.execute(2)
        #expect(try connection.prepare("SELECT group_concat(a) FROM t").fetchOne { $0.string(at: 0) } == "1,2")
    }

    #if DEBUG
        @Test func aWrongNumberOfArgumentsStopsADebugBuild() async {
            await #expect(processExitsWith: .failure) {
                let connection = try Connection(path: ":memory:", mode: .readWrite(create: true))
                try connection.execute("CREATE TABLE t (a, b)")
                try connection.cached("INSERT INTO t (a, b) VALUES (?, ?)").execute(1)
            }
        }
    #endif

    @Test func aColumnListNumbersItsCasesInSelectOrder() {
        func check<Column: ColumnList>(_: Column.Type) {
            for (offset, column) in Column.allCases.enumerated() { #expect(Int(column.rawValue) == offset) }
            #expect(Column.selection == Column.allCases.map(\.expression).joined(separator: ", "))
        }
        check(Store.RunColumn.self)
        check(Store.RunStateColumn.self)
        check(Store.ChangeColumn.self)
    }

    @Test func aRunReadsEveryColumnFromItsOwnPlace() throws {
        try withTemporaryLedger { ledger, _ in
            let parent = try ledger.start(job: "first", lifecycle: "databricks", id: "p", maxRetries: 3)
            try ledger.transition(parent.id, to: "RUNNING")
            try ledger.transition(parent.id, to: "TERMINATED", outcome: "FAILED")
            let run = try ledger.start(
                job: "j", lifecycle: "databricks", id: "r", at: Timestamp(rawValue: 1_000), reason: "why",
                metadata: #"{"k":1}"#, parent: parent.id, scheduledAt: Timestamp(rawValue: 2_000), actor: "me")
            try ledger.transition(run.id, to: "RUNNING", at: Timestamp(rawValue: 3_000))
            try ledger.heartbeat(run.id, at: Timestamp(rawValue: 3_500))
            try ledger.transition(run.id, to: "TERMINATED", at: Timestamp(rawValue: 4_000), outcome: "FAILED")
            let read = try #require(try ledger.run(id: run.id))
            #expect(read.id == "r")
            #expect(read.job == "j")
            #expect(read.lifecycle == "databricks")
            #expect(read.state == "TERMINATED")
            #expect(read.createdAt == Timestamp(rawValue: 1_000))
            #expect(read.updatedAt == Timestamp(rawValue: 4_000))
            #expect(read.endedAt == Timestamp(rawValue: 4_000))
            #expect(read.outcome == "FAILED")
            #expect(read.createdBy == "me")
            #expect(read.createdReason == "why")
            #expect(read.attempt == 2)
            #expect(read.parentID == "p")
            #expect(read.maxRetries == 3)
            #expect(read.scheduledAt == Timestamp(rawValue: 2_000))
            #expect(read.heartbeatAt == Timestamp(rawValue: 3_500))
            #expect(read.metadata == #"{"k":1}"#)
            #expect(read.canonicalType == .failed)
            #expect(read.isTerminal)
        }
    }
}
