// swift-tools-version:6.1
//
// A self-contained measurement package: GRDB vs. a thin wrapper over the SQLite
// C API for the event log's hot paths (bulk append, full scan, durable commit).
// Not part of the Caseload package graph. Run with:
//
//     cd Benchmarks/SQLiteAccess && swift run -c release
//
import PackageDescription

let package = Package(
    name: "SQLiteAccess",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "SQLiteAccessBench",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                // System-library module over <sqlite3.h> (Debian libsqlite3-dev):
                // the raw C path uses the very same libsqlite3 GRDB links.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
    ]
)
