public import CaseloadCoding
import CaseloadDomain
public import CaseloadStatistics
public import EventStore

/// The statistics projection: per-case facts folded from the log, saved with
/// their checkpoint (one row, one transaction), caught up from there on every
/// use instead of replaying everything.
public struct StatisticsProjection: Sendable {
    /// The name its state is saved under.
    public static let name = "statistics-facts"
    public let store: any EventStore

    public init(store: any EventStore) { self.store = store }

    /// Reports (position reached, head position).
    public typealias Progress = @Sendable (_ done: Int64, _ total: Int64) -> Void

    /// The facts up to the log's head: the saved state caught up, then saved.
    /// An unreadable or missing state is rebuilt from position 0.
    public func current(progress: Progress? = nil) async throws -> MarketplaceFacts {
        var facts = MarketplaceFacts()
        if let saved = try await store.loadProjection(named: Self.name),
           let decoded = try? FactsCodec.decode(saved.state), decoded.checkpoint == saved.checkpoint {
            facts = decoded
        }
        let before = facts.checkpoint
        try await Self.fold(store, into: &facts, query: LogQuery(after: facts.checkpoint), progress: progress)
        if facts.checkpoint != before {
            try await save(facts)
        }
        return facts
    }

    /// Rebuilds the facts from position 0, saves and returns them.
    public func rebuild(progress: Progress? = nil) async throws -> MarketplaceFacts {
        var facts = MarketplaceFacts()
        try await Self.fold(store, into: &facts, query: LogQuery(), progress: progress)
        try await save(facts)
        return facts
    }

    func save(_ facts: MarketplaceFacts) async throws {
        try await store.saveProjection(
            ProjectionState(name: Self.name, checkpoint: facts.checkpoint, state: FactsCodec.encode(facts)))
    }

    /// The facts as the log knew them at `knownAt` (events recorded by then):
    /// "what did we believe on that day". Not saved.
    public func facts(knownAt: Timestamp, progress: Progress? = nil) async throws -> MarketplaceFacts {
        var facts = MarketplaceFacts()
        try await Self.fold(store, into: &facts, query: LogQuery(recordedAtOrBefore: knownAt), progress: progress)
        return facts
    }

    /// Folds the events `query` selects (after its position, up to the head
    /// as it is now or `query.upToPosition`) into `facts`, which ends
    /// checkpointed there (or at the last event when the query is bounded by time).
    public static func fold(
        _ store: any EventStore, into facts: inout MarketplaceFacts, query: LogQuery, batchSize: Int = 8192,
        progress: Progress? = nil
    ) async throws {
        let head = min(try await store.head().position, query.upToPosition ?? Int64.max)
        guard head > query.after else { return }
        var query = query
        query.limit = batchSize
        query.upToPosition = head
        // Events the facts ignore are not even read back.
        query.types = MarketplaceFacts.relevantTypes
        var done: Int64 = query.after
        for try await batch in store.batches(query) {
            for record in batch {
                let event = try record.domainEvent()
                facts.apply(event, occurredAt: record.metadata.occurredAt, position: record.position)
            }
            done = batch.last?.position ?? done
            progress?(done, head)
        }
        // Everything up to the head has been seen (filtered events included),
        // unless a time bound left later events out on purpose.
        if query.recordedAtOrBefore == nil && query.occurredAtOrBefore == nil {
            facts.checkpoint = head
        }
        progress?(head, head)
    }
}
