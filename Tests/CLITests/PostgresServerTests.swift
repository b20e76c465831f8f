import Foundation
import Testing

/// The throwaway PostgreSQL server that Scripts/test.sh starts (Scripts/postgres-server.sh)
/// and names in `RUNLEDGER_TEST_POSTGRES`: reachable, PostgreSQL 15 or later, on loopback only.
struct PostgresServerTests {
    @Test func theTestServerAnswersOnLoopback() throws {
        let uri = try #require(
            ProcessInfo.processInfo.environment["RUNLEDGER_TEST_POSTGRES"],
            "RUNLEDGER_TEST_POSTGRES is not set: Scripts/test.sh starts the test server and sets it")
        var environment = ProcessInfo.processInfo.environment
        environment["PGCONNECT_TIMEOUT"] = "10"
        let result = try runProcess(
            "/usr/bin/psql",
            [
                uri, "-X", "-Atc",
                "select current_setting('server_version_num')::int >= 150000, current_setting('listen_addresses')",
            ],
            environment: environment)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "t|127.0.0.1", "\(result)")
    }
}
