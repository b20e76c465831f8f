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
