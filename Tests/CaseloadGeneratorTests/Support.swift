import Caseload
import CaseloadCoding
import CaseloadDomain
@testable import CaseloadGenerator
import EventStore
import EventStoreSQLite
import Foundation

/// A small history: 5 therapists for 3 months, with profile views.
let small = GeneratorParameters(therapists: 5, months: 3, seed: 42, profileViews: true)

/// A medium history: 30 therapists for a year, with profile views (~100k events).
let medium = GeneratorParameters(therapists: 30, months: 12, seed: 2024, profileViews: true)

/// Every event of a history, in order.
func allEvents(_ parameters: GeneratorParameters) throws -> (events: [GeneratedEvent], summary: GenerationSummary) {
    var iterator = try HistoryGenerator(parameters: parameters).events()
    var events: [GeneratedEvent] = []
    while let event = try iterator.next() { events.append(event) }
    return (events, iterator.summary)
}

/// What a recorded event says, for comparing two logs.
struct LoggedEvent: Hashable {
    var id: UUID
    var type: String
    var stream: String
    var streamVersion: Int64
    var payload: String
    var occurredAt: Timestamp
    var actor: String
    var causationID: UUID?

    init(_ event: RecordedEvent) {
        id = event.id
        type = event.type
        stream = event.stream.rawValue
        streamVersion = event.streamVersion
        payload = event.payload.text
        occurredAt = event.metadata.occurredAt
        actor = event.metadata.actor
        causationID = event.metadata.causationID
    }
}

/// The whole log, in position order.
func readAll(_ store: any EventStore) async throws -> [RecordedEvent] {
    var all: [RecordedEvent] = []
    for try await batch in store.batches(LogQuery(limit: 5000)) { all.append(contentsOf: batch) }
    return all
}

/// A fresh directory, removed afterwards.
struct Scratch: ~Copyable {
    let directory: URL
    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("caseload-generator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func store(_ name: String = "log.sqlite") throws -> SQLiteEventStore {
        var configuration = SQLiteEventStoreConfiguration()
        configuration.auditIndexing = .marketplace
        configuration.durability = .normal
        return try SQLiteEventStore(path: path(name), configuration: configuration)
    }
    deinit { try? FileManager.default.removeItem(at: directory) }
}
