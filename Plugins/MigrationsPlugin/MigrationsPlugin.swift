import Foundation
import PackagePlugin

/// Embeds the package's `Migrations/` into the target as generated Swift source: for the
/// RunLedger target, the SQLite schema's versioned migrations (`sqlite/NNNN_name.sql`), its
/// rules set (`sqlite/rules/`) and the built-in lifecycles (`lifecycles/`); for
/// RunLedgerPostgres, the PostgreSQL schema's migrations (`postgres/NNNN_name.sql`).
///
/// `Migrations/` stays the one copy of the schema; the build turns it into Swift, so a
/// program that links RunLedger needs no file at run time. Every file found is passed on, so
/// that the tool fails the build on a stray one.
@main
struct MigrationsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL.appending(path: "Migrations")
        var files: [URL] = []
        let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        while let url = enumerator?.nextObject() as? URL {
            if try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true { files.append(url) }
        }
        files.sort { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) schema files",
                executable: try context.tool(named: "EmbedMigrations").url,
                arguments: [
                    output.path, root.path, "--engine", target.name == "RunLedgerPostgres" ? "postgres" : "sqlite",
                ]
                    + files.map(\.path),
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
