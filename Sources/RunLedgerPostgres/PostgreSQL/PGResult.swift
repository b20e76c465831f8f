internal import CLibPQ

/// The rows a statement returned, as text (PostgreSQL's text format: `t`/`f` for booleans,
/// decimal integers), read out of libpq's result at once so that no C memory outlives the call.
public struct PGResult: Sendable, Equatable {
    /// The column names, in order.
    public let columns: [String]
    /// Each column's type, as its OID (`pg_type.oid`: 20 is bigint, 25 text...).
    public let types: [UInt32]
    /// The rows; nil for SQL NULL.
    public let rows: [[String?]]
    /// The rows the command affected (`INSERT`, `UPDATE`, `DELETE`...), 0 for others.
    public let affectedRows: Int

    init(_ result: OpaquePointer) {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        types = (0..<columnCount).map { UInt32(PQftype(result, $0)) }
        rows = (0..<rowCount).map { row in
            (0..<columnCount).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// The first column of the first row, if there is one and it is not NULL.
    public var scalar: String? { rows.first?.first ?? nil }
}

/// A statement's result read in place: the one owner of a libpq result, cleared in `deinit`.
/// Cells are read as bytes where libpq keeps them (text format), so that reading many rows
/// makes no String of every cell.
final class PGRows {
    private let result: OpaquePointer
    /// The number of rows, and of columns.
    let rowCount: Int
    let columnCount: Int
    /// The column names, and each column's type OID.
    let columns: [String]
    let types: [UInt32]
    /// The rows the command affected.
    let affectedRows: Int

    init(_ result: OpaquePointer) {
        self.result = result
        rowCount = Int(PQntuples(result))
        columnCount = Int(PQnfields(result))
        columns = (0..<Int32(columnCount)).map { String(cString: PQfname(result, $0)) }
        types = (0..<Int32(columnCount)).map { UInt32(PQftype(result, $0)) }
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    deinit { PQclear(result) }

    /// Whether the cell is NULL.
    func isNull(row: Int, column: Int) -> Bool { PQgetisnull(result, Int32(row), Int32(column)) == 1 }

    /// The cell's text as bytes (empty for NULL), valid while this result is.
    func bytes(row: Int, column: Int) -> UnsafeBufferPointer<UInt8> {
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        guard let value = PQgetvalue(result, Int32(row), Int32(column)) else {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        return UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: length)
    }
}

@available(*, unavailable)
extension PGRows: Sendable {}
