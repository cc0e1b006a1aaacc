public import CaseloadCoding
public import EventStore
public import Foundation
import Synchronization

/// An event store in memory: the reference backend for tests and for the
/// domain's own tests, held to the same contract suite as SQLite.
public final class InMemoryEventStore: EventStore {
    struct State {
        var events: [RecordedEvent] = []
        var byID: [UUID: Int] = [:]
        var streams: [StreamID: [Int]] = [:]
        var head = LogHead.empty
        var waiters: [UInt64: (after: Int64, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter: UInt64 = 0
        var closed = false
        var projections: [String: ProjectionState] = [:]
        var personalKeys: [String: [UInt8]] = [:]
        var personalData: [String: PersonalDataRecord] = [:]
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> Timestamp
    private let limits: EventStoreLimits

    public init(
        limits: EventStoreLimits = .default,
        clock: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.clock = clock
        self.limits = limits
    }

    /// The shared append algorithm's view of the state, with an undo journal:
    /// a failed append leaves no trace.
    struct Storage: AppendStorage {
        var state: State
        mutating func currentVersion(of stream: StreamID) throws -> Int64 {
            state.streams[stream].map { Int64($0.count) } ?? 0
        }
        mutating func committedEvent(id: UUID) throws -> RecordedEvent? {
            state.byID[id].map { state.events[$0] }
        }
        mutating func insert(_ event: RecordedEvent) throws {
            if let index = state.byID[event.id] {
                throw EventStoreError(
                    .idempotencyConflict,
                    "stream '\(event.stream)': event \(event.id.uuidString.lowercased()) is already committed at position \(state.events[index].position)",
                    stream: event.stream, position: state.events[index].position,
                    eventID: event.id.uuidString.lowercased())
            }
            state.byID[event.id] = state.events.count
            state.streams[event.stream, default: []].append(state.events.count)
            state.events.append(event)
        }
    }

    private func checkOpen(_ state: State) throws {
        if state.closed { throw EventStoreError(.closed, "the event store is closed") }
    }

    /// Appends under the lock; on failure the state is put back as it was.
    private func appendLocked(_ appends: [StreamAppend], _ state: inout State) throws -> AppendResult {
        try checkOpen(state)
        // Move the state into the storage (no copy), and back afterwards.
        var storage = Storage(state: state)
        state = State()
        let before = storage.state.events.count
        defer { state = storage.state }
        do {
            let (result, head) = try AppendPlanner.append(
                appends, to: &storage, head: storage.state.head, recordedAt: clock())
            storage.state.head = head
            return result
        } catch {
            undo(&storage.state, to: before)
            throw error
        }
    }

    private func undo(_ state: inout State, to count: Int) {
        while state.events.count > count {
            let event = state.events.removeLast()
            state.byID[event.id] = nil
            state.streams[event.stream]?.removeLast()
            if state.streams[event.stream]?.isEmpty == true { state.streams[event.stream] = nil }
        }
    }

    private func wakeWaiters(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        let due = state.waiters.filter { $0.value.after < state.head.position }
        for id in due.keys { state.waiters[id] = nil }
        return due.values.map(\.continuation)
    }

    public func append(_ appends: [StreamAppend]) async throws -> AppendResult {
        try AppendPlanner.validate(appends, limits: limits)
        let (result, ready) = try state.withLock { state in
            let result = try appendLocked(appends, &state)
            return (result, wakeWaiters(&state))
        }
        for continuation in ready { continuation.resume() }
        return result
    }

    /// The state a transaction works on, moved in for the body and back out
    /// afterwards. A reference, so the store takes it back from the box it
    /// made, whatever the body did with its `any EventStoreTransaction`.
    final class TransactionState {
        var state: State
        init(_ state: State) { self.state = state }
    }

    struct Transaction: EventStoreTransaction {
        let store: InMemoryEventStore
        let box: TransactionState
        var head: LogHead { box.state.head }

        func currentVersion(of stream: StreamID) throws -> Int64 {
            box.state.streams[stream].map { Int64($0.count) } ?? 0
        }
        func readStream(_ stream: StreamID, fromVersion version: Int64, limit: Int) throws -> [RecordedEvent] {
            InMemoryEventStore.stream(stream, from: version, limit: limit, in: box.state)
        }
        func event(id: UUID) throws -> RecordedEvent? {
            box.state.byID[id].map { box.state.events[$0] }
        }
        func greatestEventID() throws -> UUID? {
            box.state.events.lazy.map(\.id).max { $0.bytesPrecede($1) }
        }
        mutating func append(_ appends: [StreamAppend]) throws -> AppendResult {
            try AppendPlanner.validate(appends, limits: store.limits)
            return try store.appendLocked(appends, &box.state)
        }

        mutating func importRecorded(_ events: [RecordedEvent]) throws {
            let box = self.box
            let after = try RecordedImport.check(events, after: box.state.head) { stream in
                box.state.streams[stream].map { Int64($0.count) } ?? 0
            }
            // A taken id throws part-way; `withTransaction` undoes what was inserted.
            var storage = Storage(state: box.state)
            box.state = State()
            defer { box.state = storage.state }
            for event in events { try storage.insert(event) }
            storage.state.head = after
        }

        mutating func saveProjection(_ projection: ProjectionState) throws {
            try InMemoryEventStore.save(projection, in: &box.state)
        }

        mutating func personalDataKey(subject: String, createWith newKey: [UInt8]) throws -> [UInt8] {
            if let key = box.state.personalKeys[subject] { return key }
            box.state.personalKeys[subject] = newKey
            return newKey
        }

        mutating func storePersonalData(_ record: PersonalDataRecord) throws {
            var record = record
            record.key = nil
            box.state.personalData[record.ref] = record
        }

        mutating func erasePersonalData(subject: String) throws -> Int {
            box.state.personalKeys[subject] = nil
            let refs = box.state.personalData.values.filter { $0.subject == subject }.map(\.ref)
            for ref in refs { box.state.personalData[ref] = nil }
            return refs.count
        }
    }

    public func withTransaction<T: Sendable>(
        _ body: @escaping @Sendable (inout any EventStoreTransaction) throws -> T
    ) async throws -> T {
        let (value, ready) = try state.withLock { state in
            try checkOpen(state)
            let before = state.events.count
            let headBefore = state.head
            let vaultBefore = (state.personalKeys, state.personalData)
            let projectionsBefore = state.projections
            let box = TransactionState(state)
            state = State()
            var transaction: any EventStoreTransaction = Transaction(store: self, box: box)
            do {
                let value = try body(&transaction)
                state = box.state
                return (value, wakeWaiters(&state))
            } catch {
                state = box.state
                undo(&state, to: before)
                state.head = headBefore
                (state.personalKeys, state.personalData) = vaultBefore
                state.projections = projectionsBefore
                throw error
            }
        }
        for continuation in ready { continuation.resume() }
        return value
    }

    static func stream(_ stream: StreamID, from version: Int64, limit: Int, in state: State) -> [RecordedEvent] {
        guard let indexes = state.streams[stream], version <= indexes.count else { return [] }
        let start = max(0, Int(version) - 1)
        return indexes[start..<min(indexes.count, start + max(0, limit))].map { state.events[$0] }
    }

    public func readStream(_ stream: StreamID, fromVersion version: Int64, limit: Int) async throws -> [RecordedEvent] {
        try state.withLock { state in
            try checkOpen(state)
            return Self.stream(stream, from: version, limit: limit, in: state)
        }
    }

    public func read(_ query: LogQuery) async throws -> [RecordedEvent] {
        try state.withLock { state in
            try checkOpen(state)
            var result: [RecordedEvent] = []
            var index = Int(max(0, query.after))
            while index < state.events.count, result.count < query.limit {
                let event = state.events[index]
                if let bound = query.upToPosition, event.position > bound { break }
                if query.matches(event) { result.append(event) }
                index += 1
            }
            return result
        }
    }

    public func scan<T: Sendable>(
        _ query: LogQuery, _ transform: @escaping @Sendable (EventView) throws -> T?
    ) async throws -> [T] {
        var mapped: [T] = []
        for event in try await read(query) {
            let value = try event.payload.bytes.withUnsafeBytes { bytes in
                try transform(EventView(
                    position: event.position, type: event.type, schemaVersion: event.schemaVersion,
                    occurredAt: event.metadata.occurredAt, recordedAt: event.metadata.recordedAt, payload: bytes))
            }
            if let value { mapped.append(value) }
        }
        return mapped
    }

    public func head() async throws -> LogHead {
        try state.withLock { state in
            try checkOpen(state)
            return state.head
        }
    }

    public func event(id: UUID) async throws -> RecordedEvent? {
        try state.withLock { state in
            try checkOpen(state)
            return state.byID[id].map { state.events[$0] }
        }
    }

    public func verify(progress: (@Sendable (Int64, Int64) -> Void)?) async throws -> ChainVerification {
        try await verifyByReading(progress: progress)
    }

    public func waitForCommit(after position: Int64, timeout: Duration) async throws -> Int64 {
        let id = try state.withLock { state -> UInt64? in
            try checkOpen(state)
            if state.head.position > position { return nil }
            state.nextWaiter += 1
            return state.nextWaiter
        }
        if let id {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state -> Bool in
                        if state.head.position > position || state.closed { return true }
                        state.waiters[id] = (position, continuation)
                        return false
                    }
                    if ready { return continuation.resume() }
                    Task { [self] in
                        try? await Task.sleep(for: timeout)
                        self.resumeWaiter(id)
                    }
                }
            } onCancel: {
                self.resumeWaiter(id)
            }
        }
        return try await head().position
    }

    private func resumeWaiter(_ id: UInt64) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
    }

    public func loadProjection(named name: String) async throws -> ProjectionState? {
        try state.withLock { state in
            try checkOpen(state)
            return state.projections[name]
        }
    }

    public func saveProjection(_ projection: ProjectionState) async throws {
        try state.withLock { state in
            try checkOpen(state)
            try Self.save(projection, in: &state)
        }
    }

    static func save(_ projection: ProjectionState, in state: inout State) throws {
        guard projection.checkpoint <= state.head.position else {
            throw EventStoreError(
                .invalidAppend,
                "projection '\(projection.name)': checkpoint \(projection.checkpoint) is past the head \(state.head.position)")
        }
        state.projections[projection.name] = projection
    }

    public func personalData(ref: String) async throws -> PersonalDataRecord? {
        try state.withLock { state in
            try checkOpen(state)
            guard var record = state.personalData[ref], let key = state.personalKeys[record.subject] else { return nil }
            record.key = key
            return record
        }
    }

    public func personalDataRecords(after ref: String?, limit: Int) async throws -> [PersonalDataRecord] {
        try state.withLock { state in
            try checkOpen(state)
            // By the bytes of the reference, as the SQL stores order them.
            func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
            let refs = state.personalData.keys.filter { ref == nil || precedes(ref!, $0) }.sorted(by: precedes)
            return refs.compactMap { ref -> PersonalDataRecord? in
                guard var record = state.personalData[ref], let key = state.personalKeys[record.subject] else { return nil }
                record.key = key
                return record
            }.prefix(max(0, limit)).map { $0 }
        }
    }

    public func compact() async throws {}

    public func close() async {
        let waiting = state.withLock { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Changes a stored payload behind the store's back, as a tamperer with
    /// direct access would: for tests of `verify`.
    public func tamper(position: Int64, payload: EventPayload) {
        state.withLock { state in
            guard position >= 1, position <= state.events.count else { return }
            state.events[Int(position) - 1].payload = payload
        }
    }
}
