/// The row a statement is on, as the statement helpers (`fetchOne`, `fetchAll`, `forEachRow`)
/// hand it to their closure: it reads columns, and cannot step or rebind the statement. On
/// SQLite it reads the statement's current row; on a server, the row's values as text
/// (integers in decimal, booleans as `t`/`f` or 1/0).
///
/// A `Row` is valid only inside that closure: the next step replaces its values (a server's
/// cells live as long as their result, which the row holds).
struct Row {
    private enum Source {
        case statement(Statement)
        case cells(any RemoteCells, row: Int, columnCount: Int32)
    }

    private let source: Source

    init(statement: Statement) {
        source = .statement(statement)
    }

    init(cells: any RemoteCells, row: Int, columnCount: Int32) {
        source = .cells(cells, row: row, columnCount: columnCount)
    }

    // MARK: - By zero-based column index

    /// The column as an integer (NULL reads as 0).
    func int64(at index: Int32) -> Int64 {
        switch source {
        case .statement(let statement): statement.int64(at: index)
        case .cells(let cells, let row, _): Self.integer(cells.bytes(row: row, column: Int(index))) ?? 0
        }
    }

    /// The column as an integer, or nil when NULL.
    func optionalInt64(at index: Int32) -> Int64? {
        switch source {
        case .statement(let statement): statement.optionalInt64(at: index)
        case .cells(let cells, let row, _):
            cells.isNull(row: row, column: Int(index))
                ? nil : Self.integer(cells.bytes(row: row, column: Int(index))) ?? 0
        }
    }

    /// The column as text (NULL reads as "").
    func string(at index: Int32) -> String {
        switch source {
        case .statement(let statement): statement.string(at: index)
        case .cells(let cells, let row, _):
            String(decoding: cells.bytes(row: row, column: Int(index)), as: UTF8.self)
        }
    }

    /// The column as text, or nil when NULL.
    func optionalString(at index: Int32) -> String? {
        switch source {
        case .statement(let statement): statement.optionalString(at: index)
        case .cells(let cells, let row, _):
            cells.isNull(row: row, column: Int(index))
                ? nil : String(decoding: cells.bytes(row: row, column: Int(index)), as: UTF8.self)
        }
    }

    /// The column as a double (NULL reads as 0).
    func double(at index: Int32) -> Double {
        switch source {
        case .statement(let statement): statement.double(at: index)
        case .cells: Double(string(at: index)) ?? 0
        }
    }

    /// The column as a double, or nil when NULL.
    func optionalDouble(at index: Int32) -> Double? {
        switch source {
        case .statement(let statement): statement.isNull(at: index) ? nil : statement.double(at: index)
        case .cells(let cells, let row, _):
            cells.isNull(row: row, column: Int(index)) ? nil : Double(string(at: index)) ?? 0
        }
    }

    /// The number of columns.
    var columnCount: Int32 {
        switch source {
        case .statement(let statement): statement.columnCount
        case .cells(_, _, let columnCount): columnCount
        }
    }

    /// Whether the column's text is exactly these UTF-8 bytes, compared without making a String.
    func text(at index: Int32, equals utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        switch source {
        case .statement(let statement): statement.text(at: index, equals: utf8)
        case .cells(let cells, let row, _):
            !cells.isNull(row: row, column: Int(index))
                && cells.bytes(row: row, column: Int(index)).elementsEqual(utf8)
        }
    }

    /// Appends the column's text, as UTF-8 bytes, to `bytes` (NULL appends nothing).
    func appendText(at index: Int32, to bytes: inout [UInt8]) {
        switch source {
        case .statement(let statement): statement.appendText(at: index, to: &bytes)
        case .cells(let cells, let row, _):
            bytes.append(contentsOf: cells.bytes(row: row, column: Int(index)))
        }
    }

    /// A server's integer text read in place (a boolean reads as 1 or 0; a decimal is cut to
    /// its integer part); nil when the bytes are none of these.
    private static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let first = bytes.first else { return nil }
        if bytes.count == 1, first == UInt8(ascii: "t") { return 1 }
        if bytes.count == 1, first == UInt8(ascii: "f") { return 0 }
        var value: Int64 = 0
        var index = first == UInt8(ascii: "-") ? 1 : 0
        guard index < bytes.count else { return nil }
        while index < bytes.count {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                return Double(String(decoding: bytes, as: UTF8.self)).map { Int64($0) }
            }
            value = value &* 10 &+ Int64(byte - UInt8(ascii: "0"))
            index += 1
        }
        return first == UInt8(ascii: "-") ? 0 &- value : value
    }

    // MARK: - By column of a column list

    /// The column as an integer (NULL reads as 0).
    func int64<Column: ColumnList>(_ column: Column) -> Int64 { int64(at: column.rawValue) }
    /// The column as an integer, or nil when NULL.
    func optionalInt64<Column: ColumnList>(_ column: Column) -> Int64? { optionalInt64(at: column.rawValue) }
    /// The column as text (NULL reads as "").
    func string<Column: ColumnList>(_ column: Column) -> String { string(at: column.rawValue) }
    /// The column as text, or nil when NULL.
    func optionalString<Column: ColumnList>(_ column: Column) -> String? { optionalString(at: column.rawValue) }
    /// The column as a boolean: true unless 0 or NULL.
    func bool<Column: ColumnList>(_ column: Column) -> Bool { int64(at: column.rawValue) != 0 }
}

/// The result columns of a query, as the cases of an enumeration.
///
/// ``selection`` writes the cases' expressions into the SELECT list in case order, and
/// ``Row`` reads a case's column at its `rawValue`, which Swift numbers from 0 in that same
/// order. The SQL and its decoder are written from one enumeration, so adding, removing or
/// moving a column cannot leave a read at another column's offset. (A case given an explicit
/// raw value out of order stops `selection` at its first use.)
protocol ColumnList: CaseIterable, RawRepresentable where RawValue == Int32 {
    /// The column's SQL expression, as the SELECT list gives it (`r.id`, `ifnull(...)`).
    var expression: String { get }
}

extension ColumnList {
    /// The SELECT list: every case's expression, in case order, separated by commas.
    static var selection: String {
        for (offset, column) in allCases.enumerated() {
            precondition(Int(column.rawValue) == offset, "\(Self.self).\(column) is not column \(offset)")
        }
        return allCases.map { $0.expression }.joined(separator: ", ")
    }
}
