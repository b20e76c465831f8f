/// A value that binds to a statement parameter: an integer, a double, text, a ``SQLValue``, or
/// an optional of one of them (nil binds NULL).
///
/// The statement helpers (`execute`, `fetchOne`, `fetchAll`) take their arguments as
/// generic values of these, not as an array of ``SQLValue`` or of existentials: a call
/// builds nothing on the heap and binds each value with its type's own code, which matters on
/// the write path (two statements per write).
protocol SQLBindable {
    /// Binds the value to the one-based parameter `index` of `statement`.
    func bind(to statement: Statement, at index: Int32)
    /// The value, for an engine that takes its arguments as a list (``Query``).
    var sqlValue: SQLValue { get }
}

extension Int64: SQLBindable {
    func bind(to statement: Statement, at index: Int32) { statement.bind(self, at: index) }
    var sqlValue: SQLValue { .integer(self) }
}

extension Int: SQLBindable {
    func bind(to statement: Statement, at index: Int32) { statement.bind(Int64(self), at: index) }
    var sqlValue: SQLValue { .integer(Int64(self)) }
}

extension Bool: SQLBindable {
    /// Binds 1 or 0, as SQLite stores booleans.
    func bind(to statement: Statement, at index: Int32) { statement.bind(Int64(self ? 1 : 0), at: index) }
    var sqlValue: SQLValue { .integer(self ? 1 : 0) }
}

extension Double: SQLBindable {
    func bind(to statement: Statement, at index: Int32) { statement.bind(self, at: index) }
    var sqlValue: SQLValue { .real(self) }
}

extension String: SQLBindable {
    func bind(to statement: Statement, at index: Int32) { statement.bind(self, at: index) }
    var sqlValue: SQLValue { .text(self) }
}

extension SQLValue: SQLBindable {
    func bind(to statement: Statement, at index: Int32) { statement.bind(self, at: index) }
    var sqlValue: SQLValue { self }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    func bind(to statement: Statement, at index: Int32) {
        if let self { self.bind(to: statement, at: index) } else { statement.bind(SQLValue.null, at: index) }
    }
    var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

extension Statement {
    // MARK: - Running with arguments
    //
    // Each helper binds its arguments by position (the first to `?1`, the next to `?2`...),
    // steps, and resets: the statement is ready for its next use when the helper returns or
    // throws, and a cached statement keeps no read lock and no argument after it. Debug
    // builds check that the number of arguments is the statement's number of parameters.
    //
    // One overload per number of arguments, each argument its own generic type, so that
    // every call is specialized and binds as hand-numbered `bind(_:at:)` calls would. A
    // parameter pack would need one function, but Swift 6.3 copies each element of a pack
    // through its type's metadata (an optional through `Optional`'s generic witnesses), and
    // an array of existentials is allocated and boxed at every call. Counted with callgrind
    // on W1, outside `sqlite3_step`, against hand-numbered binds (13,021 instructions per
    // write): a pack +2,600, an array +5,400, these overloads +9.

    /// Binds, runs to the end, and resets.
    private func execute(count: Int32, binding bind: () -> Void) throws(SQLiteError) {
        defer { reset() }
        bind()
        assert(count == parameterCount, "\(count) arguments for \(parameterCount) parameters: \(sql)")
        try run()
    }

    /// Binds, reads the first row if there is one, and resets.
    private func fetchOne<Value>(count: Int32, binding bind: () -> Void, decode: (Row) -> Value)
        throws(SQLiteError) -> Value?
    {
        defer { reset() }
        bind()
        assert(count == parameterCount, "\(count) arguments for \(parameterCount) parameters: \(sql)")
        return try step() ? decode(Row(statement: self)) : nil
    }

    /// Binds, reads every row, and resets.
    private func forEachRow(count: Int32, binding bind: () -> Void, _ body: (Row) -> Void) throws(SQLiteError) {
        defer { reset() }
        bind()
        assert(count == parameterCount, "\(count) arguments for \(parameterCount) parameters: \(sql)")
        while try step() { body(Row(statement: self)) }
    }

    /// Binds, reads every row as `decode` reads it, and resets.
    private func fetchAll<Value>(count: Int32, binding bind: () -> Void, decode: (Row) -> Value)
        throws(SQLiteError) -> [Value]
    {
        var values: [Value] = []
        try forEachRow(count: count, binding: bind) { values.append(decode($0)) }
        return values
    }

    // MARK: Statements that return no row

    /// Runs a statement that returns no row, with no argument.
    func execute() throws(SQLiteError) { try execute(count: 0) {} }

    /// Runs a statement that returns no row, with these arguments.
    func execute(_ a: some SQLBindable) throws(SQLiteError) {
        try execute(count: 1) { a.bind(to: self, at: 1) }
    }

    func execute(_ a: some SQLBindable, _ b: some SQLBindable) throws(SQLiteError) {
        try execute(count: 2) {
            a.bind(to: self, at: 1)
            b.bind(to: self, at: 2)
        }
    }

    func execute(_ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable) throws(SQLiteError) {
        try execute(count: 3) {
            a.bind(to: self, at: 1)
            b.bind(to: self, at: 2)
            c.bind(to: self, at: 3)
        }
    }

    func execute(_ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable)
        throws(SQLiteError)
    {
        try execute(count: 4) {
            a.bind(to: self, at: 1)
            b.bind(to: self, at: 2)
            c.bind(to: self, at: 3)
            d.bind(to: self, at: 4)
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable
    ) throws(SQLiteError) {
        try execute(count: 5) {
            a.bind(to: self, at: 1)
            b.bind(to: self, at: 2)
            c.bind(to: self, at: 3)
            d.bind(to: self, at: 4)
            e.bind(to: self, at: 5)
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable
    ) throws(SQLiteError) {
        try execute(count: 6) {
            a.bind(to: self, at: 1)
            b.bind(to: self, at: 2)
            c.bind(to: self, at: 3)
            d.bind(to: self, at: 4)
            e.bind(to: self, at: 5)
            f.bind(to: self, at: 6)
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable, _ g: some SQLBindable
    ) throws(SQLiteError) {
        try execute(count: 7) {
            a.bind(to: self, at: 1)
            b.bind(to: self, at: 2)
            c.bind(to: self, at: 3)
            d.bind(to: self, at: 4)
            e.bind(to: self, at: 5)
            f.bind(to: self, at: 6)
            g.bind(to: self, at: 7)
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable, _ g: some SQLBindable, _ h: some SQLBindable
    ) throws(SQLiteError) {
        try execute(count: 8) {
            a.bind(to: self, at: 1)
            b.bind(to: self, at: 2)
            c.bind(to: self, at: 3)
            d.bind(to: self, at: 4)
            e.bind(to: self, at: 5)
            f.bind(to: self, at: 6)
            g.bind(to: self, at: 7)
            h.bind(to: self, at: 8)
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable, _ g: some SQLBindable, _ h: some SQLBindable,
        _ i: some SQLBindable
    ) throws(SQLiteError) {
        try execute(count: 9) {
            a.bind(to: self, at: 1)
            b.bind(to: self, at: 2)
            c.bind(to: self, at: 3)
            d.bind(to: self, at: 4)
            e.bind(to: self, at: 5)
            f.bind(to: self, at: 6)
            g.bind(to: self, at: 7)
            h.bind(to: self, at: 8)
            i.bind(to: self, at: 9)
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable, _ g: some SQLBindable, _ h: some SQLBindable,
        _ i: some SQLBindable, _ j: some SQLBindable
    ) throws(SQLiteError) {
        try execute(count: 10) {
            a.bind(to: self, at: 1)
            b.bind(to: self, at: 2)
            c.bind(to: self, at: 3)
            d.bind(to: self, at: 4)
            e.bind(to: self, at: 5)
            f.bind(to: self, at: 6)
            g.bind(to: self, at: 7)
            h.bind(to: self, at: 8)
            i.bind(to: self, at: 9)
            j.bind(to: self, at: 10)
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable, _ g: some SQLBindable, _ h: some SQLBindable,
        _ i: some SQLBindable, _ j: some SQLBindable, _ k: some SQLBindable
    ) throws(SQLiteError) {
        try execute(count: 11) {
            a.bind(to: self, at: 1)
            b.bind(to: self, at: 2)
            c.bind(to: self, at: 3)
            d.bind(to: self, at: 4)
            e.bind(to: self, at: 5)
            f.bind(to: self, at: 6)
            g.bind(to: self, at: 7)
            h.bind(to: self, at: 8)
            i.bind(to: self, at: 9)
            j.bind(to: self, at: 10)
            k.bind(to: self, at: 11)
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable, _ g: some SQLBindable, _ h: some SQLBindable,
        _ i: some SQLBindable, _ j: some SQLBindable, _ k: some SQLBindable, _ l: some SQLBindable
    ) throws(SQLiteError) {
        try execute(count: 12) {
            a.bind(to: self, at: 1)
            b.bind(to: self, at: 2)
            c.bind(to: self, at: 3)
            d.bind(to: self, at: 4)
            e.bind(to: self, at: 5)
            f.bind(to: self, at: 6)
            g.bind(to: self, at: 7)
            h.bind(to: self, at: 8)
            i.bind(to: self, at: 9)
            j.bind(to: self, at: 10)
            k.bind(to: self, at: 11)
            l.bind(to: self, at: 12)
        }
    }

    // MARK: Queries

    /// The first row the statement returns with no argument, as `decode` reads it, or nil.
    func fetchOne<Value>(decode: (Row) -> Value) throws(SQLiteError) -> Value? {
        try fetchOne(count: 0, binding: {}, decode: decode)
    }

    /// The first row the statement returns with these arguments, as `decode` reads it, or nil.
    func fetchOne<Value>(_ a: some SQLBindable, decode: (Row) -> Value) throws(SQLiteError) -> Value? {
        try fetchOne(count: 1, binding: { a.bind(to: self, at: 1) }, decode: decode)
    }

    func fetchOne<Value>(_ a: some SQLBindable, _ b: some SQLBindable, decode: (Row) -> Value) throws(SQLiteError)
        -> Value?
    {
        try fetchOne(
            count: 2,
            binding: {
                a.bind(to: self, at: 1)
                b.bind(to: self, at: 2)
            }, decode: decode)
    }

    func fetchOne<Value>(_ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, decode: (Row) -> Value)
        throws(SQLiteError) -> Value?
    {
        try fetchOne(
            count: 3,
            binding: {
                a.bind(to: self, at: 1)
                b.bind(to: self, at: 2)
                c.bind(to: self, at: 3)
            }, decode: decode)
    }

    func fetchOne<Value>(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        decode: (Row) -> Value
    ) throws(SQLiteError) -> Value? {
        try fetchOne(
            count: 4,
            binding: {
                a.bind(to: self, at: 1)
                b.bind(to: self, at: 2)
                c.bind(to: self, at: 3)
                d.bind(to: self, at: 4)
            }, decode: decode)
    }

    /// Every row the statement returns with no argument, as `decode` reads each.
    func fetchAll<Value>(decode: (Row) -> Value) throws(SQLiteError) -> [Value] {
        try fetchAll(count: 0, binding: {}, decode: decode)
    }

    /// Every row the statement returns with these arguments, as `decode` reads each.
    func fetchAll<Value>(_ a: some SQLBindable, decode: (Row) -> Value) throws(SQLiteError) -> [Value] {
        try fetchAll(count: 1, binding: { a.bind(to: self, at: 1) }, decode: decode)
    }

    func fetchAll<Value>(_ a: some SQLBindable, _ b: some SQLBindable, decode: (Row) -> Value) throws(SQLiteError)
        -> [Value]
    {
        try fetchAll(
            count: 2,
            binding: {
                a.bind(to: self, at: 1)
                b.bind(to: self, at: 2)
            }, decode: decode)
    }

    func fetchAll<Value>(_ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, decode: (Row) -> Value)
        throws(SQLiteError) -> [Value]
    {
        try fetchAll(
            count: 3,
            binding: {
                a.bind(to: self, at: 1)
                b.bind(to: self, at: 2)
                c.bind(to: self, at: 3)
            }, decode: decode)
    }

    func fetchAll<Value>(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        decode: (Row) -> Value
    ) throws(SQLiteError) -> [Value] {
        try fetchAll(
            count: 4,
            binding: {
                a.bind(to: self, at: 1)
                b.bind(to: self, at: 2)
                c.bind(to: self, at: 3)
                d.bind(to: self, at: 4)
            }, decode: decode)
    }

    // MARK: Arguments built at run time

    /// Binds a list of arguments built at run time (a query's filters), in order.
    private func bind(_ arguments: [SQLValue]) {
        for (offset, argument) in arguments.enumerated() { bind(argument, at: Int32(offset + 1)) }
    }

    /// Every row the statement returns with a list of arguments built at run time.
    func fetchAll<Value>(arguments: [SQLValue], decode: (Row) -> Value) throws(SQLiteError) -> [Value] {
        try fetchAll(count: Int32(arguments.count), binding: { bind(arguments) }, decode: decode)
    }

    /// Hands each row the statement returns, with a list of arguments built at run time, to
    /// `body` in order, without collecting them (for scans that fold many rows).
    func forEachRow(arguments: [SQLValue] = [], _ body: (Row) -> Void) throws(SQLiteError) {
        try forEachRow(count: Int32(arguments.count), binding: { bind(arguments) }, body)
    }
}
