import Foundation

/// The built-in lifecycles as engine-neutral data, `Migrations/lifecycles/*.json` (the JSON
/// of ``Lifecycle``, compiled in by `MigrationsPlugin`): the one source a ledger on another
/// engine loads them from. A SQLite ledger has them from its versioned migrations 2 to 7,
/// which never change; `BuiltinLifecycleTests` checks that both say the same.
enum BuiltinLifecycles {
    /// The six, by name.
    static func all() throws -> [Lifecycle] {
        try EmbeddedSchema.lifecycleFiles.map { try JSONDecoder().decode(Lifecycle.self, from: Data($0.json.utf8)) }
    }
}
