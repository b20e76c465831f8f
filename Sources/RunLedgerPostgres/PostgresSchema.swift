/// The ledger's schema on PostgreSQL, compiled in by `MigrationsPlugin`: its versioned
/// migrations (`Migrations/postgres/NNNN_name.sql`: the tables, with the SQLite file's names
/// and columns), its rules set (`Migrations/postgres/rules/*.sql`: so far the rules of the
/// definitions, canonical types and lifecycles) and the six built-in lifecycles, loaded from
/// the same JSON as a SQLite ledger's (`Migrations/lifecycles/`).
public enum PostgresSchema {
    /// Makes a ledger in the connection's current schema, in one transaction: every
    /// migration, then the rules set, then the built-in lifecycles, loaded through the rules.
    ///
    /// - Throws: ``PostgresError`` when a statement fails (nothing is then applied).
    public static func apply(on connection: PGConnection) throws {
        try connection.transaction {
            for migration in migrationFiles { try connection.execute(migration.sql) }
            for file in ruleFiles { try connection.execute(file.sql) }
            for lifecycle in lifecycleFiles {
                try connection.query("SELECT load_lifecycle($1::jsonb, true)", [lifecycle.json])
            }
        }
    }
}
