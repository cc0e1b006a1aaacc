import Caseload
import CaseloadCoding
import CaseloadDomain
import CaseloadStatistics
import EventStore
import EventStoreTesting
import Foundation
import Synchronization
import Testing

func at(_ text: String) -> Timestamp { try! Timestamp(iso8601: text) }

/// Builds histories through the backend's commands, one command at a time
/// (the idea of `Script` in CaseloadTests, which this target cannot import).
struct Script {
    let store: InMemoryEventStore
    var service: CaseloadService { CaseloadService(store: store) }
    let counter = Counter()

    /// Every event is recorded at this instant, so recordedAt is predictable.
    init(recordedAt: Timestamp = at("2025-01-01T00:00:00Z")) {
        store = InMemoryEventStore(clock: { recordedAt })
    }

    final class Counter: Sendable {
        let next = Mutex(0)
        func advance() -> Int { next.withLock { $0 += 1; return $0 } }
    }

    @discardableResult
    func run(_ command: Command, by actor: Initiator, _ time: String) async throws -> [RecordedEvent] {
        try await run(command, by: actor, at(time))
    }

    @discardableResult
    func run(_ command: Command, by actor: Initiator, _ time: Timestamp) async throws -> [RecordedEvent] {
        try await service.execute(command, by: actor, at: time, commandID: testUUID(50_000 + counter.advance()))
    }

    func facts() async throws -> MarketplaceFacts { try await StatisticsProjection(store: store).current() }
}

/// A store that counts what the audit reads from the one it wraps: the
/// events each read returns and the queries it asks.
final class CountingStore: EventStore {
    let base: any EventStore
    private let counts = Mutex(Counts())

    struct Counts {
        var eventsRead = 0
        var queries: [LogQuery] = []
        var streamReads: [StreamID] = []
    }

    init(_ base: any EventStore) { self.base = base }

    var eventsRead: Int { counts.withLock { $0.eventsRead } }
    var queries: [LogQuery] { counts.withLock { $0.queries } }
    var streamReads: [StreamID] { counts.withLock { $0.streamReads } }
    func reset() { counts.withLock { $0 = Counts() } }

    func readStream(_ stream: StreamID, fromVersion version: Int64, limit: Int) async throws -> [RecordedEvent] {
        let events = try await base.readStream(stream, fromVersion: version, limit: limit)
        counts.withLock {
            $0.eventsRead += events.count
            $0.streamReads.append(stream)
        }
        return events
    }

    func read(_ query: LogQuery) async throws -> [RecordedEvent] {
        let events = try await base.read(query)
        counts.withLock {
            $0.eventsRead += events.count
            $0.queries.append(query)
        }
        return events
    }

    func append(_ appends: [StreamAppend]) async throws -> AppendResult { try await base.append(appends) }
    func scan<T: Sendable>(_ query: LogQuery, _ transform: @escaping @Sendable (EventView) throws -> T?) async throws -> [T] {
        let mapped = try await base.scan(query, transform)
        counts.withLock { $0.queries.append(query) }
        return mapped
    }
    func head() async throws -> LogHead { try await base.head() }
    func event(id: UUID) async throws -> RecordedEvent? { try await base.event(id: id) }
    func verify(progress: (@Sendable (Int64, Int64) -> Void)?) async throws -> ChainVerification {
        try await base.verify(progress: progress)
    }
    func withTransaction<T: Sendable>(
        _ body: @escaping @Sendable (inout any EventStoreTransaction) throws -> T
    ) async throws -> T {
        try await base.withTransaction(body)
    }
    func waitForCommit(after position: Int64, timeout: Duration) async throws -> Int64 {
        try await base.waitForCommit(after: position, timeout: timeout)
    }
    func loadProjection(named name: String) async throws -> ProjectionState? { try await base.loadProjection(named: name) }
    func saveProjection(_ state: ProjectionState) async throws { try await base.saveProjection(state) }
    func personalData(ref: String) async throws -> PersonalDataRecord? { try await base.personalData(ref: ref) }
    func personalDataRecords(after ref: String?, limit: Int) async throws -> [PersonalDataRecord] {
        try await base.personalDataRecords(after: ref, limit: limit)
    }
    func compact() async throws { try await base.compact() }
    func close() async { await base.close() }
}
