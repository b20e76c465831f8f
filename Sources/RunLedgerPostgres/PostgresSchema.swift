/// The ledger's schema on PostgreSQL: `Migrations/postgres/NNNN_name.sql`, compiled in by
/// `MigrationsPlugin`. So far its tables (the same names and columns as the SQLite file's);
/// the rules come with the PostgreSQL rules set.
public enum PostgresSchema {
    /// The migrations' versions and names, in the order they apply.
    public static var versions: [(version: Int, name: String)] { migrations.map { ($0.version, $0.name) } }

    /// Applies every migration, in order, on `connection`, in one transaction.
    ///
    /// - Throws: ``PostgresError`` when a statement fails (nothing is then applied).
    public static func apply(on connection: PGConnection) throws {
        try connection.transaction {
            for migration in migrations { try connection.execute(migration.sql) }
        }
    }
}
