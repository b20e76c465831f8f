import Foundation
public import RunLedger
import RunLedgerPostgres

/// `withTemporaryDirectory` for an async body.
public func withTemporaryDirectoryAsync<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("runledger-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// `withTestDatabase` for an async body: a fresh database on `engine`, dropped after `body`.
public func withTestDatabaseAsync<T>(
    _ engine: Ledger.Engine, in directory: URL, name: String = "ledger.db", _ body: (TestDatabase) async throws -> T
) async throws -> T {
    switch engine {
    case .sqlite:
        return try await body(
            TestDatabase(engine: .sqlite, location: directory.appendingPathComponent(name).path, schema: nil))
    case .postgres:
        let database = try TestDatabase.freshSchema()
        defer { try? PGConnection(TestServer.uri()).execute("DROP SCHEMA \(database.schema ?? "") CASCADE") }
        return try await body(database)
    }
}
