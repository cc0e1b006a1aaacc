public import CaseloadCoding
public import CaseloadDomain
public import CaseloadStatistics
public import EventStore
import Foundation

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
    /// An unreadable or missing state (another ``FactsCodec/formatVersion``
    /// included) is rebuilt from position 0. Throws ``FactsError`` for a log
    /// the facts refuse (prices in two currencies).
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
        _ store: any EventStore, into facts: inout MarketplaceFacts, query: LogQuery, batchSize: Int? = nil,
        parallelism: Int? = nil, progress: Progress? = nil
    ) async throws {
        var query = query
        // Events the facts ignore are not even read back.
        query.types = MarketplaceFacts.relevantTypes
        let head = try await DecodedLog.forEachChunk(
            store, query: query, chunkSize: batchSize, parallelism: parallelism
        ) { chunk, end, head in
            for item in chunk {
                try facts.apply(item.event, occurredAt: item.occurredAt, position: item.position)
            }
            progress?(end, head)
        }
        guard let head else { return }
        // Everything up to the head has been seen (filtered events included),
        // unless a time bound left later events out on purpose.
        if query.recordedAtOrBefore == nil && query.occurredAtOrBefore == nil {
            facts.checkpoint = head
        }
        progress?(head, head)
    }
}

/// One event decoded on a reader thread, waiting to be folded.
public struct DecodedEvent: Sendable {
    public var event: CaseloadEvent
    public var occurredAt: Timestamp
    public var position: Int64
}

/// The log read fast and decoded into domain events: chunks of positions are
/// read and decoded on reader threads (the store's lean `scan`: no
/// `RecordedEvent`s, payloads decoded where they lie), up to `parallelism`
/// chunks at once, while the caller consumes them in position order — so
/// both cores work.
public enum DecodedLog {
    /// Calls `body` with each chunk in order, with the chunk's last position
    /// and the head the read stops at; returns that head (nil if nothing to read).
    @discardableResult
    public static func forEachChunk(
        _ store: any EventStore, query: LogQuery, chunkSize: Int? = nil, parallelism: Int? = nil,
        _ body: ([DecodedEvent], _ end: Int64, _ head: Int64) throws -> Void
    ) async throws -> Int64? {
        let environment = ProcessInfo.processInfo.environment
        let chunkSize = chunkSize ?? Int(environment["CASELOAD_REPLAY_CHUNK"] ?? "") ?? 16_384
        let parallelism = parallelism ?? Int(environment["CASELOAD_REPLAY_PARALLEL"] ?? "") ?? 3
        let head = min(try await store.head().position, query.upToPosition ?? Int64.max)
        guard head > query.after else { return nil }
        var template = query
        template.limit = Int.max
        var starts: [Int64] = Array(stride(from: query.after, to: head, by: chunkSize))
        starts.reverse()

        func launch(_ after: Int64, releasing consumed: [DecodedEvent]) -> Task<[DecodedEvent], any Error> {
            var chunk = template
            chunk.after = after
            chunk.upToPosition = min(head, after + Int64(chunkSize))
            let state = ChunkState(releasing: consumed)
            return Task {
                // The transform keeps nothing itself: the state collects the events.
                let _: [Never] = try await store.scan(chunk) { view in
                    guard let base = view.payload.baseAddress, !view.payload.isEmpty else {
                        throw UnreadableEventError(position: view.position, stream: "?", reason: "empty payload")
                    }
                    var scanner = JSONScanner(base: base.assumingMemoryBound(to: UInt8.self), count: view.payload.count)
                    do {
                        let event = try CaseloadEvent.decode(type: view.type, schemaVersion: view.schemaVersion, from: &scanner)
                        state.append(DecodedEvent(event: event, occurredAt: view.occurredAt, position: view.position))
                        return nil
                    } catch {
                        throw UnreadableEventError(position: view.position, stream: "?", reason: "\(error)")
                    }
                }
                return state.take()
            }
        }

        var inFlight: [(end: Int64, task: Task<[DecodedEvent], any Error>)] = []
        while inFlight.count < max(1, parallelism), let next = starts.popLast() {
            inFlight.append((min(head, next + Int64(chunkSize)), launch(next, releasing: [])))
        }
        // The chunk `body` had last, released by the next chunk's reader.
        var consumed: [DecodedEvent] = []
        do {
            while !inFlight.isEmpty {
                let end = inFlight[0].end
                let decoded = try await inFlight.removeFirst().task.value
                if let next = starts.popLast() {
                    inFlight.append((min(head, next + Int64(chunkSize)), launch(next, releasing: consumed)))
                    consumed = []
                }
                try body(decoded, end, head)
                consumed = decoded
            }
        } catch {
            for (_, task) in inFlight { task.cancel() }
            throw error
        }
        return head
    }
}

/// One chunk's decoded events, collected on the store's reader thread.
///
/// It also releases the events of a chunk the caller has consumed, on that
/// same thread, before it decodes new ones: the consumer then only consumes
/// (freeing a chunk's strings had taken about a tenth of the scan's CPU time,
/// on the consuming thread), and the memory is freed where it is about to be
/// allocated again. Measured on the benchmark's 1M-event scan (2 cores,
/// medians of paired runs in one process): ≈8% less CPU per event and a
/// ≈14% higher rate than freeing on the consumer. Making the new chunk's
/// array before releasing the old one measured ≈4% less CPU than growing it
/// afterwards; reusing the old chunk's array measured 16–28% more.
///
/// `EventStore.scan` calls its transform for one event at a time, in order,
/// and the task takes the events only after the scan: the state is never used
/// by two threads at once. It is `Sendable` only to be captured by the transform.
private final class ChunkState: @unchecked Sendable {
    private var events: [DecodedEvent] = []
    private var consumed: [DecodedEvent]?

    init(releasing consumed: [DecodedEvent]) { self.consumed = consumed }

    func append(_ event: DecodedEvent) {
        if consumed != nil { releaseConsumed() }
        events.append(event)
    }

    /// Makes room for as many events as the consumed chunk held, then lets
    /// the consumed chunk go.
    private func releaseConsumed() {
        events.reserveCapacity(consumed?.count ?? 0)
        consumed = nil
    }

    /// The events, leaving the state empty.
    func take() -> [DecodedEvent] {
        consumed = nil
        defer { events = [] }
        return events
    }
}
