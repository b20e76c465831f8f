import Foundation
import RunLedger

/// `withTemporaryDirectory` and `withTestDatabase` for an async `body`: a fresh database on
/// `engine` (a file in a new temporary directory, or a new schema on the test server), removed
/// after `body`. Its own name, so that no synchronous caller in async code picks it by mistake.
public func withAsyncTestDatabase<T>(
    _ engine: Ledger.Engine, name: String = "ledger.db", _ body: (TestDatabase) async throws -> T
) async throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("runledger-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let databases = TestDatabases(directory: directory)
    defer { databases.dropAll() }
    return try await body(try databases.make(engine, name: name))
}
