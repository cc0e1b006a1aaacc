import Caseload
public import CaseloadCoding
public import CaseloadDomain
public import EventStore
public import struct Foundation.UUID

/// One generated event: the domain event with everything the log records
/// about it but `recordedAt` and its position.
public struct GeneratedEvent: Sendable, Hashable {
    /// A UUIDv7 from `EventIDGenerator`, seeded from the generator's seed.
    public var id: UUID
    public var event: CaseloadEvent
    public var occurredAt: Timestamp
    public var actor: Initiator
    /// A re-match's `InquiryOpened` names the `RefusalResolved` that opened it.
    public var causationID: UUID?
    /// The event's version in its stream (1 for the stream's first event).
    public var streamVersion: Int64

    /// The event as the store takes it.
    public var newEvent: NewEvent {
        event.newEvent(id: id, occurredAt: occurredAt, actor: actor, causationID: causationID)
    }
}

/// How far a generation has come.
public struct GenerationProgress: Sendable, Hashable {
    /// Events generated (and judged) so far.
    public var events: Int
    /// The expected total, estimated from the parameters (±20%).
    public var plannedEvents: Int
    /// The business time reached.
    public var businessTime: Timestamp
    /// Share of the history's span reached, 0–1.
    public var fractionOfSpan: Double
}

/// Realistic marketplace histories of any size: therapists of several
/// archetypes, their clients' inquiries, sessions, cancellations, no-shows,
/// exclusions, refusals with re-matches, anti-fraud flags, and optionally
/// profile views — with rates taken from published figures (see
/// `Sources/CaseloadGenerator/README.md`).
///
/// Every event passes the domain's rules (`MarketplaceState.judge`, the same
/// validation as import) before it goes anywhere; a violation stops the run
/// with ``GeneratorError/Code/ruleViolation`` — a bug in the generator, never
/// in the caller's input. The same parameters give the same events, ids
/// included; events come in business-time order. Memory stays bounded by the
/// platform's open cases, not by the length of the history.
public struct HistoryGenerator: Sendable {
    public let parameters: GeneratorParameters

    public init(parameters: GeneratorParameters) {
        self.parameters = parameters
    }

    /// The events one by one, in log order; the summary so far is on the iterator.
    public func events() throws(GeneratorError) -> GeneratedEvents {
        try parameters.validate()
        return GeneratedEvents(run: HistoryRun(parameters: parameters))
    }

    /// The expected number of events, estimated from the parameters (for
    /// progress and ETA; within about 20% of the actual count).
    public var plannedEvents: Int { SizeEstimate.events(parameters) }

    /// Generates the history into `store`, which must be empty.
    ///
    /// Events go in transactions of ``GeneratorParameters/eventsPerTransaction``
    /// (100k by default), cut only between events that must be appended
    /// together (a re-match's resolution and new inquiry). While one chunk is
    /// written the next is generated, so generation and the store's writer
    /// use a core each, and at most two chunks are in memory. If the run
    /// stops (a store error, a generator bug, cancellation), the chunks
    /// before are committed: a valid prefix of the history, every event judged.
    public func generate(
        into store: any EventLog, progress: (@Sendable (GenerationProgress) -> Void)? = nil
    ) async throws -> GenerationSummary {
        try parameters.validate()
        let head = try await store.head()
        guard head.position == 0 else {
            throw GeneratorError(
                .storeNotEmpty, "the log already holds \(head.position) events; generate writes a new history into an empty log")
        }
        let started = ContinuousClock.now
        var run = HistoryRun(parameters: parameters)
        let planned = plannedEvents
        var group: [GeneratedEvent] = []
        var chunk = ChunkBuilder()
        var writing: Task<WrittenRange, any Error>?
        var written = WrittenRange()
        var transactions = 0
        var nextReport = Self.reportEvery
        do {
            while try run.nextGroup(into: &group) {
                for event in group { chunk.add(event) }
                if chunk.events >= parameters.eventsPerTransaction {
                    try Task.checkCancellation()
                    if let writing { written.extend(with: try await writing.value) }
                    writing = Self.write(chunk.take(), to: store)
                    transactions += 1
                }
                if run.total >= nextReport {
                    nextReport += Self.reportEvery
                    progress?(run.progress(planned: planned))
                }
            }
            if chunk.events > 0 {
                if let writing { written.extend(with: try await writing.value) }
                writing = Self.write(chunk.take(), to: store)
                transactions += 1
            }
            if let writing { written.extend(with: try await writing.value) }
        } catch {
            // Let a chunk being written finish (or fail) before reporting.
            if let writing { _ = try? await writing.value }
            throw error
        }
        progress?(run.progress(planned: planned))
        var summary = run.summary
        summary.firstPosition = written.first
        summary.lastPosition = written.last
        summary.transactions = transactions
        summary.elapsedSeconds = Self.seconds(since: started)
        return summary
    }

    /// Writes the same history as import JSON Lines (`caseload import` reads
    /// it): one envelope per line with its `eventId`, so an import keeps the
    /// generator's ids and re-importing appends nothing twice.
    public func writeJSONLines(
        to path: String, progress: (@Sendable (GenerationProgress) -> Void)? = nil
    ) throws -> GenerationSummary {
        try parameters.validate()
        let started = ContinuousClock.now
        let file = try OutputFile(path: path)
        var run = HistoryRun(parameters: parameters)
        let planned = plannedEvents
        var group: [GeneratedEvent] = []
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20 + 4096)
        var nextReport = Self.reportEvery
        while try run.nextGroup(into: &group) {
            for event in group {
                ImportEnvelope.write(event, into: &buffer)
                if buffer.count >= 1 << 20 {
                    try file.write(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            if run.total >= nextReport {
                nextReport += Self.reportEvery
                progress?(run.progress(planned: planned))
            }
        }
        try file.write(buffer)
        try file.close()
        progress?(run.progress(planned: planned))
        var summary = run.summary
        summary.elapsedSeconds = Self.seconds(since: started)
        return summary
    }

    static let reportEvery = 20_000

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// One transaction: the chunk's appends in batches of about 4096 events,
    /// like import.
    private static func write(_ appends: [StreamAppend], to store: any EventLog) -> Task<WrittenRange, any Error> {
        Task {
            try await store.withTransaction { transaction in
                var range = WrittenRange()
                var start = appends.startIndex
                while start < appends.endIndex {
                    var end = start
                    var events = 0
                    while end < appends.endIndex, events < 4096 {
                        events += appends[end].events.count
                        end += 1
                    }
                    let result = try transaction.append(Array(appends[start..<end]))
                    range.extend(first: result.events.first?.position, last: result.events.last?.position)
                    start = end
                }
                return range
            }
        }
    }
}

/// Positions written so far.
struct WrittenRange: Sendable {
    var first: Int64?
    var last: Int64?

    mutating func extend(first: Int64?, last: Int64?) {
        if self.first == nil { self.first = first }
        if let last { self.last = last }
    }

    mutating func extend(with other: WrittenRange) { extend(first: other.first, last: other.last) }
}

/// Store appends for one transaction: consecutive events of one stream share
/// a `StreamAppend`, each expecting the version the generator tracked.
struct ChunkBuilder {
    private(set) var appends: [StreamAppend] = []
    private(set) var events = 0
    private var scratch: [UInt8] = []

    mutating func add(_ event: GeneratedEvent) {
        let stream = event.event.storeStreamID
        let new = newEvent(event)
        if let last = appends.indices.last, appends[last].stream == stream {
            appends[last].events.append(new)
        } else {
            let before = event.streamVersion - 1
            appends.append(StreamAppend(stream: stream, expected: before == 0 ? .noStream : .exactly(before), events: [new]))
        }
        events += 1
    }

    /// ``GeneratedEvent/newEvent``, with the payload in an array of its own
    /// size: the canonical encoder reserves 192 bytes per payload, and a
    /// chunk holds 100k of them (a profile view's payload is ~40 bytes).
    private mutating func newEvent(_ event: GeneratedEvent) -> NewEvent {
        var writer = JSONWriter(capacity: 0)
        swap(&writer.bytes, &scratch)
        event.event.encodePayload(into: &writer)
        let payload = writer.bytes.withUnsafeBufferPointer { source in
            [UInt8](unsafeUninitializedCapacity: source.count) { target, count in
                count = target.initialize(fromContentsOf: source)
            }
        }
        swap(&writer.bytes, &scratch)
        scratch.removeAll(keepingCapacity: true)
        return NewEvent(
            id: event.id, type: event.event.typeName, schemaVersion: event.event.schemaVersion,
            payload: EventPayload(bytes: payload), occurredAt: event.occurredAt, actor: event.actor.description,
            causationID: event.causationID)
    }

    mutating func take() -> [StreamAppend] {
        defer {
            appends = []
            events = 0
        }
        return appends
    }
}

/// The import envelope of `EventSchemas/envelope.schema.json`.
enum ImportEnvelope {
    static func write(_ event: GeneratedEvent, into buffer: inout [UInt8]) {
        var writer = JSONWriter(capacity: 384)
        writer.beginObject()
        writer.key("eventId"); writer.string(text(event.id))
        writer.key("type"); writer.string(event.event.typeName)
        writer.key("occurredAt"); writer.string(event.occurredAt.iso8601)
        writer.key("actor"); writer.string(event.actor.description)
        if let causation = event.causationID {
            writer.key("causationId"); writer.string(text(causation))
        }
        writer.key("data"); event.event.encodePayload(into: &writer)
        writer.endObject()
        buffer.append(contentsOf: writer.bytes)
        buffer.append(0x0A)
    }

    /// The lowercase canonical text of `id` (`uuidString` formats each byte
    /// with printf, a tenth of the time of writing a line).
    static func text(_ id: UUID) -> String {
        let digits: StaticString = "0123456789abcdef"
        return withUnsafeBytes(of: id.uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var index = 0
                for (position, byte) in bytes.enumerated() {
                    if position == 4 || position == 6 || position == 8 || position == 10 {
                        out[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    out[index] = digits.utf8Start[Int(byte >> 4)]
                    out[index + 1] = digits.utf8Start[Int(byte & 0x0F)]
                    index += 2
                }
                return index
            }
        }
    }
}

/// The iterator behind every output: the simulation, the rules gate, ids.
struct HistoryRun {
    private var simulation: Simulation
    private var gate = RulesGate()
    private var ids: EventIDGenerator
    private var viewIDs: EventIDGenerator
    private var group = Simulation.Group()
    /// Events per type, in `EventType.allCases` order.
    private var counts = [Int](repeating: 0, count: EventType.allCases.count)
    private(set) var total = 0
    private var first: Timestamp?
    private var last: Timestamp?

    init(parameters: GeneratorParameters, rebuildSlack: Int? = nil) {
        simulation = Simulation(parameters: parameters)
        ids = EventIDGenerator(seed: SplitMix64.mix(parameters.seed, 7))
        viewIDs = EventIDGenerator(seed: SplitMix64.mix(parameters.seed, 8))
        if let rebuildSlack { gate.rebuildSlack = rebuildSlack }
    }

    var gateRebuilds: Int { gate.rebuilds }

    /// The next group of events, judged and with ids; false at the end.
    mutating func nextGroup(into out: inout [GeneratedEvent]) throws(GeneratorError) -> Bool {
        out.removeAll(keepingCapacity: true)
        guard simulation.next(into: &group) else { return false }
        for simulated in group.events {
            let occurredAt = Timestamp(secondsSinceEpoch: simulated.at)
            let version: Int64
            do {
                version = try gate.admit(simulated.event, occurredAt: occurredAt, actor: simulated.actor)
            } catch {
                throw GeneratorError(
                    .ruleViolation,
                    "generator bug: event \(total + 1) (\(simulated.event.typeName) in \(simulated.event.streamName) at \(occurredAt), by \(simulated.actor)) breaks the rules: \(error.message). Nothing after it was written; please report it with the parameters (seed \(simulation.parameters.seed), \(simulation.parameters.therapists) therapists, \(simulation.parameters.months) months).",
                    underlying: error)
            }
            let id = simulated.isView ? viewIDs.next(at: occurredAt) : ids.next(at: occurredAt)
            out.append(GeneratedEvent(
                id: id, event: simulated.event, occurredAt: occurredAt, actor: simulated.actor,
                causationID: simulated.causedByPrevious ? out.last?.id : nil, streamVersion: version))
            counts[Self.typeIndex[simulated.event.type]!] += 1
            total += 1
            if first == nil { first = occurredAt }
            last = occurredAt
        }
        for finished in group.finishedCases { gate.close(caseId: finished) }
        return true
    }

    private static let typeIndex = Dictionary(uniqueKeysWithValues: EventType.allCases.enumerated().map { ($1, $0) })

    func progress(planned: Int) -> GenerationProgress {
        let span = Double(simulation.end - simulation.start)
        return GenerationProgress(
            events: total, plannedEvents: max(planned, total),
            businessTime: Timestamp(secondsSinceEpoch: simulation.clock),
            fractionOfSpan: min(1, Double(simulation.clock - simulation.start) / span))
    }

    var summary: GenerationSummary {
        GenerationSummary(
            parameters: simulation.parameters,
            events: total,
            eventsByType: Dictionary(uniqueKeysWithValues: zip(EventType.allCases, counts).filter { $0.1 > 0 }),
            therapists: simulation.therapists.map {
                GeneratedTherapist(id: $0.id, archetype: $0.archetype, joinedAt: Timestamp(secondsSinceEpoch: $0.joinedAt))
            },
            clients: simulation.tally.clients,
            convertedCases: simulation.tally.convertedCases,
            rematchedCases: simulation.tally.rematchedCases,
            openCasesAtEnd: gate.openCaseCount,
            firstOccurredAt: first, lastOccurredAt: last)
    }
}

/// The events of a history one by one, in log order.
public struct GeneratedEvents {
    var run: HistoryRun
    private var buffer: [GeneratedEvent] = []
    private var index = 0

    init(run: HistoryRun) { self.run = run }

    /// The next event; nil when the history is complete. Throws on a rule
    /// violation (a generator bug).
    public mutating func next() throws(GeneratorError) -> GeneratedEvent? {
        while index >= buffer.count {
            guard try run.nextGroup(into: &buffer) else { return nil }
            index = 0
        }
        defer { index += 1 }
        return buffer[index]
    }

    /// What has been generated so far (all of it once ``next()`` returned nil).
    public var summary: GenerationSummary { run.summary }
}
