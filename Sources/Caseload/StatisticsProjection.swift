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
    /// The log it reads and where it saves its state: it never appends.
    public let store: any EventLogReader & ProjectionStore
    /// How the log is read when the facts are folded.
    public let tuning: ReplayTuning

    public init(store: any EventLogReader & ProjectionStore, tuning: ReplayTuning = ReplayTuning()) {
        self.store = store
        self.tuning = tuning
    }

    /// Reports (position reached, head position).
    public typealias Progress = @Sendable (_ done: Int64, _ total: Int64) -> Void

    /// The facts up to the log's head: the saved state caught up, then saved.
    /// An unreadable or missing state is rebuilt from position 0, and so is
    /// one whose checkpoint is no longer on the log (see ``catchUp(progress:)``).
    /// Throws ``FactsError`` for a log the facts refuse (prices in two currencies).
    public func current(progress: Progress? = nil) async throws -> MarketplaceFacts {
        try await catchUp(progress: progress).facts
    }

    /// The facts up to the log's head, and why they were rebuilt from
    /// position 0 when a saved state could not be trusted: its checkpoint is
    /// past the log's head (the last events were removed), or the event at
    /// its checkpoint has another hash (the log was replaced or rewritten).
    /// A projection never outlives the log it was folded from.
    public func catchUp(progress: Progress? = nil) async throws -> CaughtUpFacts {
        var facts = MarketplaceFacts()
        var rebuilt: String?
        if let saved = try await store.loadProjection(named: Self.name) {
            switch try await Self.decode(saved, against: store) {
            case .success(let decoded): facts = decoded
            case .failure(let reason): rebuilt = reason.description
            }
        }
        let before = facts.checkpoint
        try await Self.fold(
            store, into: &facts, query: LogQuery(after: facts.checkpoint), tuning: tuning, progress: progress)
        if facts.checkpoint != before || rebuilt != nil {
            do {
                try await save(facts)
            } catch let error as EventStoreError where error.code == .readOnly {
                // A log opened for reading only (an auditor's copy, a
                // read-only mount) keeps no state: the facts are still
                // right, the next reader folds them again.
            }
        }
        return CaughtUpFacts(facts: facts, rebuiltBecause: rebuilt)
    }

    /// Rebuilds the facts from position 0, saves and returns them.
    public func rebuild(progress: Progress? = nil) async throws -> MarketplaceFacts {
        var facts = MarketplaceFacts()
        try await Self.fold(store, into: &facts, query: LogQuery(), tuning: tuning, progress: progress)
        try await save(facts)
        return facts
    }

    /// The saved state: a tag, the hash of the event at the checkpoint (so a
    /// later load can tell the log still holds that event), then the facts.
    static let stateTag: [UInt8] = Array("CLF2".utf8)

    /// Saves `facts` (folded from this log) as the projection's state.
    public func save(_ facts: MarketplaceFacts) async throws {
        var hash = EventHash.genesis
        if facts.checkpoint > 0 {
            guard let event = try await store.read(LogQuery(after: facts.checkpoint - 1, limit: 1)).first,
                  event.position == facts.checkpoint
            else {
                throw EventStoreError(
                    .corrupted, "statistics: no event at position \(facts.checkpoint), which the facts were folded up to",
                    position: facts.checkpoint)
            }
            hash = event.hash
        }
        // Written in pieces (twice: once to count them), never whole: the
        // encoded facts of a 14M-event history are about 100 MB.
        let prefix = Self.stateTag + hash.bytes
        let size = FactsCodec.encodedSize(facts, after: prefix)
        try await store.saveProjection(named: Self.name, checkpoint: facts.checkpoint, size: size) { piece in
            try FactsCodec.encode(facts, after: prefix, pieces: piece)
        }
    }

    /// Why a saved state is not used.
    enum StaleState: Error, CustomStringConvertible {
        case unreadable
        case pastHead(checkpoint: Int64, head: Int64)
        case otherEvent(checkpoint: Int64)

        var description: String {
            switch self {
            case .unreadable:
                "the saved statistics could not be read (made by another build?)"
            case .pastHead(let checkpoint, let head):
                "the saved statistics were folded up to position \(checkpoint), past the log's head \(head): events were removed from the log's end"
            case .otherEvent(let checkpoint):
                "the event at position \(checkpoint), where the saved statistics stop, is not the one they were folded from: the log was replaced or rewritten"
            }
        }
    }

    /// The saved facts, if the log still holds the event they stop at.
    static func decode(
        _ saved: ProjectionState, against store: any EventLogReader
    ) async throws -> Result<MarketplaceFacts, StaleState> {
        let tag = stateTag.count
        guard saved.state.count >= tag + 32, Array(saved.state[..<tag]) == stateTag,
              let hash = EventHash(bytes: Array(saved.state[tag..<tag + 32])),
              let facts = try? FactsCodec.decode(Array(saved.state[(tag + 32)...])),
              facts.checkpoint == saved.checkpoint
        else { return .failure(.unreadable) }
        let head = try await store.head()
        guard saved.checkpoint <= head.position else {
            return .failure(.pastHead(checkpoint: saved.checkpoint, head: head.position))
        }
        if saved.checkpoint > 0 {
            let event = try await store.read(LogQuery(after: saved.checkpoint - 1, limit: 1)).first
            guard let event, event.position == saved.checkpoint, event.hash == hash else {
                return .failure(.otherEvent(checkpoint: saved.checkpoint))
            }
        }
        return .success(facts)
    }

    /// The facts as the log knew them at `knownAt` (events recorded by then):
    /// "what did we believe on that day". Not saved.
    public func facts(knownAt: Timestamp, progress: Progress? = nil) async throws -> MarketplaceFacts {
        var facts = MarketplaceFacts()
        try await Self.fold(
            store, into: &facts, query: LogQuery(recordedAtOrBefore: knownAt), tuning: tuning, progress: progress)
        return facts
    }

    /// Folds the events `query` selects (after its position, up to the head
    /// as it is now or `query.upToPosition`) into `facts`, which ends
    /// checkpointed there (or at the last event when the query is bounded by time).
    public static func fold(
        _ store: any EventLogReader, into facts: inout MarketplaceFacts, query: LogQuery,
        tuning: ReplayTuning = ReplayTuning(), progress: Progress? = nil
    ) async throws {
        // Events the facts ignore are not decoded. They are skipped on the
        // reader threads by their type rather than left out by the query: a
        // `type IN (…)` of twelve names cost SQLite a look-up per row, and
        // the types the facts ignore are about 1% of a history's events.
        // Profile views (most of the events) come grouped by therapist, apart
        // from the chunk's other events (see `MarketplaceFacts.apply(views:)`).
        let head = try await DecodedLog.forEachChunk(
            store, query: query, tuning: tuning, keeping: MarketplaceFacts.relevantTypes, viewsApart: true
        ) { chunk, end, head in
            for item in chunk.events {
                try facts.apply(item.event, occurredAt: item.occurredAt, position: item.position)
            }
            facts.apply(views: chunk.views)
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

/// The statistics' facts caught up to the log's head, and why they had to
/// be rebuilt from position 0, if they did (a front end says so).
public struct CaughtUpFacts: Sendable {
    public var facts: MarketplaceFacts
    /// Nil when a saved state was caught up (or there was none to distrust).
    public var rebuiltBecause: String?

    public init(facts: MarketplaceFacts, rebuiltBecause: String?) {
        (self.facts, self.rebuiltBecause) = (facts, rebuiltBecause)
    }
}

/// How a replay reads the log: positions per chunk, and chunks read and
/// decoded at once on the store's reader threads while one task folds them
/// in order. The defaults were measured on 2 cores (README, "Reading the log
/// fast"); the `caseload` command takes `CASELOAD_REPLAY_CHUNK` and
/// `CASELOAD_REPLAY_PARALLEL` for measuring others.
public struct ReplayTuning: Sendable, Hashable {
    public var chunkSize: Int
    public var parallelism: Int

    public init(chunkSize: Int = 16_384, parallelism: Int = 3) {
        self.chunkSize = chunkSize
        self.parallelism = parallelism
    }
}

/// One event decoded on a reader thread, waiting to be folded.
public struct DecodedEvent: Sendable {
    public var event: CaseloadEvent
    public var occurredAt: Timestamp
    public var position: Int64
}

/// One chunk of the log, decoded: its events in position order and, when
/// the read asked for them apart, its profile views grouped by therapist
/// (then not among `events`).
public struct DecodedChunk: Sendable {
    public var events: [DecodedEvent]
    /// Finished (see ``ProfileViewBatch/finish()``); empty unless views were asked for apart.
    public var views: ProfileViewBatch

    /// Events and views.
    public var count: Int { events.count + views.count }
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
    /// With `keeping`, events of other types are skipped on the reader
    /// threads (not decoded, not passed to `body`), as if the query had
    /// selected only those types. With `viewsApart`, profile views (decoded
    /// and checked as every event is) go to the chunk's `views`, grouped by
    /// therapist on the reader thread, instead of its `events`.
    public static func forEachChunk(
        _ store: any EventLogReader, query: LogQuery, tuning: ReplayTuning = ReplayTuning(),
        keeping: Set<String>? = nil, viewsApart: Bool = false,
        _ body: (DecodedChunk, _ end: Int64, _ head: Int64) throws -> Void
    ) async throws -> Int64? {
        let chunkSize = max(1, tuning.chunkSize)
        let parallelism = tuning.parallelism
        let head = min(try await store.head().position, query.upToPosition ?? Int64.max)
        guard head > query.after else { return nil }
        var template = query
        template.limit = Int.max
        // Chunks are ranges of positions, taken one by one (never listed: a
        // log whose positions were edited may have a head near Int64.max).
        var nextStart: Int64? = query.after
        func chunkEnd(_ after: Int64) -> Int64 {
            let end = after.addingReportingOverflow(Int64(chunkSize))
            return end.overflow ? head : min(head, end.partialValue)
        }
        func takeStart() -> Int64? {
            guard let start = nextStart, start < head else { return nil }
            let end = chunkEnd(start)
            nextStart = end < head ? end : nil
            return start
        }

        // Positions are gapless, so a chunk read without filters must hold
        // every position in its range: one missing is a damaged file (a
        // page SQLite could not tell was wrong) or rows deleted by hand, and
        // the figures would silently leave events out. Filtered reads (types
        // chosen in SQL, an as-of or known-at bound) skip rows on purpose.
        let checksPositions = template.types == nil && template.stream == nil && template.actor == nil
            && template.occurredAtOrBefore == nil && template.recordedAtOrBefore == nil
        func launch(_ after: Int64, releasing consumed: [DecodedEvent]) -> Task<DecodedChunk, any Error> {
            var chunk = template
            chunk.after = after
            let end = chunkEnd(after)
            chunk.upToPosition = end
            let state = ChunkState(releasing: consumed, keeping: keeping)
            state.nextPosition = after + 1
            return Task {
                // The transform keeps nothing itself: the state collects the events.
                let _: [Never] = try await store.scan(chunk) { view in
                    if checksPositions {
                        guard view.position == state.nextPosition else {
                            throw missingPositions(from: state.nextPosition, to: view.position - 1, head: head)
                        }
                        state.nextPosition += 1
                    }
                    guard state.keeps(view.type) else { return nil }
                    guard let base = view.payload.baseAddress, !view.payload.isEmpty else {
                        throw UnreadableEventError(position: view.position, stream: "?", reason: "empty payload")
                    }
                    var scanner = JSONScanner(base: base.assumingMemoryBound(to: UInt8.self), count: view.payload.count)
                    do {
                        let event = try CaseloadEvent.decode(type: view.type, schemaVersion: view.schemaVersion, from: &scanner)
                        if viewsApart, case .profileViewed(let viewed) = event {
                            state.views.add(therapistId: viewed.therapistId, occurredAt: view.occurredAt, position: view.position)
                        } else {
                            state.append(DecodedEvent(event: event, occurredAt: view.occurredAt, position: view.position))
                        }
                        return nil
                    } catch {
                        throw UnreadableEventError(position: view.position, stream: "?", reason: "\(error)")
                    }
                }
                if checksPositions, state.nextPosition <= end {
                    throw missingPositions(from: state.nextPosition, to: end, head: head)
                }
                return state.take()
            }
        }

        var inFlight: [(end: Int64, task: Task<DecodedChunk, any Error>)] = []
        while inFlight.count < max(1, parallelism), let next = takeStart() {
            inFlight.append((chunkEnd(next), launch(next, releasing: [])))
        }
        // The chunk `body` had last, released by the next chunk's reader.
        var consumed: [DecodedEvent] = []
        do {
            while !inFlight.isEmpty {
                let end = inFlight[0].end
                let decoded = try await inFlight.removeFirst().task.value
                if decoded.count == 0, let pending = nextStart {
                    // A chunk with nothing in it: positions are gapless, so
                    // this is a log edited by hand (or a filter that selects
                    // little). Jump to the next event rather than read every
                    // empty chunk up to a head that may be near Int64.max.
                    var probe = template
                    probe.after = end
                    probe.limit = 1
                    probe.upToPosition = head
                    let following: [Int64] = try await store.scan(probe) { view in view.position }
                    if let position = following.first {
                        if position - 1 > pending { nextStart = position - 1 }
                    } else {
                        nextStart = nil
                    }
                }
                if let next = takeStart() {
                    inFlight.append((chunkEnd(next), launch(next, releasing: consumed)))
                    consumed = []
                }
                try body(decoded, end, head)
                consumed = decoded.events
            }
        } catch {
            for (_, task) in inFlight { task.cancel() }
            throw error
        }
        return head
    }
}

/// Positions the log should hold (they are gapless up to the head) that a
/// read did not find: the file is damaged or rows were deleted.
private func missingPositions(from: Int64, to: Int64, head: Int64) -> EventStoreError {
        EventStoreError(
            .corrupted,
            from == to
                ? "position \(from) is missing from the log (its head is \(head)): the file is damaged or a row was deleted; `caseload verify` checks the whole file"
                : "positions \(from)…\(to) are missing from the log (its head is \(head)): the file is damaged or rows were deleted; `caseload verify` checks the whole file",
            position: from)
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
    /// The chunk's profile views, when they are asked for apart.
    var views = ProfileViewBatch()
    private var consumed: [DecodedEvent]?
    private let keeping: Set<String>?
    /// The last type asked about and the answer: runs of one type (profile
    /// views, most of a history) then cost a comparison of short strings
    /// instead of hashing each name.
    private var lastType = ""
    private var lastKept = false
    /// The position the chunk's next event must have (when its read is checked).
    var nextPosition: Int64 = 0

    init(releasing consumed: [DecodedEvent], keeping: Set<String>?) {
        self.consumed = consumed
        self.keeping = keeping
    }

    /// Whether events of `type` are decoded and kept.
    func keeps(_ type: String) -> Bool {
        guard let keeping else { return true }
        if type != lastType {
            lastType = type
            lastKept = keeping.contains(type)
        }
        return lastKept
    }

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

    /// The events and views (the views grouped), leaving the state empty.
    func take() -> DecodedChunk {
        consumed = nil
        views.finish()
        defer {
            events = []
            views = ProfileViewBatch()
        }
        return DecodedChunk(events: events, views: views)
    }
}
