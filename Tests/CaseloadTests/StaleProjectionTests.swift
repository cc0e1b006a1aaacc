import CSQLite
import Caseload
import CaseloadCoding
import CaseloadStatistics
import EventStore
import EventStoreSQLite
import EventStoreTesting
import Foundation
import Testing

/// A saved projection never outlives the log it was folded from: when the
/// event at its checkpoint is gone or is another event, the facts are
/// rebuilt, and the caller is told why.
@Suite struct StaleProjections {
    /// Copies `script`'s log into a fresh SQLite file, event for event.
    func sqliteCopy(of script: Script, at path: String) async throws -> SQLiteEventStore {
        let store = try SQLiteEventStore(path: path)
        for event in try await script.store.read(LogQuery(limit: 100_000)) {
            _ = try await store.append(to: event.stream, expected: .any, [
                NewEvent(
                    id: event.id, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload,
                    occurredAt: event.metadata.occurredAt, actor: event.metadata.actor,
                    correlationID: event.metadata.correlationID, causationID: event.metadata.causationID),
            ])
        }
        return store
    }

    @Test func factsFoldedPastTheHeadAreRebuiltAndTheCallerIsTold() async throws {
        let script = try await variedHistory()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caseload-stale-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("log.sqlite").path
        let store = try await sqliteCopy(of: script, at: path)
        let head = try await store.head().position
        let first = try await StatisticsProjection(store: store).catchUp()
        #expect(first.rebuiltBecause == nil)
        #expect(first.facts.checkpoint == head)
        await store.close()

        // The last 10 events removed behind the store's back (verify cannot
        // see this; the projection must).
        var db: OpaquePointer?
        #expect(sqlite3_open(path, &db) == SQLITE_OK)
        #expect(sqlite3_exec(db, "DELETE FROM events WHERE position > \(head - 10)", nil, nil, nil) == SQLITE_OK)
        sqlite3_close(db)

        let reopened = try SQLiteEventStore(path: path)
        let caught = try await StatisticsProjection(store: reopened).catchUp()
        #expect(caught.rebuiltBecause?.contains("folded up to position \(head), past the log's head \(head - 10)") == true)
        var replayed = MarketplaceFacts()
        try await StatisticsProjection.fold(reopened, into: &replayed, query: LogQuery())
        #expect(caught.facts.checkpoint == head - 10)
        #expect(FactsCodec.encode(caught.facts) == FactsCodec.encode(replayed))
        // Saved again: the next catch-up trusts it.
        #expect(try await StatisticsProjection(store: reopened).catchUp().rebuiltBecause == nil)
        await reopened.close()
    }

    @Test func aReadOnlyStoreGetsItsStatisticsWithoutSavingThem() async throws {
        let script = try await variedHistory()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caseload-ro-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("log.sqlite").path
        await (try await sqliteCopy(of: script, at: path)).close()
        var configuration = SQLiteEventStoreConfiguration()
        configuration.readOnly = true
        let reader = try SQLiteEventStore(path: path, configuration: configuration)
        let caught = try await StatisticsProjection(store: reader).catchUp()
        var replayed = MarketplaceFacts()
        try await StatisticsProjection.fold(script.store, into: &replayed, query: LogQuery())
        #expect(FactsCodec.encode(caught.facts) == FactsCodec.encode(replayed))
        #expect(try await reader.loadProjection(named: StatisticsProjection.name) == nil)
        await reader.close()
    }

    @Test func factsFoldedFromAnotherLogAreRebuilt() async throws {
        let script = try await variedHistory()
        let projection = StatisticsProjection(store: script.store)
        _ = try await projection.current()
        let saved = try #require(try await script.store.loadProjection(named: StatisticsProjection.name))

        // Another log, as long or longer, with other events: the saved state
        // carried over (a restored backup, a replaced file) is not trusted.
        let other = InMemoryEventStore()
        for n in 1...(Int(saved.checkpoint) + 3) {
            _ = try await other.append(to: try StreamID("s-\(n)"), expected: .noStream, [sampleEvent(n)])
        }
        try await other.saveProjection(saved)
        let caught = try await StatisticsProjection(store: other).catchUp()
        #expect(caught.rebuiltBecause?.contains("is not the one they were folded from") == true)
        #expect(caught.facts.cases.isEmpty)
        #expect(caught.facts.checkpoint == saved.checkpoint + 3)
    }

    @Test func aStateSavedByAnotherBuildIsRebuilt() async throws {
        let script = try await variedHistory()
        try await script.store.saveProjection(ProjectionState(name: StatisticsProjection.name, checkpoint: 1, state: [1, 2, 3]))
        let caught = try await StatisticsProjection(store: script.store).catchUp()
        #expect(caught.rebuiltBecause?.contains("could not be read") == true)
        #expect(caught.facts.checkpoint == (try await script.store.head().position))
    }
}
