import CaseloadCoding
import EventStore
import EventStorePostgres
import EventStoreTesting
import Foundation
import Logging
import PostgresNIO
import Testing

/// The server the tests use: `CASELOAD_TEST_POSTGRES_URL`, which
/// `Scripts/with-postgres` (and so `Scripts/test`) sets. Without it the tests
/// are disabled, saying why, except under `CI=true`, where they run and fail.
enum TestServer {
    static let url = ProcessInfo.processInfo.environment["CASELOAD_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let required = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Runs the PostgreSQL tests when a server is given, and always on CI (where a missing one fails them).
    static var enabled: Bool { url != nil || required }

    static func configuration(schema: String) throws -> PostgresEventStoreConfiguration {
        guard let url else {
            throw TestServerMissing()
        }
        var configuration = try PostgresEventStoreConfiguration(url: url)
        configuration.schema = schema
        configuration.maxReaderConnections = 4
        return configuration
    }
}

struct TestServerMissing: Error, CustomStringConvertible {
    var description: String {
        "CASELOAD_TEST_POSTGRES_URL is not set: run the tests under Scripts/with-postgres (CI=true requires the PostgreSQL tests to run)"
    }
}

/// The reason shown when the tests are disabled.
let noServer: Comment = "set CASELOAD_TEST_POSTGRES_URL (Scripts/with-postgres does) to run the PostgreSQL tests"

/// A fresh schema per test, so tests run in parallel on one database;
/// dropped afterwards.
struct FreshSchema: Sendable {
    let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")

    func configuration(clock: ManualClock? = nil) throws -> PostgresEventStoreConfiguration {
        var configuration = try TestServer.configuration(schema: name)
        if let clock { configuration.clock = clock.closure }
        return configuration
    }

    func open(clock: ManualClock? = nil) async throws -> PostgresEventStore {
        try await PostgresEventStore(configuration: configuration(clock: clock))
    }

    /// Runs SQL as the test user, outside any store.
    func sql(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await withConnection { connection in
            try await connection.query(query, logger: quietLogger).collect()
        }
    }

    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let configuration = try TestServer.configuration(schema: name)
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: configuration.host, port: configuration.port, username: configuration.username,
                password: configuration.password, database: configuration.database, tls: .disable),
            id: 1, logger: quietLogger)
        do {
            let value = try await body(connection)
            try await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }

    func drop() async {
        _ = try? await sql(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(name) CASCADE"))
    }
}

let quietLogger = Logger(label: "caseload.postgres.tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// Runs `body`, which must throw an `E`, and returns that error.
func expectError<E: Error>(_ type: E.Type, _ body: () async throws -> Void) async throws -> E {
    do { try await body() } catch let error as E { return error }
    throw NotThrown(expected: "\(E.self)")
}

struct NotThrown: Error, CustomStringConvertible {
    var expected: String
    var description: String { "expected a \(expected) to be thrown" }
}
