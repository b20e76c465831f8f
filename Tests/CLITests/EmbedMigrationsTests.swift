import Foundation
import Testing

/// The build tool that compiles `Migrations/` into the library: it takes the repository's
/// files, and fails the build on a stray file, a gap in the versions or a missing VERSION.
struct EmbedMigrationsTests {
    static let tool = Binaries.directory.appendingPathComponent("EmbedMigrations-tool").path
    static let migrations = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Migrations")

    /// Runs the tool on a copy of `Migrations/` changed by `change`.
    func embed(changing change: (URL) throws -> Void) throws -> ProcessResult {
        try withTemporaryDirectory { directory in
            let copy = directory.appendingPathComponent("Migrations")
            try FileManager.default.copyItem(at: Self.migrations, to: copy)
            try change(copy)
            var files: [String] = []
            let enumerator = FileManager.default.enumerator(at: copy, includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                if !url.hasDirectoryPath { files.append(url.path) }
            }
            let output = directory.appendingPathComponent("Embedded.swift").path
            return try runProcess(Self.tool, [output, copy.path] + files.sorted())
        }
    }

    @Test func theRepositorysMigrationsEmbed() throws {
        let result = try embed { _ in }
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func aStrayFileFailsTheBuild() throws {
        let result = try embed { copy in
            try Data("notes".utf8).write(to: copy.appendingPathComponent("sqlite/rules/notes.txt"))
        }
        #expect(result.status != 0)
        #expect(result.stderr.contains("sqlite/rules/notes.txt: unknown file"), "\(result.stderr)")
    }

    @Test func aGapInTheVersionsFailsTheBuild() throws {
        let result = try embed { copy in
            try FileManager.default.removeItem(at: copy.appendingPathComponent("sqlite/0005_opencue_lifecycle.sql"))
        }
        #expect(result.status != 0)
        #expect(result.stderr.contains("expected version 5"), "\(result.stderr)")
    }

    @Test func aMissingRulesVersionFailsTheBuild() throws {
        let result = try embed { copy in
            try FileManager.default.removeItem(at: copy.appendingPathComponent("sqlite/rules/VERSION"))
        }
        #expect(result.status != 0)
        #expect(result.stderr.contains("sqlite/rules/VERSION is missing"), "\(result.stderr)")
    }
}
