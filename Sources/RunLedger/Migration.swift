/// One step of the ledger schema: the text of `Migrations/NNNN_name.sql`, compiled into the
/// library at build time (see `MigrationsPlugin`).
struct Migration: Sendable {
    /// The step's number; steps apply in order 1, 2, 3...
    let version: Int
    /// The file's name after the number (`ledger`, `prefect_lifecycle`).
    let name: String
    /// The SQL, exactly as in the file.
    let sql: String

    /// The SHA-256 of the SQL text, recorded when the step is applied and compared on every
    /// open: a ledger whose applied step differs from this library's is refused.
    var checksum: String { SHA256.hex(sql.utf8) }
}
