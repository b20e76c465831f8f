// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "runledger",
    products: [
        .library(name: "RunLedger", targets: ["RunLedger"]),
        // `Ledger(postgres:)`: link it beside RunLedger to open ledgers in PostgreSQL.
        .library(name: "RunLedgerPostgres", targets: ["RunLedgerPostgres"]),
        .executable(name: "runledger", targets: ["RunLedgerCLI"]),
        .executable(name: "runledger-bench", targets: ["RunLedgerBench"]),
        .executable(name: "ledger-bench-c", targets: ["LedgerBenchC"]),
        .executable(name: "runledger-bench-postgres", targets: ["RunLedgerBenchPostgres"]),
        .executable(name: "ledger-bench-pq", targets: ["LedgerBenchPQ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Only RunLedgerServer (and so the CLI) links these: a program that links RunLedger builds neither.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.14.0"),
    ],
    targets: [
        // Debian's libsqlite3-dev: <sqlite3.h> from /usr/include, -lsqlite3 from sqlite3.pc.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Debian's libpq-dev: <libpq-fe.h> from /usr/include/postgresql, -lpq from libpq.pc. Only
        // the PostgreSQL engine links it: a program that links RunLedger for SQLite does not.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // Build-time tool: turns Migrations/ (migrations, rules, lifecycles) into Swift, so the library carries
        // the schema: a program that links it creates and migrates ledgers with no file
        // installed beside it.
        .executableTarget(name: "EmbedMigrations"),
        .plugin(
            name: "MigrationsPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedMigrations"]
        ),
        .target(
            name: "RunLedger",
            dependencies: ["CSQLite"],
            plugins: ["MigrationsPlugin"]
        ),
        // The PostgreSQL engine: a libpq client (PostgreSQL/) and `Ledger(postgres:)`, the same
        // ledger in a PostgreSQL database. Only programs that open PostgreSQL ledgers link it.
        .target(name: "RunLedgerPostgres", dependencies: ["RunLedger", "CLibPQ"], plugins: ["MigrationsPlugin"]),
        // Results as tables, JSON and CSV: what the CLI prints and the server returns.
        .target(name: "RunLedgerOutput", dependencies: ["RunLedger"]),
        // `runledger serve`: OpenLineage intake over HTTP (Marquez's POST /api/v1/lineage) and
        // the runs as JSON, on Hummingbird. Only the CLI links it.
        .target(
            name: "RunLedgerServer",
            dependencies: [
                "RunLedger",
                "RunLedgerOutput",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "RunLedgerCLI",
            dependencies: [
                "RunLedger",
                "RunLedgerPostgres",
                "RunLedgerOutput",
                "RunLedgerServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Drives a ledger from another process: multi-process tests, benchmarks, reliability suites.
        .executableTarget(name: "LedgerWorkload", dependencies: ["RunLedger", "RunLedgerPostgres"]),
        // The benchmark: the same workloads through raw C and through the library (Scripts/bench.sh).
        .executableTarget(
            name: "LedgerBenchC",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        .executableTarget(name: "RunLedgerBench", dependencies: ["RunLedger"]),
        // The PostgreSQL benchmark, the same way: raw libpq against the library's PostgreSQL
        // engine (a target of its own, so that the SQLite benchmark does not link libpq).
        // CLibPQ gives it <libpq-fe.h> and -lpq.
        .executableTarget(name: "LedgerBenchPQ", dependencies: ["CLibPQ"], linkerSettings: [.linkedLibrary("pthread")]),
        .executableTarget(name: "RunLedgerBenchPostgres", dependencies: ["RunLedger", "RunLedgerPostgres"]),
        // What the test targets use: temporary directories, processes run to their end,
        // reliability suite sizes, a test ledger on either engine and its foreign clients.
        .target(name: "TestSupport", dependencies: ["RunLedger", "RunLedgerPostgres"], path: "Tests/TestSupport"),
        // CSQLite: tests compare hand-written result codes with the C constants.
        // Needs the throwaway server Scripts/test.sh starts (RUNLEDGER_TEST_POSTGRES).
        .testTarget(name: "PostgresTests", dependencies: ["RunLedgerPostgres", "RunLedger", "TestSupport"]),
        .testTarget(
            name: "RunLedgerTests", dependencies: ["RunLedger", "RunLedgerPostgres", "CSQLite", "TestSupport"]),
        // Depends on the executables so that `swift test` builds the binaries the tests run.
        .testTarget(
            name: "CLITests",
            dependencies: ["RunLedgerCLI", "LedgerWorkload", "RunLedger", "RunLedgerPostgres", "TestSupport"]
        ),
        // A test-only SQLite VFS that models a disk losing power; linked by PowerCutTests only.
        .target(
            name: "CPowerCutVFS", path: "Tests/CPowerCutVFS", linkerSettings: [.linkedLibrary("sqlite3")]),
        // Power cuts on the real library through that VFS, checked after reopening.
        .testTarget(name: "PowerCutTests", dependencies: ["RunLedger", "TestSupport", "CPowerCutVFS"]),
        // `runledger serve` black-box: the built binary over HTTP, the openlineage-python client, load.
        .testTarget(
            name: "ServerTests", dependencies: ["RunLedgerCLI", "RunLedger", "RunLedgerPostgres", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// Stricter Swift everywhere (a system library has no Swift settings; plugins take none).
for target in package.targets where target.type != .system && target.type != .plugin {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("MemberImportVisibility"),
        ]
}
