public import struct Foundation.UUID
public import CaseloadCoding

/// What analysts' and auditors' code takes: reads of the log, never a write.
/// Statistics, audits, `explain` and `verify` need nothing more, so code
/// that only reads cannot append by mistake (GRDB's `DatabaseReader`).
///
/// Every method is safe to call concurrently.
public protocol EventLogReader: Sendable {
    /// Up to `limit` events of one stream, from `version` (1 = the first) on.
    func readStream(_ stream: StreamID, fromVersion version: Int64, limit: Int) async throws -> [RecordedEvent]

    /// Every event of each stream, in the order given: what a command is
    /// decided on. A store that can reads them in one trip (the default
    /// reads one stream after another).
    func readStreams(_ streams: [StreamID]) async throws -> [[RecordedEvent]]

    /// One batch of the log in position order, filtered as `query` says.
    func read(_ query: LogQuery) async throws -> [RecordedEvent]

    /// The lean read for projections: maps each event `query` selects (up to
    /// `query.limit`) on the thread that reads it, without building
    /// ``RecordedEvent``s, and returns what `transform` kept (non-nil).
    /// `transform` is called for one event at a time, in position order.
    /// The view's payload bytes are valid only during the call.
    func scan<T: Sendable>(
        _ query: LogQuery, _ transform: @escaping @Sendable (EventView) throws -> T?
    ) async throws -> [T]

    /// The last committed position (0 for an empty log) and its hash.
    func head() async throws -> LogHead

    /// The committed event with this id.
    func event(id: UUID) async throws -> RecordedEvent?

    /// Walks the whole hash chain from the first event; reports the first
    /// position that does not match. `progress` receives (checked, total).
    func verify(progress: (@Sendable (Int64, Int64) -> Void)?) async throws -> ChainVerification

    /// Suspends until the head moves past `position` or `timeout` passes;
    /// returns the head then. The basis of catch-up subscriptions.
    func waitForCommit(after position: Int64, timeout: Duration) async throws -> Int64
}

/// The append-only event log: the reads, and appends. An append returns only
/// once its commit is durable at the backend's configured level.
public protocol EventLog: EventLogReader {
    /// Appends events to one or more streams atomically: all commit or none.
    /// Positions follow the order of `appends`; a stream may appear more than
    /// once, each part expecting the version the earlier parts leave.
    ///
    /// Each stream's expectation is checked; a mismatch throws
    /// ``EventStoreError/Code/wrongExpectedVersion`` naming the stream, the
    /// expectation and the actual version. If every event id is already
    /// committed with the same content, nothing is written and the originals
    /// come back with outcome ``AppendResult/Outcome/alreadyAppended``.
    func append(_ appends: [StreamAppend]) async throws -> AppendResult

    /// Runs `body` inside one write transaction: what it appends, the
    /// projections it saves and the personal data it stores or erases commit
    /// only if it returns, and nothing does if it throws. Other appends wait.
    /// For work that must be atomic across roles or many appends: an import,
    /// a command that seals a client's name beside the event that refers to it.
    func withTransaction<T: Sendable>(
        _ body: @escaping @Sendable (inout any EventStoreTransaction) throws -> T
    ) async throws -> T
}

/// Projections' saved states, each with the log position it was folded up to.
public protocol ProjectionStore: Sendable {
    /// A projection's saved state, if one was saved.
    func loadProjection(named name: String) async throws -> ProjectionState?

    /// Saves a projection's state and checkpoint together, in one
    /// transaction, replacing what was saved under its name. A checkpoint past
    /// the log's head is refused.
    func saveProjection(_ state: ProjectionState) async throws

    /// Saves a state of exactly `size` bytes that `write` hands over in
    /// pieces, in order, as ``saveProjection(_:)`` saves a whole one: a store
    /// that can write a value in parts (SQLite) never holds a large state
    /// whole. The default collects the pieces and calls ``saveProjection(_:)``.
    /// Throws (and saves nothing) when the pieces do not add up to `size`.
    func saveProjection(
        named name: String, checkpoint: Int64, size: Int,
        write: @escaping @Sendable (_ piece: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) async throws
}

extension ProjectionStore {
    public func saveProjection(
        named name: String, checkpoint: Int64, size: Int,
        write: @escaping @Sendable (_ piece: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) async throws {
        var state: [UInt8] = []
        state.reserveCapacity(size)
        try write { state.append(contentsOf: $0) }
        guard state.count == size else {
            throw EventStoreError(.invalidAppend, "projection '\(name)': its state is \(state.count) bytes, not the \(size) announced")
        }
        try await saveProjection(ProjectionState(name: name, checkpoint: checkpoint, state: state))
    }
}

/// The personal-data vault, kept apart from the log so that a subject's data
/// can be erased without rewriting history. Values are stored and erased in
/// a write transaction (``EventStoreTransaction``), beside the events that
/// refer to them.
public protocol PersonalDataStore: Sendable {
    /// A value in the vault, with its subject's key; nil when there is none
    /// (never stored, or erased).
    func personalData(ref: String) async throws -> PersonalDataRecord?

    /// Reclaims freed space so that erased data leaves no bytes behind
    /// (SQLite: checkpoint the WAL, VACUUM, truncate the WAL).
    func compact() async throws

    /// Up to `limit` values of the vault, each with its subject's key, in
    /// order of reference, after `ref` (nil: from the first): what a copy of
    /// the store reads. Erased subjects have none.
    func personalDataRecords(after ref: String?, limit: Int) async throws -> [PersonalDataRecord]
}

/// A backend: the log, projections and the vault in one database, and its
/// lifetime. The contract every backend (SQLite today, PostgreSQL later)
/// fulfils, checked by the contract suite in `EventStoreTesting`. Code that
/// needs one role takes that role's protocol.
public protocol EventStore: EventLog, ProjectionStore, PersonalDataStore {
    /// Stops accepting work and releases the backend's resources.
    func close() async
}

/// One encrypted value of a subject's personal data, kept apart from the log.
public struct PersonalDataRecord: Sendable, Hashable {
    /// The reference an event carries, such as `pd-…`.
    public var ref: String
    /// Whose data it is (a client id); one key per subject.
    public var subject: String
    /// Which field, such as `clientName`.
    public var field: String
    /// The sealed (encrypted, authenticated) value.
    public var sealed: [UInt8]
    /// The subject's key, when read back (nil when storing).
    public var key: [UInt8]?

    public init(ref: String, subject: String, field: String, sealed: [UInt8], key: [UInt8]? = nil) {
        self.ref = ref
        self.subject = subject
        self.field = field
        self.sealed = sealed
        self.key = key
    }
}

/// An event as ``EventStore/scan(_:_:)`` shows it: what a projection needs,
/// with the payload bytes borrowed from the store for the duration of one call.
public struct EventView {
    public let position: Int64
    public let type: String
    public let schemaVersion: Int
    public let occurredAt: Timestamp
    public let recordedAt: Timestamp
    /// The payload's JSON bytes; do not keep them past the call.
    public let payload: UnsafeRawBufferPointer

    public init(
        position: Int64, type: String, schemaVersion: Int, occurredAt: Timestamp, recordedAt: Timestamp,
        payload: UnsafeRawBufferPointer
    ) {
        self.position = position
        self.type = type
        self.schemaVersion = schemaVersion
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.payload = payload
    }
}

/// A projection's state and the log position it has folded up to, saved
/// together so they can never disagree.
public struct ProjectionState: Sendable, Hashable {
    public var name: String
    /// The last position folded into `state`.
    public var checkpoint: Int64
    /// The projection's own serialisation of its state.
    public var state: [UInt8]

    public init(name: String, checkpoint: Int64, state: [UInt8]) {
        self.name = name
        self.checkpoint = checkpoint
        self.state = state
    }
}

/// One write transaction (``EventLog/withTransaction(_:)``): the log as it
/// stands with this transaction's own uncommitted appends, and the writes
/// of every role, committed together or not at all.
public protocol EventStoreTransaction {
    // MARK: The log
    func currentVersion(of stream: StreamID) throws -> Int64
    func readStream(_ stream: StreamID, fromVersion version: Int64, limit: Int) throws -> [RecordedEvent]
    func event(id: UUID) throws -> RecordedEvent?
    /// The greatest event id in the log, comparing ids as their 16 bytes
    /// (``Foundation/UUID/bytesPrecede(_:)``), or nil for an empty log. An id
    /// above it cannot be in the log, so an import of time-ordered (v7) ids
    /// needs no lookup per line.
    func greatestEventID() throws -> UUID?
    var head: LogHead { get }
    /// Same semantics as ``EventLog/append(_:)``, inside this transaction.
    mutating func append(_ appends: [StreamAppend]) throws -> AppendResult
    /// Writes events another log recorded, exactly as recorded: positions,
    /// ids, stream versions, times and hashes are kept, not assigned (the
    /// copy of a log, `caseload copy`). They must continue this log where
    /// it ends: positions contiguous from the head, each hash following
    /// from its content and the previous one (the first from the head's),
    /// each stream's versions without a gap, and ids new to the log.
    /// Otherwise it throws ``EventStoreError/Code/invalidAppend`` naming
    /// the first event that does not fit (an id already in the log fails
    /// the insert instead), and the transaction commits nothing. Unlike an
    /// append, it is never a retry.
    mutating func importRecorded(_ events: [RecordedEvent]) throws

    // MARK: Projections
    /// Saves a projection's state and checkpoint (same semantics as
    /// ``ProjectionStore/saveProjection(_:)``), committed with this transaction.
    mutating func saveProjection(_ state: ProjectionState) throws

    // MARK: The personal-data vault
    /// The subject's vault key; stores `newKey` as it first if it has none.
    mutating func personalDataKey(subject: String, createWith newKey: [UInt8]) throws -> [UInt8]
    /// Stores (or replaces) one sealed value.
    mutating func storePersonalData(_ record: PersonalDataRecord) throws
    /// Destroys the subject's key and every value sealed with it; returns how many values.
    mutating func erasePersonalData(subject: String) throws -> Int
}

extension EventLog {
    /// Appends to one stream.
    public func append(
        to stream: StreamID, expected: ExpectedVersion, _ events: [NewEvent]
    ) async throws -> AppendResult {
        try await append([StreamAppend(stream: stream, expected: expected, events: events)])
    }

    /// Writes events another log recorded, verbatim, in one transaction
    /// (see ``EventStoreTransaction/importRecorded(_:)``); returns the new head.
    @discardableResult
    public func importRecorded(_ events: [RecordedEvent]) async throws -> LogHead {
        try await withTransaction { transaction in
            try transaction.importRecorded(events)
            return transaction.head
        }
    }
}

extension EventLogReader {
    public func readStreams(_ streams: [StreamID]) async throws -> [[RecordedEvent]] {
        var all: [[RecordedEvent]] = []
        for stream in streams { all.append(try await readStream(stream)) }
        return all
    }

    /// All events of one stream.
    public func readStream(_ stream: StreamID) async throws -> [RecordedEvent] {
        var all: [RecordedEvent] = []
        var next: Int64 = 1
        while true {
            let batch = try await readStream(stream, fromVersion: next, limit: 10_000)
            all.append(contentsOf: batch)
            guard batch.count == 10_000, let last = batch.last else { return all }
            next = last.streamVersion + 1
        }
    }

    /// The log as batches in position order, from `query.after` to the head
    /// as it was when iteration began... and no further. The next batch is
    /// read while the caller works on the current one, so a replay keeps both
    /// cores busy.
    public func batches(_ query: LogQuery) -> LogBatches {
        LogBatches(store: self, query: query)
    }

    /// A catch-up subscription: history from `checkpoint` on, then new
    /// commits as they happen, until the task is cancelled.
    public func subscribe(from checkpoint: Int64, query: LogQuery = LogQuery()) -> CatchUpSubscription {
        CatchUpSubscription(store: self, checkpoint: checkpoint, query: query)
    }

    /// The default chain walk, over ``read(_:)``.
    public func verifyByReading(progress: (@Sendable (Int64, Int64) -> Void)?) async throws -> ChainVerification {
        var walker = ChainWalker(total: try await head().position, progressEvery: 5000, progress: progress)
        var query = LogQuery(after: 0, limit: 5000, upToPosition: walker.total)
        while true {
            let batch = try await read(query)
            for event in batch {
                if let broken = walker.check({ event }) { return broken }
            }
            guard let last = batch.last, batch.count == query.limit else { break }
            query.after = last.position
        }
        return walker.finish()
    }
}

/// Batches of the log up to the head at the start, with one batch read ahead.
public struct LogBatches: AsyncSequence, Sendable {
    public typealias Element = [RecordedEvent]
    let store: any EventLogReader
    let query: LogQuery

    public struct AsyncIterator: AsyncIteratorProtocol {
        let store: any EventLogReader
        var query: LogQuery
        var pending: Task<[RecordedEvent], any Error>?
        var finished = false
        var bound: Int64?

        public mutating func next() async throws -> [RecordedEvent]? {
            if finished { return nil }
            if bound == nil {
                let head = try await store.head().position
                bound = Swift.min(head, query.upToPosition ?? head)
                query.upToPosition = bound
            }
            let batch: [RecordedEvent]
            if let pending {
                batch = try await pending.value
            } else {
                batch = try await store.read(query)
            }
            pending = nil
            guard let last = batch.last else {
                finished = true
                return nil
            }
            // The batch's last position, not its count: filters can make a
            // batch short without the log being at its end.
            if last.position >= bound! || batch.count < query.limit {
                finished = true
            } else {
                query.after = last.position
                let next = query
                let store = self.store
                pending = Task { try await store.read(next) }
            }
            return batch
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(store: store, query: query)
    }
}

/// Events from a checkpoint through history, then each new commit as it
/// lands, for as long as the consuming task runs.
public struct CatchUpSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent
    let store: any EventLogReader
    let checkpoint: Int64
    let query: LogQuery

    public struct AsyncIterator: AsyncIteratorProtocol {
        let store: any EventLogReader
        var query: LogQuery
        var buffer: [RecordedEvent] = []
        var index = 0

        public mutating func next() async throws -> RecordedEvent? {
            while index >= buffer.count {
                try Task.checkCancellation()
                let head = try await store.head().position
                guard head > query.after else {
                    // Nothing new: wait for a commit (or a short timeout, which
                    // also catches commits made by other processes).
                    _ = try await store.waitForCommit(after: query.after, timeout: .milliseconds(200))
                    continue
                }
                var bounded = query
                bounded.upToPosition = head
                buffer = try await store.read(bounded)
                index = 0
                // A short batch means every position up to the head was seen,
                // even those a type filter left out.
                if let last = buffer.last, buffer.count == query.limit {
                    query.after = last.position
                } else {
                    query.after = head
                }
            }
            defer { index += 1 }
            return buffer[index]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        var query = query
        query.after = checkpoint
        return AsyncIterator(store: store, query: query)
    }
}
