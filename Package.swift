// swift-tools-version:6.1
import PackageDescription

/// Settings every Caseload module compiles with: Swift 6 language mode (strict
/// concurrency), `ExistentialAny`, and `InternalImportsByDefault` so that a
/// `public import` marks exactly what a module leaks to its clients.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Caseload",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EventStore", targets: ["EventStore"]),
        .library(name: "EventStoreSQLite", targets: ["EventStoreSQLite"]),
        .library(name: "EventStoreTesting", targets: ["EventStoreTesting"]),
        .library(name: "EventStorePostgres", targets: ["EventStorePostgres"]),
        .library(name: "CaseloadDomain", targets: ["CaseloadDomain"]),
        .library(name: "Caseload", targets: ["Caseload"]),
        .library(name: "CaseloadApplication", targets: ["CaseloadApplication"]),
        .library(name: "CaseloadServer", targets: ["CaseloadServer"]),
        .executable(name: "caseload", targets: ["CaseloadCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // Only the server's tests use it (HummingbirdTesting builds it anyway): a streaming client for the feed.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.19.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Debian's libsqlite3 (libsqlite3-dev), the embedded default store.
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),

        // Value types shared by the log and the domain: a fast JSON reader and
        // writer (the replay path cannot afford Foundation's JSONDecoder) and
        // a microsecond UTC timestamp with ISO-8601 text.
        .target(name: "CaseloadCoding", swiftSettings: strict),

        // The store contract: recorded events, expectations, errors, the hash
        // chain and the `EventStore` protocol. No SQLite here.
        .target(
            name: "EventStore",
            dependencies: [
                "CaseloadCoding",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),

        // The SQLite backend (WAL, group commit on a writer thread).
        .target(
            name: "EventStoreSQLite",
            dependencies: [
                "EventStore", "CSQLite",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // The PostgreSQL backend (postgres-nio; one-row head locked per append
        // transaction for gapless order, group commit in a writer).
        .target(
            name: "EventStorePostgres",
            dependencies: [
                "EventStore", "CaseloadCoding",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // An in-memory store and the contract suite every backend runs.
        .target(name: "EventStoreTesting", dependencies: ["EventStore"], swiftSettings: strict),

        // The marketplace domain: events, states, rules. Pure: no store, no I/O,
        // no clock, no random ids.
        .target(name: "CaseloadDomain", dependencies: ["CaseloadCoding"], swiftSettings: strict),

        // Statistics per therapist over a window, folded from per-case facts.
        .target(name: "CaseloadStatistics", dependencies: ["CaseloadDomain", "CaseloadCoding"], swiftSettings: strict),

        // Rating rules as data (JSON, TOML or YAML), their expression language,
        // ranking, comparison between rules, and the HTML report.
        .target(
            name: "CaseloadRatings",
            dependencies: [
                "CaseloadStatistics", "CaseloadCoding",
                .product(name: "Yams", package: "Yams"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict),

        // The application layer: the backend's command entry point, import,
        // replay, and the codecs between domain events and recorded events.
        .target(
            name: "Caseload",
            dependencies: [
                "CaseloadDomain", "EventStore", "CaseloadCoding", "CaseloadStatistics", "CaseloadRatings",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),

        // Audit: case timelines, who did what, exclusions, and `explain`.
        .target(
            name: "CaseloadAudit",
            dependencies: ["Caseload", "CaseloadDomain", "CaseloadStatistics", "EventStore", "CaseloadCoding"],
            swiftSettings: strict),

        // Realistic marketplace histories of any size, through the domain's rules.
        .target(
            name: "CaseloadGenerator",
            dependencies: ["Caseload", "CaseloadDomain", "CaseloadCoding", "EventStore"],
            exclude: ["README.md"],
            swiftSettings: strict),

        // The application every front end calls (the CLI now, an HTTP service
        // next): one configuration opens it, one function per use case, each
        // returning a value the front end formats. Above Caseload, CaseloadAudit
        // and CaseloadGenerator, which depend on Caseload, so it cannot live there.
        .target(
            name: "CaseloadApplication",
            dependencies: [
                "Caseload", "EventStore", "EventStoreSQLite", "EventStorePostgres", "CaseloadDomain", "CaseloadCoding",
                "CaseloadStatistics", "CaseloadRatings", "CaseloadAudit", "CaseloadGenerator",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // The HTTP service (`caseload serve`): a hand-written Hummingbird router
        // over the application, bearer tokens with roles, problem+json errors,
        // a live feed, Prometheus metrics, and the OpenAPI document it serves.
        .target(
            name: "CaseloadServer",
            dependencies: [
                "CaseloadApplication", "EventStore", "CaseloadDomain", "CaseloadCoding",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/openapi.yaml")],
            swiftSettings: strict),

        // The `caseload` command: argument parsing and printing only; it reads
        // the environment and bootstraps logging, the library never does.
        .executableTarget(
            name: "CaseloadCLI",
            dependencies: [
                "CaseloadApplication", "CaseloadServer", "EventStore", "CaseloadDomain", "CaseloadCoding",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // Benchmarks (run by Scripts/bench in release mode; never by tests).
        .executableTarget(
            name: "CaseloadBench",
            dependencies: [
                "Caseload", "CaseloadApplication", "EventStore", "EventStoreSQLite", "CaseloadDomain", "CaseloadCoding",
                "CaseloadGenerator", "CaseloadStatistics", "CaseloadRatings", "CaseloadAudit",
                "EventStorePostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict),

        .testTarget(name: "CaseloadCodingTests", dependencies: ["CaseloadCoding"], swiftSettings: strict),
        .testTarget(
            name: "EventStoreTests",
            dependencies: ["EventStore", "EventStoreTesting"],
            swiftSettings: strict),
        .testTarget(
            name: "EventStoreSQLiteTests",
            dependencies: ["EventStore", "EventStoreSQLite", "EventStoreTesting", "CSQLite"],
            swiftSettings: strict),
        .testTarget(
            name: "EventStorePostgresTests",
            dependencies: [
                "EventStore", "EventStorePostgres", "EventStoreTesting", "CaseloadCoding",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "CaseloadDomainTests",
            dependencies: ["CaseloadDomain", "CaseloadCoding"],
            swiftSettings: strict),
        .testTarget(
            name: "CaseloadStatisticsTests", dependencies: ["CaseloadStatistics", "CaseloadDomain"], swiftSettings: strict),
        .testTarget(
            name: "CaseloadRatingsTests", dependencies: ["CaseloadRatings", "CaseloadStatistics", "CaseloadCoding"], swiftSettings: strict),
        .testTarget(
            name: "CaseloadGeneratorTests",
            dependencies: ["CaseloadGenerator", "Caseload", "CaseloadDomain", "EventStore", "EventStoreTesting", "EventStoreSQLite"],
            swiftSettings: strict),
        .testTarget(
            name: "CaseloadAuditTests",
            dependencies: ["CaseloadAudit", "Caseload", "CaseloadDomain", "CaseloadStatistics", "EventStore", "EventStoreTesting", "EventStoreSQLite"],
            swiftSettings: strict),
        .testTarget(
            name: "CaseloadTests",
            dependencies: [
                "Caseload", "CaseloadApplication", "CaseloadDomain", "EventStore", "EventStoreTesting", "EventStoreSQLite", "EventStorePostgres", "CSQLite",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "CaseloadServerTests",
            dependencies: [
                "CaseloadServer", "CaseloadApplication", "EventStore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "CaseloadCLITests",
            dependencies: ["CaseloadCLI", "EventStore", "EventStoreSQLite", "CSQLite"],
            swiftSettings: strict),
    ]
)

// The libFuzzer harnesses (Scripts/fuzz), declared only when CASELOAD_FUZZ is
// set: they link libFuzzer's own `main` (-sanitize=fuzzer) and so cannot be
// built by a plain `swift build`, which must not pay for them either.
if Context.environment["CASELOAD_FUZZ"] != nil {
    package.products.append(.executable(name: "caseload-fuzz", targets: ["CaseloadFuzz"]))
    package.targets.append(
        .executableTarget(
            name: "CaseloadFuzz",
            dependencies: ["CaseloadApplication", "CaseloadCoding", "CaseloadDomain", "EventStore", "EventStoreTesting"],
            swiftSettings: strict))
}
