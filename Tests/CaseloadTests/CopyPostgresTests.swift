import CaseloadApplication
import EventStore
import EventStoreSQLite
import EventStorePostgres
import Foundation
import Testing

/// The PostgreSQL server of `Scripts/with-postgres` (`CASELOAD_TEST_POSTGRES_URL`);
/// without one the tests are disabled, except under `CI=true`, where they
/// run and fail (as in `EventStorePostgresTests`).
enum CopyTestServer {
    static let url = ProcessInfo.processInfo.environment["CASELOAD_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var enabled: Bool { url != nil || ProcessInfo.processInfo.environment["CI"] == "true" }

    /// A fresh schema's URL: each test copies into a log of its own. The
    /// schema is left behind (the throwaway cluster goes with it).
    static func freshLog() throws -> CaseloadConfiguration {
        guard let url else {
            throw ApplicationError(
                .invalidArgument,
                "CASELOAD_TEST_POSTGRES_URL is not set: run the tests under Scripts/with-postgres (CI=true requires the PostgreSQL tests to run)")
        }
        let schema = "copy_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return CaseloadConfiguration(store: .postgres(url: url + "?schema=" + schema))
    }
}

@Suite(.enabled(if: CopyTestServer.enabled, "set CASELOAD_TEST_POSTGRES_URL (Scripts/with-postgres does) to run the PostgreSQL tests"))
struct LogCopyingThroughPostgres {
    /// Every event and vault value of any log, read through the application's store.
    static func contents(_ configuration: CaseloadConfiguration) async throws -> ([RecordedEvent], [PersonalDataRecord]) {
        let store: any EventStore
        switch configuration.store {
        case .sqlite(let path): store = try SQLiteEventStore(path: path, configuration: configuration.sqliteConfiguration)
        case .postgres(let url): store = try await PostgresEventStore(url: url)
        }
        var events: [RecordedEvent] = []
        for try await batch in store.batches(LogQuery(limit: 1000)) { events += batch }
        let vault = try await store.personalDataRecords(after: nil, limit: 1000)
        await store.close()
        return (events, vault)
    }

    @Test func sqliteToPostgresToSQLiteGivesTheSameLogVaultAndStatistics() async throws {
        let scratch = try ImportScratch()
        let source = LogCopying.file(scratch, "source.sqlite")
        let back = LogCopying.file(scratch, "back.sqlite")
        let postgres = try CopyTestServer.freshLog()
        try await LogCopying.writeSource(source)
        _ = try await withMarketplace(source) { app in
            try await app.eraseClient("kx2", by: .support("s1"), at: at("2031-04-01T00:00:00Z"))
        }
        let (events, vault) = try await Self.contents(source)
        #expect(vault.map(\.subject).sorted() == ["kx1", "kx3"])

        // Into PostgreSQL in two runs (the second resumes), then back.
        let first = try await LogCopying.copy(source, postgres, LogCopyRequest(batchSize: 100, upToPosition: 333))
        #expect(first.eventsCopied == 333)
        let rest = try await LogCopying.copy(source, postgres, LogCopyRequest(batchSize: 100))
        #expect(rest.targetHeadBefore == 333 && rest.eventsCopied == Int64(events.count) - 333)
        #expect(rest.verification.holds && rest.verification.eventsChecked == Int64(events.count))
        let (inPostgres, vaultInPostgres) = try await Self.contents(postgres)
        #expect(inPostgres == events)
        #expect(vaultInPostgres == vault)

        let home = try await LogCopying.copy(postgres, back, LogCopyRequest(batchSize: 250))
        #expect(home.eventsCopied == Int64(events.count) && home.verification.holds)
        let (backEvents, backVault) = try await Self.contents(back)
        #expect(backEvents == events)
        #expect(backVault == vault, "kx2 stays erased both ways")

        let statistics = { (configuration: CaseloadConfiguration) in
            try await withMarketplace(.reading(configuration.store)) { try await $0.statistics(StatisticsRequest()) }
        }
        let original = try await statistics(source)
        #expect(try await statistics(postgres).therapists == original.therapists)
        #expect(try await statistics(back).therapists == original.therapists)
        try await withMarketplace(.readingOnly(postgres.store)) { (app) async throws in
            #expect(try await app.caseTimeline("cx1").entries[0].description.contains("client name: Name 1"))
            #expect(try await app.caseTimeline("cx2").entries[0].description.contains("client name: (erased)"))
        }
    }

    @Test func aDivergentPostgresTargetIsRefusedAndKeepsItsLog() async throws {
        let scratch = try ImportScratch()
        let source = LogCopying.file(scratch, "source.sqlite")
        let postgres = try CopyTestServer.freshLog()
        try await LogCopying.writeSource(source)
        _ = try await LogCopying.copy(source, postgres, LogCopyRequest(upToPosition: 40))
        _ = try await withMarketplace(postgres) { app in
            try await app.execute(.joinTherapist(therapistId: "t-own"), by: .support("s9"), at: at("2031-03-01T08:00:00Z"), commandID: commandID(500))
        }
        let (before, _) = try await Self.contents(postgres)
        let error = try await #require(throws: ApplicationError.self) { try await LogCopying.copy(source, postgres) }
        #expect(error.code == .logsDiverge && error.position == 41)
        #expect(try await Self.contents(postgres).0 == before)
    }
}
