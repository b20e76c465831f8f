// Build-time tool for MigrationsPlugin: writes one engine's schema as Swift source.
//
// usage: EmbedMigrations OUTPUT.swift MIGRATIONS_DIRECTORY [--engine sqlite|postgres] FILE...
//
// Every FILE lies under MIGRATIONS_DIRECTORY and is one of:
// - ENGINE/NNNN_name.sql: a versioned migration (four digits, an underscore, a name); each
//   engine's versions run 1, 2, 3... without gaps;
// - ENGINE/rules/name.sql: one file of the engine's rules set (triggers and views), installed
//   in the order of their names; ENGINE/rules/VERSION: the rules set's version;
// - lifecycles/name.json: a built-in lifecycle, as the JSON of `Lifecycle`;
// where ENGINE is sqlite or postgres. Any other file fails the build, as does a gap or a rules
// set without VERSION, for either engine: a misnamed or stray file fails the build, not a user.
// Each engine gets its migrations, its rules and the built-in lifecycles.

import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("EmbedMigrations: error: \(message)\n".utf8))
    exit(1)
}

/// A raw string literal of `text` whose delimiter cannot occur in it; the closing delimiter
/// sits in column 0, so the text keeps its own indentation.
func literal(_ text: String) -> String {
    var hashes = "#"
    while text.contains("\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
    return "\(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)"
}

func read(_ path: String, _ name: String) -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        fail("\(name): cannot read it as UTF-8")
    }
    return text
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
    fail("usage: EmbedMigrations OUTPUT.swift MIGRATIONS_DIRECTORY [--engine sqlite|postgres] FILE...")
}
let outputPath = arguments.removeFirst()
let root = URL(fileURLWithPath: arguments.removeFirst()).standardizedFileURL.path + "/"
var engine = "sqlite"
if arguments.first == "--engine", arguments.count >= 2 {
    engine = arguments[1]
    arguments.removeFirst(2)
    guard ["sqlite", "postgres"].contains(engine) else { fail("--engine is sqlite or postgres, not \(engine)") }
}

/// One engine's files.
struct Engine {
    var migrations: [(version: Int, name: String, path: String)] = []
    var rules: [(name: String, path: String)] = []
    var rulesVersion: Int?
}
var engines = ["sqlite": Engine(), "postgres": Engine()]
var lifecycles: [(name: String, path: String)] = []

for path in arguments {
    let full = URL(fileURLWithPath: path).standardizedFileURL.path
    guard full.hasPrefix(root) else { fail("\(path): not under \(root)") }
    let relative = String(full.dropFirst(root.count))
    let parts = relative.split(separator: "/").map(String.init)
    let fileName = parts.last ?? relative
    let stem = (fileName as NSString).deletingPathExtension
    let validName = !stem.isEmpty && stem.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }
    let folder = parts.dropLast().joined(separator: "/")
    let owner = folder.split(separator: "/").first.map(String.init) ?? ""
    switch (folder, (fileName as NSString).pathExtension) {
    case ("sqlite", "sql"), ("postgres", "sql"):
        let pieces = stem.split(separator: "_", maxSplits: 1)
        guard pieces.count == 2, pieces[0].count == 4, let version = Int(pieces[0]) else {
            fail("\(relative): a migration is named NNNN_name.sql")
        }
        engines[owner]?.migrations.append((version, String(pieces[1]), full))
    case ("sqlite/rules", "sql") where validName, ("postgres/rules", "sql") where validName:
        engines[owner]?.rules.append((stem, full))
    case ("sqlite/rules", ""), ("postgres/rules", ""):
        guard fileName == "VERSION" else { fallthrough }
        let text = read(full, relative).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let version = Int(text), version > 0 else { fail("\(relative): must hold a positive integer") }
        engines[owner]?.rulesVersion = version
    case ("lifecycles", "json") where validName:
        lifecycles.append((stem, full))
    default:
        fail(
            "\(relative): unknown file; Migrations/ holds ENGINE/NNNN_name.sql, ENGINE/rules/name.sql, "
                + "ENGINE/rules/VERSION (ENGINE: sqlite, postgres) and lifecycles/name.json")
    }
}

for (name, files) in engines.sorted(by: { $0.key < $1.key }) {
    let sorted = files.migrations.sorted { $0.version < $1.version }
    for (index, migration) in sorted.enumerated() where migration.version != index + 1 {
        fail(
            "\(name)/\(String(format: "%04d", migration.version))_\(migration.name).sql: expected version \(index + 1); "
                + "migrations are numbered 1, 2, 3... without gaps")
    }
    if !files.rules.isEmpty, files.rulesVersion == nil { fail("\(name)/rules/VERSION is missing") }
}
let chosen = engines[engine] ?? Engine()
let migrations = chosen.migrations.sorted { $0.version < $1.version }
let rules = chosen.rules.sorted { $0.name < $1.name }
let rulesVersion = chosen.rulesVersion

lifecycles.sort { $0.name < $1.name }

// Each file as one element of a Swift array literal of tuples, the same for both engines.
let migrationRows = migrations.map { migration in
    "        (\(migration.version), \(String(reflecting: migration.name)), \(literal(read(migration.path, migration.name)))),"
}
let ruleRows = rules.map { rule in
    "        (\(String(reflecting: rule.name)), \(literal(read(rule.path, rule.name)))),"
}
let lifecycleRows = lifecycles.map { lifecycle in
    "        (\(String(reflecting: lifecycle.name)), \(literal(read(lifecycle.path, lifecycle.name)))),"
}
let tables = """
        /// Every versioned migration (Migrations/\(engine)/), in the order they apply.
        static let migrationFiles: [(version: Int, name: String, sql: String)] = [
    \(migrationRows.joined(separator: "\n"))
        ]

        /// The rules set (Migrations/\(engine)/rules/), in the order it is installed.
        static let ruleFiles: [(name: String, sql: String)] = [
    \(ruleRows.joined(separator: "\n"))
        ]

        /// The built-in lifecycles as JSON (Migrations/lifecycles/), by name.
        static let lifecycleFiles: [(name: String, json: String)] = [
    \(lifecycleRows.joined(separator: "\n"))
        ]
    """

let source: String
if engine == "sqlite" {
    guard let rulesVersion, !rules.isEmpty else { fail("sqlite/rules/ holds no rules, or no VERSION") }
    source = """
        // Generated by EmbedMigrations from Migrations/ at build time. Do not edit.

        /// The SQLite schema's files, as compiled in.
        enum EmbeddedSchema {
        \(tables)

            /// Migrations/sqlite/rules/VERSION.
            static let rulesVersion = \(rulesVersion)
        }

        """
} else {
    guard let rulesVersion, !rules.isEmpty else { fail("postgres/rules/ holds no rules, or no VERSION") }
    source = """
        // Generated by EmbedMigrations from Migrations/ at build time. Do not edit.

        extension PostgresSchema {
        \(tables)

            /// Migrations/postgres/rules/VERSION.
            static let rulesVersion = \(rulesVersion)
        }

        """
}
do {
    try source.write(toFile: outputPath, atomically: true, encoding: .utf8)
} catch {
    fail("cannot write \(outputPath): \(error)")
}
