/// The row a statement is on, as the statement helpers (`fetchOne`, `fetchAll`, `forEachRow`)
/// hand it to their closure: it reads columns, and cannot step or rebind the statement.
///
/// A `Row` is valid only inside that closure: the next step replaces its values.
struct Row {
    fileprivate let statement: Statement

    init(statement: Statement) {
        self.statement = statement
    }

    // MARK: - By zero-based column index

    /// The column as an integer (NULL reads as 0).
    func int64(at index: Int32) -> Int64 { statement.int64(at: index) }
    /// The column as an integer, or nil when NULL.
    func optionalInt64(at index: Int32) -> Int64? { statement.optionalInt64(at: index) }
    /// The column as text (NULL reads as "").
    func string(at index: Int32) -> String { statement.string(at: index) }
    /// The column as text, or nil when NULL.
    func optionalString(at index: Int32) -> String? { statement.optionalString(at: index) }
    /// The number of columns.
    var columnCount: Int32 { statement.columnCount }

    /// Whether the column's text is exactly these UTF-8 bytes, compared without making a String.
    func text(at index: Int32, equals utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        statement.text(at: index, equals: utf8)
    }

    /// Appends the column's text, as UTF-8 bytes, to `bytes` (NULL appends nothing).
    func appendText(at index: Int32, to bytes: inout [UInt8]) { statement.appendText(at: index, to: &bytes) }

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
