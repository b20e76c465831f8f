/// A statement of a ``Database``: a SQLite prepared statement, or a server's statement
/// text. It runs with its arguments given by position, as `Statement+Arguments.swift`
/// describes, and hands each row to a closure as a ``Row``.
///
/// One overload per number of arguments, as on `Statement`, so that on SQLite every call is
/// specialized and binds with no allocation (the write path's cost, counted there); a
/// server's statement collects the arguments as ``SQLValue``s.
struct Query {
    enum Target {
        case sqlite(Statement)
        case remote(any RemoteConnection, String, Database, oneOff: Bool = false)
    }

    let target: Target

    /// Runs a statement whose rows, if any, are not needed.
    func run() throws {
        switch target {
        case .sqlite(let statement): try statement.run()
        case .remote: _ = try runRemote([])
        }
    }

    // MARK: Arguments built at run time

    /// Every row the statement returns with a list of arguments built at run time.
    func fetchAll<Value>(arguments: [SQLValue], decode: (Row) -> Value) throws -> [Value] {
        switch target {
        case .sqlite(let statement): try statement.fetchAll(arguments: arguments, decode: decode)
        case .remote: try runRemote(arguments).map(decode)
        }
    }

    /// Hands each row the statement returns, with a list of arguments built at run time, to
    /// `body` in order.
    func forEachRow(arguments: [SQLValue] = [], _ body: (Row) -> Void) throws {
        switch target {
        case .sqlite(let statement): try statement.forEachRow(arguments: arguments, body)
        case .remote:
            let rows = try runRemote(arguments)
            for index in 0..<rows.rowCount { body(rows.row(index)) }
        }
    }

    // MARK: Statements that return no row

    func execute() throws {
        switch target {
        case .sqlite(let statement): try statement.execute()
        case .remote: _ = try runRemote([])
        }
    }

    func execute(_ a: some SQLBindable) throws {
        switch target {
        case .sqlite(let statement): try statement.execute(a)
        case .remote: _ = try runRemote([a.sqlValue])
        }
    }

    func execute(_ a: some SQLBindable, _ b: some SQLBindable) throws {
        switch target {
        case .sqlite(let statement): try statement.execute(a, b)
        case .remote: _ = try runRemote([a.sqlValue, b.sqlValue])
        }
    }

    func execute(_ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable) throws {
        switch target {
        case .sqlite(let statement): try statement.execute(a, b, c)
        case .remote: _ = try runRemote([a.sqlValue, b.sqlValue, c.sqlValue])
        }
    }

    func execute(_ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable) throws {
        switch target {
        case .sqlite(let statement): try statement.execute(a, b, c, d)
        case .remote: _ = try runRemote([a.sqlValue, b.sqlValue, c.sqlValue, d.sqlValue])
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable
    ) throws {
        switch target {
        case .sqlite(let statement): try statement.execute(a, b, c, d, e)
        case .remote: _ = try runRemote([a.sqlValue, b.sqlValue, c.sqlValue, d.sqlValue, e.sqlValue])
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable
    ) throws {
        switch target {
        case .sqlite(let statement): try statement.execute(a, b, c, d, e, f)
        case .remote: _ = try runRemote([a.sqlValue, b.sqlValue, c.sqlValue, d.sqlValue, e.sqlValue, f.sqlValue])
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable, _ g: some SQLBindable
    ) throws {
        switch target {
        case .sqlite(let statement): try statement.execute(a, b, c, d, e, f, g)
        case .remote:
            _ = try runRemote([a.sqlValue, b.sqlValue, c.sqlValue, d.sqlValue, e.sqlValue, f.sqlValue, g.sqlValue])
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable, _ g: some SQLBindable, _ h: some SQLBindable
    ) throws {
        switch target {
        case .sqlite(let statement): try statement.execute(a, b, c, d, e, f, g, h)
        case .remote:
            _ = try runRemote([
                a.sqlValue, b.sqlValue, c.sqlValue, d.sqlValue, e.sqlValue, f.sqlValue, g.sqlValue, h.sqlValue,
            ])
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable, _ g: some SQLBindable, _ h: some SQLBindable,
        _ i: some SQLBindable
    ) throws {
        switch target {
        case .sqlite(let statement): try statement.execute(a, b, c, d, e, f, g, h, i)
        case .remote:
            _ = try runRemote([
                a.sqlValue, b.sqlValue, c.sqlValue, d.sqlValue, e.sqlValue, f.sqlValue, g.sqlValue, h.sqlValue,
                i.sqlValue,
            ])
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable, _ g: some SQLBindable, _ h: some SQLBindable,
        _ i: some SQLBindable, _ j: some SQLBindable
    ) throws {
        switch target {
        case .sqlite(let statement): try statement.execute(a, b, c, d, e, f, g, h, i, j)
        case .remote:
            _ = try runRemote([
                a.sqlValue, b.sqlValue, c.sqlValue, d.sqlValue, e.sqlValue, f.sqlValue, g.sqlValue, h.sqlValue,
                i.sqlValue, j.sqlValue,
            ])
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable, _ g: some SQLBindable, _ h: some SQLBindable,
        _ i: some SQLBindable, _ j: some SQLBindable, _ k: some SQLBindable
    ) throws {
        switch target {
        case .sqlite(let statement): try statement.execute(a, b, c, d, e, f, g, h, i, j, k)
        case .remote:
            _ = try runRemote([
                a.sqlValue, b.sqlValue, c.sqlValue, d.sqlValue, e.sqlValue, f.sqlValue, g.sqlValue, h.sqlValue,
                i.sqlValue, j.sqlValue, k.sqlValue,
            ])
        }
    }

    func execute(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        _ e: some SQLBindable, _ f: some SQLBindable, _ g: some SQLBindable, _ h: some SQLBindable,
        _ i: some SQLBindable, _ j: some SQLBindable, _ k: some SQLBindable, _ l: some SQLBindable
    ) throws {
        switch target {
        case .sqlite(let statement): try statement.execute(a, b, c, d, e, f, g, h, i, j, k, l)
        case .remote:
            _ = try runRemote([
                a.sqlValue, b.sqlValue, c.sqlValue, d.sqlValue, e.sqlValue, f.sqlValue, g.sqlValue, h.sqlValue,
                i.sqlValue, j.sqlValue, k.sqlValue, l.sqlValue,
            ])
        }
    }

    // MARK: The first row

    func fetchOne<Value>(decode: (Row) -> Value) throws -> Value? {
        switch target {
        case .sqlite(let statement): try statement.fetchOne(decode: decode)
        case .remote: try runRemote([]).first(decode)
        }
    }

    func fetchOne<Value>(_ a: some SQLBindable, decode: (Row) -> Value) throws -> Value? {
        switch target {
        case .sqlite(let statement): try statement.fetchOne(a, decode: decode)
        case .remote: try runRemote([a.sqlValue]).first(decode)
        }
    }

    func fetchOne<Value>(_ a: some SQLBindable, _ b: some SQLBindable, decode: (Row) -> Value) throws -> Value? {
        switch target {
        case .sqlite(let statement): try statement.fetchOne(a, b, decode: decode)
        case .remote: try runRemote([a.sqlValue, b.sqlValue]).first(decode)
        }
    }

    func fetchOne<Value>(_ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, decode: (Row) -> Value)
        throws -> Value?
    {
        switch target {
        case .sqlite(let statement): try statement.fetchOne(a, b, c, decode: decode)
        case .remote: try runRemote([a.sqlValue, b.sqlValue, c.sqlValue]).first(decode)
        }
    }

    func fetchOne<Value>(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        decode: (Row) -> Value
    ) throws -> Value? {
        switch target {
        case .sqlite(let statement): try statement.fetchOne(a, b, c, d, decode: decode)
        case .remote:
            try runRemote([a.sqlValue, b.sqlValue, c.sqlValue, d.sqlValue]).first(decode)
        }
    }

    // MARK: Every row

    func fetchAll<Value>(decode: (Row) -> Value) throws -> [Value] {
        switch target {
        case .sqlite(let statement): try statement.fetchAll(decode: decode)
        case .remote: try runRemote([]).map(decode)
        }
    }

    func fetchAll<Value>(_ a: some SQLBindable, decode: (Row) -> Value) throws -> [Value] {
        switch target {
        case .sqlite(let statement): try statement.fetchAll(a, decode: decode)
        case .remote: try runRemote([a.sqlValue]).map(decode)
        }
    }

    func fetchAll<Value>(_ a: some SQLBindable, _ b: some SQLBindable, decode: (Row) -> Value) throws -> [Value] {
        switch target {
        case .sqlite(let statement): try statement.fetchAll(a, b, decode: decode)
        case .remote: try runRemote([a.sqlValue, b.sqlValue]).map(decode)
        }
    }

    func fetchAll<Value>(_ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, decode: (Row) -> Value)
        throws -> [Value]
    {
        switch target {
        case .sqlite(let statement): try statement.fetchAll(a, b, c, decode: decode)
        case .remote: try runRemote([a.sqlValue, b.sqlValue, c.sqlValue]).map(decode)
        }
    }

    func fetchAll<Value>(
        _ a: some SQLBindable, _ b: some SQLBindable, _ c: some SQLBindable, _ d: some SQLBindable,
        decode: (Row) -> Value
    ) throws -> [Value] {
        switch target {
        case .sqlite(let statement): try statement.fetchAll(a, b, c, d, decode: decode)
        case .remote:
            try runRemote([a.sqlValue, b.sqlValue, c.sqlValue, d.sqlValue]).map(decode)
        }
    }

}
