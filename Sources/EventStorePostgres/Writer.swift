import CaseloadCoding
import EventStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The store's single writer: one task that owns the write connection and
/// commits appends in groups, as the SQLite store's writer thread does.
///
/// Appends queue up while a commit is under way; the next transaction takes
/// all of them. Each is checked against its own expectation and fails alone,
/// while the group shares one `COMMIT` (and, with `synchronous_commit` on,
/// one WAL flush). Every write transaction first locks the one-row head
/// (`SELECT … FOR UPDATE`), so writers in other processes wait for it too.
final class PostgresWriter: Sendable {
    enum Job: Sendable {
        case append([StreamAppend], CheckedContinuation<AppendResult, any Error>)
        /// Runs alone, between groups.
        case exclusive(@Sendable (WriterSession) async -> Void)
        case stop(CheckedContinuation<Void, Never>?)

        func refuse() {
            let closed = EventStoreError(.closed, "the event store is closed")
            switch self {
            case .append(_, let continuation): continuation.resume(throwing: closed)
            case .exclusive(let body): Task { await body(WriterSession.closed) }
            case .stop(let continuation): continuation?.resume()
            }
        }
    }

    private struct Queue {
        var jobs: [Job] = []
        var stopped = false
    }
    private let queue = Mutex(Queue())
    private let wake: AsyncStream<Void>.Continuation
    private let statistics = Mutex(PostgresWriterStatistics())

    init(session: WriterSession, maxGroupSize: Int, onGroupCommit: GroupCommitObserver? = nil) {
        let (signals, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.wake = wake
        Task { [self] in
            await self.run(signals, session: session, maxGroupSize: maxGroupSize, onGroupCommit: onGroupCommit)
        }
    }

    var counts: PostgresWriterStatistics { statistics.withLock { $0 } }

    func submit(_ job: Job) {
        let accepted = queue.withLock { queue -> Bool in
            guard !queue.stopped else { return false }
            queue.jobs.append(job)
            return true
        }
        if accepted { wake.yield() } else { job.refuse() }
    }

    private func run(
        _ signals: AsyncStream<Void>, session: WriterSession, maxGroupSize: Int, onGroupCommit: GroupCommitObserver?
    ) async {
        for await _ in signals {
            let jobs = queue.withLock { queue -> [Job] in
                defer { queue.jobs.removeAll(keepingCapacity: true) }
                return queue.jobs
            }
            var group: [PendingAppend] = []
            /// `joining`: the group may take appends queued while it locks
            /// the head (only when no job taken earlier is left to run).
            func flush(joining: Bool = false) async {
                guard !group.isEmpty else { return }
                let room = maxGroupSize - group.count
                let committed = await session.commitGroup(
                    group, joining: joining ? { [self] in self.takeAppends(upTo: room) } : nil)
                onGroupCommit?(GroupCommit(appends: committed))
                statistics.withLock {
                    $0.groups += 1
                    $0.appends += committed
                    $0.largestGroup = max($0.largestGroup, committed)
                }
                group.removeAll(keepingCapacity: true)
            }
            for (index, job) in jobs.enumerated() {
                switch job {
                case .append(let appends, let continuation):
                    group.append((appends, continuation))
                    if group.count >= maxGroupSize { await flush() }
                case .exclusive(let body):
                    await flush()
                    await body(session)
                case .stop(let continuation):
                    await flush()
                    let late = queue.withLock { queue -> [Job] in
                        queue.stopped = true
                        defer { queue.jobs.removeAll() }
                        return queue.jobs
                    }
                    for job in jobs[(index + 1)...] + late { job.refuse() }
                    await session.shutdown()
                    wake.finish()
                    continuation?.resume()
                    return
                }
            }
            await flush(joining: true)
        }
    }

    /// Takes the appends at the front of the queue, up to `limit`, leaving
    /// any other job (and everything after it) where it is, so jobs still
    /// run in the order they came.
    private func takeAppends(upTo limit: Int) -> [PendingAppend] {
        queue.withLock { queue in
            var taken: [PendingAppend] = []
            for job in queue.jobs {
                guard taken.count < limit, case .append(let appends, let continuation) = job else { break }
                taken.append((appends, continuation))
            }
            queue.jobs.removeFirst(taken.count)
            return taken
        }
    }
}

/// An append waiting for its group's commit, and whom to tell.
typealias PendingAppend = ([StreamAppend], CheckedContinuation<AppendResult, any Error>)

/// What the writer did since the store opened: for tests that must know
/// appends were grouped, and for diagnostics.
public struct PostgresWriterStatistics: Sendable, Hashable {
    /// Transactions that committed (or failed) a group of appends.
    public var groups = 0
    /// Appends those groups held.
    public var appends = 0
    /// The most appends one group held.
    public var largestGroup = 0
}

/// The write connection and what runs on it. Used by one party at a time:
/// the writer's task, or the transaction thread that task is waiting for.
///
/// `@unchecked Sendable` because of that hand-off: `connection` is replaced
/// (after a lost connection) only by the writer's task, never while a
/// transaction thread uses it.
final class WriterSession: @unchecked Sendable {
    private var connection: PostgresConnection?
    private let connect: (@Sendable () async throws -> PostgresConnection)?
    let queries: Queries
    let clock: @Sendable () -> Timestamp
    let limits: EventStoreLimits
    let logger: Logger
    let onCommit: @Sendable (LogHead) -> Void
    let describe: String

    /// Stands in for the session once the store is closed; every use fails.
    static var closed: WriterSession {
        WriterSession(
            connection: nil, connect: nil, queries: Queries(schema: Schema(name: "public", indexing: .none)),
            clock: { Timestamp(microsecondsSinceEpoch: 0) }, limits: .default,
            logger: Logger(label: "caseload.postgres", factory: { _ in SwiftLogNoOpLogHandler() }),
            onCommit: { _ in }, describe: "closed")
    }

    init(
        connection: PostgresConnection?, connect: (@Sendable () async throws -> PostgresConnection)?, queries: Queries,
        clock: @escaping @Sendable () -> Timestamp, limits: EventStoreLimits, logger: Logger,
        onCommit: @escaping @Sendable (LogHead) -> Void, describe: String
    ) {
        self.connection = connection
        self.connect = connect
        self.queries = queries
        self.clock = clock
        self.limits = limits
        self.logger = logger
        self.onCommit = onCommit
        self.describe = describe
    }

    /// The open connection, reconnecting if the last one was lost.
    func live() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        guard let connect else { throw EventStoreError(.closed, "the event store is closed") }
        connection = nil
        do {
            let fresh = try await connect()
            connection = fresh
            return fresh
        } catch {
            throw storeError(error, "cannot reconnect to \(describe)")
        }
    }

    /// Begins a transaction. A connection the server dropped while it was
    /// idle (a restart, `pg_terminate_backend`, an idle timeout) fails at
    /// `BEGIN`, before anything of the transaction was sent: it is then
    /// replaced once and the transaction begins on the new one.
    func begin() async throws -> PostgresConnection {
        let connection = try await live()
        do {
            try await run("BEGIN", on: connection)
            return connection
        } catch let error as PSQLError where error.code != .server {
            logger.info("the write connection was lost; reconnecting", metadata: ["error": "\(error.code)"])
            try? await connection.close()
            self.connection = nil
            let fresh = try await live()
            try await run("BEGIN", on: fresh)
            return fresh
        }
    }

    func shutdown() async {
        try? await connection?.close()
        connection = nil
    }

    @discardableResult
    func run(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRow] {
        // A query written to a channel that has already closed would never
        // be answered (the driver drops the write's failure): refuse it here.
        guard !connection.isClosed else {
            throw EventStoreError(.storageFailure, "\(describe): the connection was lost (the server closed it)")
        }
        return try await untilClosed(connection, describe) { [logger] in try await connection.query(query, logger: logger).collect() }
    }

    func lockHead(_ connection: PostgresConnection) async throws -> LogHead {
        guard let row = try await run(queries.lockHead, on: connection).first else {
            throw EventStoreError(.corrupted, "\(describe): the head table has no row")
        }
        return try row.logHead()
    }

    /// Commits a group of appends in one transaction; each succeeds or fails alone.
    ///
    /// After the head is locked, the group's streams' versions and the
    /// committed events among its ids are read in two queries; every append
    /// is then planned in memory, in turn (``AppendPlanner``, as on SQLite),
    /// seeing the rows of the appends before it. A failed append leaves no
    /// trace, so nothing needs undoing, and the rows of all the appends that
    /// succeeded are written in one `INSERT`.
    ///
    /// `joining` hands over the appends queued while the head was being
    /// locked, which join the group: callers whose last append has just
    /// been acknowledged send their next one meanwhile, and would otherwise
    /// wait a whole commit (with its WAL flush) for the next group, leaving
    /// groups alternately small and large. Returns the appends the group held.
    @discardableResult
    func commitGroup(_ group: [PendingAppend], joining: (() -> [PendingAppend])? = nil) async -> Int {
        var group = group
        var results: [Result<AppendResult, any Error>] = []
        let newHead: LogHead
        let before: LogHead
        do {
            let connection = try await begin()
            do {
                var head = try await lockHead(connection)
                if let joining { group += joining() }
                before = head
                var plan = try await PlannedRows.load(for: group.flatMap { $0.0 }, on: connection, session: self)
                let now = clock()
                for (appends, _) in group {
                    results.append(plan.append(appends, head: &head, now: now))
                }
                if !plan.rows.isEmpty {
                    try await run(queries.insert(plan.rows, movingHeadTo: head), on: connection)
                }
                try await run("COMMIT", on: connection)
                newHead = head
            } catch {
                _ = try? await run("ROLLBACK", on: connection)
                throw error
            }
        } catch {
            // The transaction as a whole failed: none of the group committed
            // (or, if the connection broke during COMMIT, perhaps all of it;
            // a retry with the same event ids is then answered as a retry).
            let failure = storeError(error, "cannot append to \(describe)")
            for (_, continuation) in group { continuation.resume(throwing: failure) }
            return group.count
        }
        for ((_, continuation), result) in zip(group, results) { continuation.resume(with: result) }
        if newHead != before { onCommit(newHead) }
        return group.count
    }

    /// Runs `body` in a transaction of its own, on a thread of its own (the
    /// body is synchronous and may block); commits if it returns.
    func exclusiveTransaction<T: Sendable>(
        _ body: @escaping @Sendable (inout any EventStoreTransaction) throws -> T
    ) async throws -> T {
        let connection: PostgresConnection
        do {
            connection = try await begin()
        } catch {
            throw storeError(error, "cannot begin a transaction on \(describe)")
        }
        do {
            let head = try await lockHead(connection)
            let (value, newHead) = try await Blocking.onThread { [self] in
                var transaction: any EventStoreTransaction = Transaction(session: self, connection: connection, head: head)
                let value = try body(&transaction)
                return (value, transaction.head)
            }
            if newHead != head { try await run(queries.updateHead(newHead), on: connection) }
            try await run("COMMIT", on: connection)
            if newHead != head { onCommit(newHead) }
            return value
        } catch {
            _ = try? await run("ROLLBACK", on: connection)
            if error is EventStoreError || error is PSQLError { throw storeError(error, "transaction on \(describe)") }
            throw error
        }
    }
}

/// A group's (or one transaction append's) view for ``AppendPlanner``: the
/// versions and committed events read when it began, and the rows planned
/// since, kept in memory until they are written together.
struct PlannedRows: AppendStorage {
    private var versions: [StreamID: Int64]
    private var committed: [UUID: RecordedEvent]
    private(set) var rows: [RecordedEvent] = []
    let limits: EventStoreLimits

    /// Reads what planning `appends` needs, inside the open transaction.
    static func load(for appends: [StreamAppend], on connection: PostgresConnection, session: WriterSession) async throws
        -> PlannedRows
    {
        let streams = Array(Set(appends.map(\.stream.rawValue)))
        var ids: [UUID] = []
        ids.reserveCapacity(appends.reduce(0) { $0 + $1.events.count })
        for append in appends { ids.append(contentsOf: append.events.map(\.id)) }
        var versions: [StreamID: Int64] = [:]
        // Every planned event goes in too (a later append of the group must
        // see it): room for all of them, rather than growing it row by row.
        var committed: [UUID: RecordedEvent] = [:]
        committed.reserveCapacity(ids.count)
        for row in try await session.run(session.queries.planningReads(streams: streams, ids: ids), on: connection) {
            let columns = row.makeRandomAccess()
            if try columns[0].decode(Int64?.self) == nil {
                if let version = try columns[3].decode(Int64?.self) {
                    versions[StreamID(unchecked: try columns[2].decode(String.self))] = version
                }
            } else {
                let event = try row.recordedEvent()
                committed[event.id] = event
            }
        }
        return PlannedRows(versions: versions, committed: committed, limits: session.limits)
    }

    private init(versions: [StreamID: Int64], committed: [UUID: RecordedEvent], limits: EventStoreLimits) {
        self.versions = versions
        self.committed = committed
        self.limits = limits
    }

    /// Plans one append after `head`; on failure, forgets whatever it planned.
    mutating func append(_ appends: [StreamAppend], head: inout LogHead, now: Timestamp) -> Result<AppendResult, any Error> {
        let rowsBefore = rows.count
        let versionsBefore = appends.map { ($0.stream, versions[$0.stream]) }
        do {
            let (result, after) = try AppendPlanner.append(appends, to: &self, head: head, recordedAt: now)
            head = after
            return .success(result)
        } catch {
            for row in rows[rowsBefore...] { committed[row.id] = nil }
            rows.removeSubrange(rowsBefore...)
            for (stream, version) in versionsBefore { versions[stream] = version }
            return .failure(error)
        }
    }

    func currentVersion(of stream: StreamID) throws -> Int64 { versions[stream] ?? 0 }

    func committedEvent(id: UUID) throws -> RecordedEvent? { committed[id] }

    mutating func insert(_ event: RecordedEvent) throws {
        if let original = committed[event.id] {
            throw EventStoreError(
                .idempotencyConflict,
                "stream '\(event.stream)': event \(event.id.lowercased) is already committed at position \(original.position) in stream '\(original.stream)'; an append is retried whole or not at all",
                stream: event.stream, position: original.position, eventID: event.id.lowercased)
        }
        committed[event.id] = event
        versions[event.stream] = event.streamVersion
        rows.append(event)
    }
}

/// The transaction view handed to `withTransaction` bodies, on their own
/// thread: every call waits for PostgreSQL (``Blocking``). The head stays
/// locked by the transaction, so nothing else appends meanwhile.
struct Transaction: EventStoreTransaction {
    let session: WriterSession
    let connection: PostgresConnection
    var head: LogHead

    init(session: WriterSession, connection: PostgresConnection, head: LogHead) {
        self.session = session
        self.connection = connection
        self.head = head
    }

    @discardableResult
    private func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
        let (session, connection) = (self.session, self.connection)
        return try Blocking.wait { try await session.run(query, on: connection) }
    }

    private func binds(_ values: (inout PostgresBindings) -> Void) -> PostgresBindings {
        var binds = PostgresBindings()
        values(&binds)
        return binds
    }

    private func table(_ name: String) -> String { session.queries.schema.table(name) }

    func currentVersion(of stream: StreamID) throws -> Int64 {
        guard let row = try rows(session.queries.streamVersions([stream.rawValue])).first else { return 0 }
        let (_, version) = try row.decode((String, Int64?).self)
        return version ?? 0
    }

    func readStream(_ stream: StreamID, fromVersion version: Int64, limit: Int) throws -> [RecordedEvent] {
        try rows(session.queries.stream(stream, from: version, limit: limit)).map { try $0.recordedEvent() }
    }

    func event(id: UUID) throws -> RecordedEvent? {
        try rows(session.queries.event(id: id)).first?.recordedEvent()
    }

    func greatestEventID() throws -> UUID? {
        // PostgreSQL orders uuids by their 16 bytes, as `bytesPrecede` does
        // (it has no max(uuid); the unique index gives the last one in a step).
        try rows(PostgresQuery(unsafeSQL: "SELECT event_id FROM \(table("events")) ORDER BY event_id DESC LIMIT 1"))
            .first?.decode(UUID.self)
    }

    mutating func append(_ appends: [StreamAppend]) throws -> AppendResult {
        try AppendPlanner.validate(appends, limits: session.limits)
        let (session, connection) = (self.session, self.connection)
        var plan = try Blocking.wait { try await PlannedRows.load(for: appends, on: connection, session: session) }
        var after = head
        let result = try plan.append(appends, head: &after, now: session.clock()).get()
        if !plan.rows.isEmpty {
            try rows(session.queries.insert(plan.rows))
            head = after
        }
        return result
    }

    mutating func importRecorded(_ events: [RecordedEvent]) throws {
        guard !events.isEmpty else { return }
        // The versions of the batch's streams in one round trip, then one `INSERT`.
        var versions: [StreamID: Int64] = [:]
        for row in try rows(session.queries.streamVersions(Array(Set(events.map(\.stream.rawValue))))) {
            let (stream, version) = try row.decode((String, Int64?).self)
            versions[StreamID(unchecked: stream)] = version ?? 0
        }
        let after = try RecordedImport.check(events, after: head) { versions[$0] ?? 0 }
        try rows(session.queries.insert(events))
        head = after
    }

    mutating func saveProjection(_ projection: ProjectionState) throws {
        guard projection.checkpoint <= head.position else {
            throw EventStoreError(
                .invalidAppend,
                "projection '\(projection.name)': checkpoint \(projection.checkpoint) is past the head \(head.position)")
        }
        try rows(PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(table("projections")) (name, checkpoint, state, saved_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT (name) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, state = EXCLUDED.state, saved_at = EXCLUDED.saved_at
                """,
            binds: binds {
                $0.append(projection.name)
                $0.append(projection.checkpoint)
                $0.append(ByteBuffer(bytes: projection.state))
                $0.append(session.clock().microsecondsSinceEpoch)
            }))
    }

    mutating func personalDataKey(subject: String, createWith newKey: [UInt8]) throws -> [UInt8] {
        // Inserts the key unless the subject has one, and returns whichever is stored.
        let found = try rows(PostgresQuery(
            unsafeSQL: """
                WITH inserted AS (
                  INSERT INTO \(table("personal_keys")) (subject, key) VALUES ($1, $2)
                  ON CONFLICT (subject) DO NOTHING RETURNING key)
                SELECT key FROM inserted UNION ALL SELECT key FROM \(table("personal_keys")) WHERE subject = $1
                """,
            binds: binds {
                $0.append(subject)
                $0.append(ByteBuffer(bytes: newKey))
            }))
        guard let key = try found.first?.decode(ByteBuffer.self) else {
            throw EventStoreError(.storageFailure, "personal data key of '\(subject)' was neither found nor stored")
        }
        return Array(key.readableBytesView)
    }

    mutating func storePersonalData(_ record: PersonalDataRecord) throws {
        try rows(PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(table("personal_data")) (ref, subject, field, sealed) VALUES ($1, $2, $3, $4)
                ON CONFLICT (ref) DO UPDATE SET subject = EXCLUDED.subject, field = EXCLUDED.field, sealed = EXCLUDED.sealed
                """,
            binds: binds {
                $0.append(record.ref)
                $0.append(record.subject)
                $0.append(record.field)
                $0.append(ByteBuffer(bytes: record.sealed))
            }))
    }

    mutating func erasePersonalData(subject: String) throws -> Int {
        let erased = try rows(PostgresQuery(
            unsafeSQL: "DELETE FROM \(table("personal_data")) WHERE subject = $1 RETURNING ref",
            binds: binds { $0.append(subject) }))
        try rows(PostgresQuery(
            unsafeSQL: "DELETE FROM \(table("personal_keys")) WHERE subject = $1", binds: binds { $0.append(subject) }))
        return erased.count
    }
}
